package dev.autofix.kestra.engine.http;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.slf4j.event.Level;

import com.fasterxml.jackson.core.JsonProcessingException;

import io.kestra.core.models.QueryFilter;
import io.kestra.core.models.executions.Execution;
import io.kestra.core.models.executions.LogEntry;
import io.kestra.core.models.executions.TaskRun;
import io.kestra.core.models.kv.KVType;
import io.kestra.core.repositories.ExecutionRepositoryInterface;
import io.kestra.core.repositories.FlowRepositoryInterface;
import io.kestra.core.repositories.LogDataStoreInterface;
import io.kestra.core.serializers.JacksonMapper;
import io.kestra.core.services.KVStoreService;
import io.kestra.core.services.TaskOutputService;
import io.kestra.core.storages.kv.KVEntry;
import io.kestra.core.storages.kv.KVMetadata;
import io.kestra.core.storages.kv.KVStore;
import io.kestra.core.storages.kv.KVValue;
import io.kestra.core.storages.kv.KVValueAndMetadata;
import io.kestra.core.utils.VersionProvider;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Consumes;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Produces;
import io.micronaut.http.annotation.Put;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import jakarta.inject.Inject;

/** TEST HARNESS: the non-execution routes the bot's client calls (2.0 spec paths and content types). */
final class OtherControllers {
    private OtherControllers() {
    }

    /** GET /api/v1/configs: open (no credentials), carries the version the client reads. A subset of Kestra's. */
    @Controller("/api/v1/configs")
    static class Configs {
        @Inject
        VersionProvider versionProvider;

        @Get
        @Produces(MediaType.APPLICATION_JSON)
        HttpResponse<byte[]> getConfiguration() {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("version", versionProvider.getVersion());
            body.put("commitId", versionProvider.getRevision());
            body.put("isBasicAuthEnabled", true);
            body.put("edition", "OSS");
            return KestraJson.ok(body);
        }
    }

    @Controller("/api/v1/{tenant}/flows")
    @ExecuteOn(TaskExecutors.BLOCKING)
    static class Flows {
        @Inject
        FlowRepositoryInterface flowRepository;

        @Get(uri = "/{namespace}/{id}")
        @Produces(MediaType.APPLICATION_JSON)
        HttpResponse<byte[]> getFlow(@PathVariable String tenant, @PathVariable String namespace, @PathVariable String id,
            @QueryValue(defaultValue = "false") boolean source, @Nullable @QueryValue Integer revision) {
            Tenants.check(tenant);
            var flow = flowRepository.findByIdWithSource(tenant, namespace, id, Optional.ofNullable(revision));
            if (flow.isEmpty()) {
                return null;
            }
            return KestraJson.ok(source ? flow.get() : flow.get().toFlow());
        }
    }

    /** GET /api/v1/{tenant}/logs/{executionId} with filters[level][GREATER_THAN_OR_EQUAL_TO], taskId, taskRunId. */
    @Controller("/api/v1/{tenant}/logs")
    @ExecuteOn(TaskExecutors.BLOCKING)
    static class Logs {
        @Inject
        LogDataStoreInterface logs;

        @Get(uri = "/{executionId}")
        @Produces(MediaType.APPLICATION_JSON)
        HttpResponse<byte[]> listLogsFromExecution(@PathVariable String tenant, @PathVariable String executionId, HttpRequest<?> request) {
            Tenants.check(tenant);
            Level minLevel = null;
            String taskId = null;
            String taskRunId = null;
            for (QueryFilter f : Filters.from(request)) {
                switch (f.field()) {
                    case LEVEL -> {
                        if (f.operation() != QueryFilter.Op.GREATER_THAN_OR_EQUAL_TO && f.operation() != QueryFilter.Op.EQUALS) {
                            throw new IllegalArgumentException("Unsupported operation " + f.operation() + " on level");
                        }
                        minLevel = Level.valueOf(f.value().toString());
                    }
                    case TASK_ID -> taskId = f.value().toString();
                    case TASK_RUN_ID -> taskRunId = f.value().toString();
                    default -> throw new IllegalArgumentException("Unsupported filter " + f.field() + " on execution logs");
                }
            }
            List<LogEntry> found = taskRunId != null ? logs.findByExecutionIdAndTaskRunId(tenant, executionId, taskRunId, minLevel)
                : taskId != null ? logs.findByExecutionIdAndTaskId(tenant, executionId, taskId, minLevel)
                    : logs.findByExecutionId(tenant, executionId, minLevel);
            return KestraJson.ok(found);
        }
    }

