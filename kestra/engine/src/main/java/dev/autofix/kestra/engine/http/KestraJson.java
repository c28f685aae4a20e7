package dev.autofix.kestra.engine.http;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.kestra.core.models.executions.Execution;

import io.micronaut.context.annotation.Context;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import jakarta.inject.Inject;

/**
 * Bodies are serialized by the ObjectMapper the real web server answers with: Micronaut's, made by Kestra's own
 * {@code io.kestra.core.serializers.ObjectMapperFactory} and configured by the cli's {@code jackson:} settings
 * (EngineConfig: ISO-8601 dates and durations, nulls left out). They are written as bytes so Micronaut does not
 * re-encode them; the content type is the one the route declares.
 */
public final class KestraJson {
    private static volatile ObjectMapper mapper;
    /** Error bodies keep their null {@code logref} and {@code path}, as Micronaut's JsonError renders them. */
    private static final ObjectMapper ERROR_MAPPER = new ObjectMapper();

    /** The fields of a task run in GET /executions/{id} (2.0's API task run: no ids of its execution, no outputs). */
    static final Set<String> API_TASK_RUN_FIELDS = Set.of("id", "taskId", "parentTaskRunId", "value", "attempts",
        "assets", "state", "iteration", "dynamic", "forceExecution");

    private KestraJson() {
    }

    /** Takes Micronaut's ObjectMapper bean once the context starts. */
    @Context
    static final class WebMapper {
        @Inject
        WebMapper(ObjectMapper objectMapper) {
            mapper = objectMapper;
        }
    }

    private static volatile ObjectMapper keepingNulls;

    private static ObjectMapper keepingNulls() {
        ObjectMapper m = keepingNulls;
        if (m == null) {
            m = mapper().copy()
                .setDefaultPropertyInclusion(JsonInclude.Value.construct(JsonInclude.Include.NON_NULL, JsonInclude.Include.ALWAYS));
            keepingNulls = m;
        }
        return m;
    }

    static ObjectMapper mapper() {
        ObjectMapper m = mapper;
        if (m == null) {
            throw new IllegalStateException("the web ObjectMapper is not set yet");
        }
        return m;
    }

    public static byte[] bytes(Object value) {
        try {
            return mapper().writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Unable to serialize " + value.getClass().getName(), e);
        }
    }

    /** A bean as a mutable JSON map, as the web mapper writes it. */
    public static Map<String, Object> toMap(Object value) {
        return mapper().convertValue(value, new TypeReference<LinkedHashMap<String, Object>>() {
        });
    }

    /**
     * GET /executions/{id}: the execution without {@code outputs} (2.0 serves them on /outputs), its task runs
     * with {@link #API_TASK_RUN_FIELDS} only.
     */
    @SuppressWarnings("unchecked")
    static Map<String, Object> apiExecution(Execution execution) {
        Map<String, Object> map = toMap(execution);
        map.remove("outputs");
        Object taskRuns = map.get("taskRunList");
        if (taskRuns instanceof List<?> list) {
            List<Map<String, Object>> light = new ArrayList<>();
            for (Object t : list) {
                Map<String, Object> run = new LinkedHashMap<>((Map<String, Object>) t);
                run.keySet().retainAll(API_TASK_RUN_FIELDS);
                light.add(run);
            }
            map.put("taskRunList", light);
        }
        return map;
    }

    /**
     * The Execution model as the action routes (create, resume, restart, kill) answer it: with its
     * {@code traceParent}, without {@code tenantId} (nor the tenant of its task runs) and without outputs.
     */
    @SuppressWarnings("unchecked")
    static Map<String, Object> actionExecution(Execution execution) {
        Map<String, Object> map = toMap(execution);
        map.remove("tenantId");
        map.remove("outputs");
        if (map.get("taskRunList") instanceof List<?> list) {
            List<Map<String, Object>> runs = new ArrayList<>();
            for (Object t : list) {
                Map<String, Object> run = new LinkedHashMap<>((Map<String, Object>) t);
                run.remove("tenantId");
                run.remove("outputs");
                runs.add(run);
            }
            map.put("taskRunList", runs);
        }
        return map;
    }

    public static MutableHttpResponse<byte[]> ok(Object value) {
        return HttpResponse.ok(bytes(value)).contentType(MediaType.APPLICATION_JSON_TYPE);
    }

    /**
     * A map already written by {@link #toMap} (so without the nulls the web mapper leaves out), with the nulls the
     * stand-in added on purpose kept (a FILE input that was not sent).
     */
    static MutableHttpResponse<byte[]> okKeepingNulls(Object value, MediaType type) {
        try {
            byte[] body = keepingNulls().writeValueAsBytes(value);
            return HttpResponse.ok(body).contentType(type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Unable to serialize " + value.getClass().getName(), e);
        }
    }

    public static MutableHttpResponse<byte[]> ok(Object value, MediaType type) {
        return HttpResponse.ok(bytes(value)).contentType(type);
    }

    /**
     * An error body as Kestra 2.0's ErrorController renders Micronaut's JsonError:
     * {@code {message, logref: null, path: null, _links: {self: {href, templated: false}}}}, plus
     * {@code _embedded.errors} when {@code errors} is not empty (constraint violations only).
     */
    public static MutableHttpResponse<byte[]> error(HttpRequest<?> request, HttpStatus status, String message,
        List<Map<String, Object>> errors) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("message", message);
        body.put("logref", null);
        body.put("path", null);
        body.put("_links", Map.of("self", Map.of("href", request.getUri().toString(), "templated", false)));
        if (!errors.isEmpty()) {
            body.put("_embedded", Map.of("errors", errors));
        }
        try {
            return HttpResponse.<byte[]> status(status).body(ERROR_MAPPER.writeValueAsBytes(body)).contentType(MediaType.APPLICATION_JSON_TYPE);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static MutableHttpResponse<byte[]> error(HttpRequest<?> request, HttpStatus status, String message) {
        return error(request, status, message, List.of());
    }
}
