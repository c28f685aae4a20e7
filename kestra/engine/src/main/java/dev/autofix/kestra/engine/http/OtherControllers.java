package dev.autofix.kestra.engine.http;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.function.Predicate;

import org.slf4j.event.Level;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;

import io.kestra.core.models.QueryFilter;
import io.kestra.core.models.executions.Execution;
import io.kestra.core.models.executions.LogEntry;
import io.kestra.core.models.executions.TaskRun;
import io.kestra.core.models.kv.KVType;
import io.kestra.core.repositories.ExecutionRepositoryInterface;
import io.kestra.core.repositories.FlowRepositoryInterface;
import io.kestra.core.repositories.LogDataStoreInterface;
import io.kestra.core.serializers.JacksonMapper;
import io.kestra.core.services.ExecutionOutputService;
import io.kestra.core.services.InstanceService;
import io.kestra.core.services.KVStoreService;
import io.kestra.core.services.TaskOutputService;
import io.kestra.core.storages.kv.KVEntry;
import io.kestra.core.storages.kv.KVMetadata;
import io.kestra.core.storages.kv.KVStore;
import io.kestra.core.storages.kv.KVValue;
import io.kestra.core.storages.kv.KVValueAndMetadata;
import io.kestra.core.utils.UriProvider;
import io.kestra.core.utils.VersionProvider;

import io.micronaut.context.annotation.Value;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Consumes;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Produces;
import io.micronaut.http.annotation.Put;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.http.exceptions.HttpStatusException;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import jakarta.inject.Inject;

/** TEST HARNESS: the non-execution routes the bot's client and kestrapy call (released 2.0 paths and content types). */
final class OtherControllers {
    private OtherControllers() {
    }

    /**
     * GET /api/v1/configs: open (no credentials). The fields of Kestra 2.0 OSS's MiscController.Configuration that
     * the published jars can give (InstanceService's uuid, VersionProvider, UriProvider, the configuration).
     */
    @Controller("/api/v1/configs")
    @ExecuteOn(TaskExecutors.BLOCKING)
    static class Configs {
        @Inject
        VersionProvider versionProvider;
        @Inject
        InstanceService instanceService;
        @Inject
        UriProvider uriProvider;
        @Value("${kestra.server.basic-auth.username}")
        String username;
        @Value("${kestra.server.basic-auth.password}")
        String password;
        @Value("${kestra.anonymous-usage-report.enabled:true}")
        boolean anonymousUsage;
        @Value("${kestra.ui-anonymous-usage-report.enabled:true}")
        boolean uiAnonymousUsage;
        @Value("${kestra.plugins.auto-install.enabled:false}")
        boolean pluginAutoInstall;
        @Value("${kestra.system-flows.namespace:system}")
        String systemNamespace;
        @Value("${kestra.server.preview.initial-rows:100}")
        int previewInitial;
        @Value("${kestra.server.preview.max-rows:5000}")
        int previewMax;

        @Get
        @Produces(MediaType.APPLICATION_JSON)
        HttpResponse<byte[]> getConfiguration() {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("uuid", instanceService.fetch());
            body.put("version", versionProvider.getVersion());
            body.put("commitId", versionProvider.getRevision());
            body.put("commitDate", versionProvider.getDate());
            body.put("chartDefaultDuration", "P30D");
            body.put("isCustomDashboardsEnabled", true);
            body.put("isAnonymousUsageEnabled", anonymousUsage);
            body.put("isUiAnonymousUsageEnabled", uiAnonymousUsage);
            body.put("url", uriProvider.rootUrl().toString());
            body.put("preview", Map.of("initial", previewInitial, "max", previewMax));
            body.put("systemNamespace", systemNamespace);
            body.put("hiddenLabelsPrefixes", List.of());
            body.put("isAiEnabled", false);
            body.put("isAiApiKeyConfigured", false);
            body.put("isBasicAuthInitialized", BasicAuthFilter.initialized(username, password));
            body.put("isPluginAutoInstallEnabled", pluginAutoInstall);
            body.put("secretsEnabled", true);
            body.put("outputsInInternalStorageEnabled", false);
            body.put("isConcurrencyViewEnabled", true);
            body.put("edition", "OSS");
            return KestraJson.ok(body);
        }
    }

    @Controller("/api/v1{/tenant}/flows")
    @ExecuteOn(TaskExecutors.BLOCKING)
    static class Flows {
        @Inject
        FlowRepositoryInterface flowRepository;