    /**
     * GET /api/v1/{tenant}/outputs/{executionId}/{taskRunId}: the outputs of one task run as a map (2.0 spec path),
     * read by Kestra's TaskOutputService (2.0 stores them outside the execution, in the task output table).
     */
    @Controller("/api/v1/{tenant}/outputs")
    @ExecuteOn(TaskExecutors.BLOCKING)
    static class Outputs {
        @Inject
        ExecutionRepositoryInterface executionRepository;
        @Inject
        TaskOutputService taskOutputService;

        @Get(uri = "/{executionId}/{taskRunId}")
        @Produces(MediaType.APPLICATION_JSON)
        HttpResponse<byte[]> getTaskRunOutputs(@PathVariable String tenant, @PathVariable String executionId, @PathVariable String taskRunId) throws Exception {
            Tenants.check(tenant);
            Optional<Execution> execution = executionRepository.findById(tenant, executionId);
            if (execution.isEmpty()) {
                return null;
            }
            Optional<TaskRun> taskRun = execution.get().findTaskRunByTaskRunIdIfPresent(taskRunId);
            if (taskRun.isEmpty()) {
                return null;
            }
            return KestraJson.ok(taskOutputService.getOutputs(taskRun.get()));
        }
    }

    /** KV: GET answers {type, value, revision, updated} or 404; PUT takes text/plain only (2.0 spec). */
    @Controller("/api/v1/{tenant}/namespaces/{namespace}/kv")
    @ExecuteOn(TaskExecutors.BLOCKING)
    static class Kv {
        @Inject
        KVStoreService kvStoreService;

        @Get(uri = "/{key}")
        @Produces(MediaType.APPLICATION_JSON)
        HttpResponse<byte[]> getKeyValue(@PathVariable String tenant, @PathVariable String namespace, @PathVariable String key) throws Exception {
            Tenants.check(tenant);
            KVStore store = kvStoreService.get(tenant, namespace, null);
            Optional<KVEntry> entry = store.get(key);
            Optional<KVValue> value = entry.isPresent() ? store.getValue(key) : Optional.empty();
            if (entry.isEmpty() || value.isEmpty()) {
                return KestraJson.error(io.micronaut.http.HttpStatus.NOT_FOUND, "No value found for key '" + key + "' in namespace '" + namespace + "'");
            }
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("type", KVType.from(value.get().value()));
            body.put("value", value.get().value());
            body.put("revision", entry.get().revision());
            body.put("updated", entry.get().updateDate());
            return KestraJson.ok(body);
        }

        @Put(uri = "/{key}")
        @Consumes(MediaType.TEXT_PLAIN)
        HttpResponse<?> setKeyValue(@PathVariable String tenant, @PathVariable String namespace, @PathVariable String key,
            HttpHeaders headers, @Body String value) throws Exception {
            Tenants.check(tenant);
            String ttl = headers.get("ttl");
            String description = headers.get("description");
            Object parsed;
            try {
                parsed = JacksonMapper.ofJson().readValue(value, Object.class);
            } catch (JsonProcessingException e) {
                parsed = value;
            }
            kvStoreService.get(tenant, namespace, null)
                .put(key, new KVValueAndMetadata(new KVMetadata(description, ttl == null ? null : Duration.parse(ttl)), parsed));
            return HttpResponse.ok();
        }
    }
}
