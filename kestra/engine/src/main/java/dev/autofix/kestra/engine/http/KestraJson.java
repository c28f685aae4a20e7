package dev.autofix.kestra.engine.http;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;

import io.kestra.core.serializers.JacksonMapper;

import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;

/**
 * Bodies are serialized by Kestra's own mapper ({@link JacksonMapper#ofJson()}), never by hand, and written
 * as bytes so Micronaut does not re-encode them; the content type is the one the route declares.
 */
public final class KestraJson {
    private KestraJson() {
    }

    public static byte[] bytes(Object value) {
        try {
            return JacksonMapper.ofJson().writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Unable to serialize " + value.getClass().getName(), e);
        }
    }

    /** A bean as a mutable JSON map (to add the `url` the create route returns). */
    public static Map<String, Object> toMap(Object value) {
        return JacksonMapper.ofJson().convertValue(value, new TypeReference<LinkedHashMap<String, Object>>() {
        });
    }

    public static MutableHttpResponse<byte[]> ok(Object value) {
        return HttpResponse.ok(bytes(value)).contentType(MediaType.APPLICATION_JSON_TYPE);
    }

    public static MutableHttpResponse<byte[]> ok(Object value, MediaType type) {
        return HttpResponse.ok(bytes(value)).contentType(type);
    }

    /**
     * An error body shaped like Micronaut's JsonError, which Kestra's webserver returns:
     * {@code {message, _embedded: {errors: [{message, path?}]}}}.
     */
    public static MutableHttpResponse<byte[]> error(HttpStatus status, String message, List<Map<String, Object>> errors) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("message", message);
        body.put("_embedded", Map.of("errors", errors.isEmpty() ? List.of(Map.of("message", message)) : errors));
        return HttpResponse.<byte[]> status(status).body(bytes(body)).contentType(MediaType.APPLICATION_JSON_TYPE);
    }

    public static MutableHttpResponse<byte[]> error(HttpStatus status, String message) {
        return error(status, message, List.of());
    }
}