        @Get(uri = "/{namespace}/{id}")
        @Produces(MediaType.APPLICATION_JSON)
        HttpResponse<byte[]> getFlow(@Nullable @PathVariable String tenant, @PathVariable String namespace, @PathVariable String id,
            @QueryValue(defaultValue = "false") boolean source, @Nullable @QueryValue Integer revision) {
            String t = Tenants.check(tenant);
            var flow = flowRepository.findByIdWithSource(t, namespace, id, Optional.ofNullable(revision));
            if (flow.isEmpty()) {
                return null;
            }
            return KestraJson.ok(source ? flow.get() : flow.get().toFlow());
        }
    }

    /**
     * GET /api/v1/{tenant}/logs/{executionId}: the 2.0 filters, checked by Kestra's own
     * QueryFilter.validateQueryFilters for LOG (level takes GREATER_THAN_OR_EQUAL_TO, LESS_THAN_OR_EQUAL_TO, IN,
     * NOT_IN; EQUALS is a 400). The 1.x query values (minLevel, taskId, taskRunId, attempt), which kestrapy 2.0.3
     * still sends, are not read: 2.0 does not apply them.
     */
    @Controller("/api/v1{/tenant}/logs")
    @ExecuteOn(TaskExecutors.BLOCKING)
    static class Logs {
        @Inject
        LogDataStoreInterface logs;

        @Get(uri = "/{executionId}")
        @Produces(MediaType.APPLICATION_JSON)
        HttpResponse<byte[]> listLogsFromExecution(@Nullable @PathVariable String tenant, @PathVariable String executionId, HttpRequest<?> request) {
            String t = Tenants.check(tenant);
            List<QueryFilter> filters = Filters.from(request);
            QueryFilter.validateQueryFilters(filters, QueryFilter.Resource.LOG);
            Level minLevel = null;
            String taskId = null;
            String taskRunId = null;
            List<Predicate<LogEntry>> more = new ArrayList<>();
            for (QueryFilter f : filters) {
                switch (f.field()) {
                    case LEVEL -> {
                        switch (f.operation()) {
                            case GREATER_THAN_OR_EQUAL_TO -> minLevel = Level.valueOf(f.value().toString());
                            case LESS_THAN_OR_EQUAL_TO -> {
                                Level max = Level.valueOf(f.value().toString());
                                more.add(l -> l.getLevel().toInt() <= max.toInt());
                            }
                            case IN, NOT_IN -> {
                                List<String> levels = values(f.value());
                                boolean in = f.operation() == QueryFilter.Op.IN;
                                more.add(l -> levels.contains(l.getLevel().name()) == in);
                            }
                            default -> throw notImplemented(f);
                        }
                    }
                    case TASK_ID -> {
                        if (f.operation() != QueryFilter.Op.EQUALS) {
                            throw notImplemented(f);
                        }
                        taskId = f.value().toString();
                    }
                    case TASK_RUN_ID -> {
                        if (f.operation() != QueryFilter.Op.EQUALS) {
                            throw notImplemented(f);
                        }
                        taskRunId = f.value().toString();
                    }
                    default -> throw notImplemented(f);
                }
            }
            List<LogEntry> found = taskRunId != null ? logs.findByExecutionIdAndTaskRunId(t, executionId, taskRunId, minLevel)
                : taskId != null ? logs.findByExecutionIdAndTaskId(t, executionId, taskId, minLevel)
                    : logs.findByExecutionId(t, executionId, minLevel);
            return KestraJson.ok(found.stream().filter(l -> more.stream().allMatch(p -> p.test(l))).toList());
        }

        private static List<String> values(Object value) {
            if (value instanceof List<?> list) {
                return list.stream().map(String::valueOf).toList();
            }
            return List.of(String.valueOf(value).split(","));
        }

        /** A filter Kestra accepts on logs that this stand-in does not apply: said, never ignored. */
        private static HttpStatusException notImplemented(QueryFilter f) {
            return new HttpStatusException(HttpStatus.NOT_IMPLEMENTED,
                "The stand-in does not apply filter " + f.field() + " " + f.operation() + " on execution logs");
        }
    }

    /**
     * The 2.0 outputs routes (OutputsApi in kestrapy): task and flow outputs are stored apart from the execution,
     * read here by Kestra's TaskOutputService and ExecutionOutputService.
     * <ul>
     * <li>GET /outputs/tasks/{executionId}: the task runs that have outputs;</li>
     * <li>GET /outputs/tasks/{executionId}/{taskRunId}: one task run's outputs, a map;</li>
     * <li>GET /outputs/executions/{executionId}: the flow's outputs, a map (empty when it has none).</li>
     * </ul>
     */
    @Controller("/api/v1{/tenant}/outputs")
    @ExecuteOn(TaskExecutors.BLOCKING)
    static class Outputs {
        @Inject
        ExecutionRepositoryInterface executionRepository;
        @Inject
        TaskOutputService taskOutputService;
        @Inject
        ExecutionOutputService executionOutputService;

        private Execution execution(String tenant, String executionId) {
            return executionRepository.findById(tenant, executionId)
                .orElseThrow(() -> new NoSuchElementException("Unable to find execution '" + executionId + "'"));
        }

        @Get(uri = "/tasks/{executionId}")
        @Produces(MediaType.APPLICATION_JSON)
        HttpResponse<byte[]> getTaskOutputsInformation(@Nullable @PathVariable String tenant, @PathVariable String executionId) throws Exception {
            String t = Tenants.check(tenant);
            List<Map<String, Object>> withOutputs = new ArrayList<>();
            for (TaskRun run : execution(t, executionId).getTaskRunList() == null ? List.<TaskRun> of() : execution(t, executionId).getTaskRunList()) {
                Map<String, Object> outputs = taskOutputService.getOutputs(run);
                if (outputs == null || outputs.isEmpty()) {
                    continue;
                }
                Map<String, Object> info = new LinkedHashMap<>();
                info.put("taskId", run.getTaskId());
                info.put("taskRunId", run.getId());
                info.put("value", run.getValue());
                info.put("iteration", run.getIteration());
                info.put("inline", true);
                withOutputs.add(info);
            }
            return KestraJson.ok(withOutputs);
        }

        @Get(uri = "/tasks/{executionId}/{taskRunId}")
        @Produces(MediaType.APPLICATION_JSON)
        HttpResponse<byte[]> getTaskRunOutputs(@Nullable @PathVariable String tenant, @PathVariable String executionId, @PathVariable String taskRunId) throws Exception {
            String t = Tenants.check(tenant);
            TaskRun taskRun = execution(t, executionId).findTaskRunByTaskRunIdIfPresent(taskRunId)
                .orElseThrow(() -> new NoSuchElementException("Unable to find task run '" + taskRunId + "'"));
            Map<String, Object> outputs = taskOutputService.getOutputs(taskRun);
            return KestraJson.ok(outputs == null ? Map.of() : outputs);
        }

        @Get(uri = "/executions/{executionId}")
        @Produces(MediaType.APPLICATION_JSON)
        HttpResponse<byte[]> getExecutionOutputs(@Nullable @PathVariable String tenant, @PathVariable String executionId) throws Exception {
            String t = Tenants.check(tenant);
            Map<String, Object> outputs = executionOutputService.getOutputs(execution(t, executionId));
            return KestraJson.ok(outputs == null ? Map.of() : outputs);
        }
    }

    /**
     * KV: GET answers {type, value, revision, updated}, or 404 "No value found for key …"; PUT takes text/plain
     * only and reads the body with Kestra's Ion mapper as KVController does (JSON values round-trip; Ion reads the
     * first value of other text, a bare word as a symbol); a ttl header that is not an ISO-8601 duration is a 500.
     */
    @Controller("/api/v1{/tenant}/namespaces/{namespace}/kv")
    @ExecuteOn(TaskExecutors.BLOCKING)
    static class Kv {
        @Inject
        KVStoreService kvStoreService;

        @Get(uri = "/{key}")
        @Produces(MediaType.APPLICATION_JSON)
        HttpResponse<byte[]> getKeyValue(@Nullable @PathVariable String tenant, @PathVariable String namespace, @PathVariable String key) throws Exception {
            String t = Tenants.check(tenant);
            KVStore store = kvStoreService.get(t, namespace, null);
            Optional<KVEntry> entry = store.get(key);
            Optional<KVValue> value = entry.isPresent() ? store.getValue(key) : Optional.empty();
            if (entry.isEmpty() || value.isEmpty()) {
                throw new NoSuchElementException("No value found for key '" + key + "' in namespace '" + namespace + "'");
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
        HttpResponse<?> setKeyValue(@Nullable @PathVariable String tenant, @PathVariable String namespace, @PathVariable String key,
            HttpHeaders headers, @Body String value) throws Exception {
            String t = Tenants.check(tenant);
            String ttl = headers.get("ttl");
            String description = headers.get("description");
            KVMetadata metadata = new KVMetadata(description, ttl == null ? null : Duration.parse(ttl));
            JsonNode parsed;
            try {
                parsed = JacksonMapper.ofIon().readTree(value);
            } catch (JsonProcessingException e) {
                throw new IllegalArgumentException("Invalid JSON value for: " + value);
            }
            kvStoreService.get(t, namespace, null).put(key, new KVValueAndMetadata(metadata, parsed));
            return HttpResponse.ok();
        }
    }
}
