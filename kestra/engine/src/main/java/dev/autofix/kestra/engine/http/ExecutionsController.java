package dev.autofix.kestra.engine.http;

import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

import io.kestra.core.async.AsyncOperationProcessedEvent;
import io.kestra.core.async.AsyncOperationsConfiguration;
import io.kestra.core.executor.command.Create;
import io.kestra.core.executor.command.ExecutionCommand;
import io.kestra.core.executor.command.Restart;
import io.kestra.core.executor.command.Resume;
import io.kestra.core.models.Label;
import io.kestra.core.models.QueryFilter;
import io.kestra.core.models.executions.Execution;
import io.kestra.core.models.executions.ExecutionId;
import io.kestra.core.models.executions.ExecutionKilled;
import io.kestra.core.models.executions.ExecutionKilledExecution;
import io.kestra.core.models.executions.ExecutionKind;
import io.kestra.core.models.flows.FlowWithSource;
import io.kestra.core.queues.BroadcastQueueInterface;
import io.kestra.core.queues.DispatchQueueInterface;
import io.kestra.core.repositories.ArrayListTotal;
import io.kestra.core.repositories.ExecutionRepositoryInterface;
import io.kestra.core.repositories.FlowRepositoryInterface;
import io.kestra.core.runners.FlowInputOutput;
import io.kestra.core.services.AsyncOperationWaiter;
import io.kestra.core.services.ExecutionService;
import io.kestra.core.services.LabelService;
import io.kestra.core.storages.StorageInterface;
import io.kestra.core.utils.IdUtils;
import io.kestra.core.utils.UriProvider;
import io.kestra.plugin.core.flow.Pause;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.model.Pageable;
import io.micronaut.data.model.Sort;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Consumes;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Delete;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.Produces;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.http.server.multipart.MultipartBody;
import io.micronaut.http.server.types.files.StreamedFile;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import jakarta.inject.Inject;

/**
 * TEST HARNESS: the execution routes of Kestra 2.0's ExecutionController that the bot's client calls, with the
 * paths, methods, consumed and produced types of the 2.0 OpenAPI spec, built on Kestra's own services (the
 * ExecutionCommand dispatch queue and AsyncOperationWaiter for create/resume/restart, the kill broadcast queue,
 * ExecutionRepositoryInterface, FlowInputOutput for multipart inputs, StorageInterface for files).
 */
@Controller("/api/v1/{tenant}/executions")
@ExecuteOn(TaskExecutors.BLOCKING)
public class ExecutionsController {
    @Inject
    ExecutionRepositoryInterface executionRepository;
    @Inject
    FlowRepositoryInterface flowRepository;
    @Inject
    FlowInputOutput flowInputOutput;
    @Inject
    ExecutionService executionService;
    @Inject
    DispatchQueueInterface<ExecutionCommand> executionCommandQueue;
    @Inject
    BroadcastQueueInterface<ExecutionKilled> killQueue;
    @Inject
    AsyncOperationWaiter asyncOperationWaiter;
    @Inject
    AsyncOperationsConfiguration asyncOperationsConfiguration;
    @Inject
    StorageInterface storageInterface;
    @Inject
    UriProvider uriProvider;

    // ---- create ---------------------------------------------------------------------------------------------

    @Post(uri = "/{namespace}/{id}")
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    @Produces(MediaType.APPLICATION_JSON)
    public HttpResponse<byte[]> createExecution(
        @PathVariable String tenant,
        @PathVariable String namespace,
        @PathVariable String id,
        @Nullable @Body MultipartBody inputs,
        @Nullable @QueryValue List<String> labels,
        @QueryValue(defaultValue = "false") boolean wait,
        @Nullable @QueryValue Integer revision,
        @Nullable @QueryValue ExecutionKind kind) throws Exception {
        Tenants.check(tenant);
        Optional<FlowWithSource> found = flowRepository.findByIdWithSource(tenant, namespace, id, Optional.ofNullable(revision));
        if (found.isEmpty()) {
            return KestraJson.error(HttpStatus.NOT_FOUND, "Flow '" + namespace + "." + id + "' not found");
        }
        FlowWithSource flow = found.get();
        if (flow.isDisabled()) {
            return KestraJson.error(HttpStatus.CONFLICT, "Cannot execute a disabled flow");
        }

        List<Label> contributed = parseLabels(labels);
        String executionId = IdUtils.create();
        Map<String, Object> typedInputs = flowInputOutput
            .readExecutionInputs(flow, executionId, contributed, inputs == null ? reactor.core.publisher.Flux.empty() : inputs)
            .block();

        Create command = Create.of(new ExecutionId(tenant, namespace, id, executionId, flow.getRevision()))
            .withLabels(LabelService.withCorrelationId(contributed, executionId))
            .withInputs(typedInputs)
            .withKind(kind);

        HttpResponse<byte[]> refused = submit(executionId, op -> emit(command.withOperationId(op)));
        if (refused != null) {
            return refused;
        }

        Execution execution = awaitStored(tenant, executionId);
        if (wait) {
            Instant deadline = Instant.now().plus(Duration.ofHours(1));
            while (!execution.getState().isTerminated() && Instant.now().isBefore(deadline)) {
                Thread.sleep(200);
                execution = awaitStored(tenant, executionId);
            }
        }
        Map<String, Object> body = KestraJson.toMap(execution);
        body.put("url", uriProvider.executionUrl(execution).toString());
        return KestraJson.ok(body);
    }

    // ---- read -----------------------------------------------------------------------------------------------

    @Get(uri = "/{executionId}")
    @Produces(MediaType.APPLICATION_JSON)
    public HttpResponse<byte[]> getExecution(@PathVariable String tenant, @PathVariable String executionId) {
        Tenants.check(tenant);
        return executionRepository.findById(tenant, executionId).map(KestraJson::ok).orElse(null);
    }

    @Get(uri = "/search")
    @Produces(MediaType.APPLICATION_JSON)
    public HttpResponse<byte[]> searchExecutions(
        @PathVariable String tenant,
        @QueryValue(defaultValue = "1") int page,
        @QueryValue(defaultValue = "10") int size,
        @Nullable @QueryValue List<String> sort,
        @Nullable @QueryValue ExecutionRepositoryInterface.DateFilter dateFilter,
        HttpRequest<?> request) {
        Tenants.check(tenant);
        if (page < 1 || size < 1) {
            return KestraJson.error(HttpStatus.BAD_REQUEST, "page and size must be at least 1");
        }
        List<QueryFilter> filters = Filters.from(request);
        // Kestra's JDBC repositories take the 1-based page of the API (they subtract one themselves).
        Pageable pageable = Pageable.from(page, size, sort(sort));
        // The 2.0 spec's `dateFilter` (START_DATE, END_DATE, START_OR_END_DATE) picks the column that every
        // startDate/endDate filter is applied to; without it the repository uses start_date for both.
        ArrayListTotal<Execution> found = executionRepository.find(pageable, tenant, filters, dateFilter);
        List<Map<String, Object>> light = found.stream().map(ExecutionsController::light).toList();
        return KestraJson.ok(Map.of("results", light, "total", found.getTotal()));
    }

    /**
     * The 2.0 spec's search answers ApiLightExecution (a webserver class, not published): the execution without
     * its task runs, metadata or variables. Serving the full model here would let a client depend on fields real
     * Kestra does not send.
     */
    private static final Set<String> LIGHT_FIELDS = Set.of("tenantId", "id", "namespace", "flowId", "flowRevision",
        "inputs", "outputs", "labels", "state", "parentId", "originalId", "trigger", "kind", "loopRun", "scheduleDate");

    static Map<String, Object> light(Execution execution) {
        Map<String, Object> map = KestraJson.toMap(execution);
        map.keySet().retainAll(LIGHT_FIELDS);
        return map;
    }

    // ---- actions --------------------------------------------------------------------------------------------

    @Post(uri = "/{executionId}/actions/resume")
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    @Produces(MediaType.APPLICATION_JSON)
    public HttpResponse<byte[]> resumeExecution(
        @PathVariable String tenant,
        @PathVariable String executionId,
        @Nullable @Body MultipartBody inputs) throws Exception {
        Tenants.check(tenant);
        Optional<Execution> found = executionRepository.findById(tenant, executionId);
        if (found.isEmpty()) {
            return null;
        }
        Execution execution = found.get();
        if (!execution.getState().isPaused()) {
            return KestraJson.error(HttpStatus.CONFLICT, "Execution '" + executionId + "' is not paused, can't resume it");
        }
        FlowWithSource flow = flowRepository
            .findByIdWithSource(tenant, execution.getNamespace(), execution.getFlowId(), Optional.ofNullable(execution.getFlowRevision()))
            .orElseThrow();
        Map<String, Object> resumeInputs = executionService
            .readInputs(execution, flow, inputs == null ? reactor.core.publisher.Flux.empty() : inputs)
            .block();
        HttpResponse<byte[]> refused = submit(executionId, op -> emit(Resume.from(execution, Pause.Resumed.now(), resumeInputs).withOperationId(op)));
        if (refused != null) {
            return refused;
        }
        return KestraJson.ok(awaitStored(tenant, executionId));
    }

    @Post(uri = "/{executionId}/actions/restart")
    @Produces(MediaType.APPLICATION_JSON)
    public HttpResponse<byte[]> restartExecution(
        @PathVariable String tenant,
        @PathVariable String executionId,
        @Nullable @QueryValue Integer revision) throws Exception {
        Tenants.check(tenant);
        Optional<Execution> found = executionRepository.findById(tenant, executionId);
        if (found.isEmpty()) {
            return null;
        }
        HttpResponse<byte[]> refused = submit(executionId, op -> emit(Restart.from(found.get(), revision).withOperationId(op)));
        if (refused != null) {
            return refused;
        }
        return KestraJson.ok(awaitStored(tenant, executionId));
    }

    /** Declared as producing text/json only in 2.0: an Accept of application/json alone gets Micronaut's 406. */
    @Delete(uri = "/{executionId}/actions/kill")
    @Produces(MediaType.TEXT_JSON)
    public HttpResponse<byte[]> killExecution(
        @PathVariable String tenant,
        @PathVariable String executionId,
        @QueryValue(defaultValue = "true") boolean isOnKillCascade) throws Exception {
        Tenants.check(tenant);
        Optional<Execution> found = executionRepository.findById(tenant, executionId);
        if (found.isEmpty()) {
            return null;
        }
        if (found.get().getState().isTerminated() && !isOnKillCascade) {
            return KestraJson.error(HttpStatus.CONFLICT, "Execution is already terminated");
        }
        HttpResponse<byte[]> refused = submit(executionId, op ->
        {
            try {
                killQueue.emit(
                    ExecutionKilledExecution.builder()
                        .state(ExecutionKilled.State.REQUESTED)
                        .executionId(executionId)
                        .tenantId(tenant)
                        .isOnKillCascade(isOnKillCascade)
                        .operationId(op)
                        .build()
                );
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        if (refused != null) {
            return refused;
        }
        return KestraJson.ok(awaitStored(tenant, executionId), MediaType.TEXT_JSON_TYPE);
    }

    // ---- files ----------------------------------------------------------------------------------------------

    @Get(uri = "/{executionId}/file")
    @Produces({MediaType.APPLICATION_OCTET_STREAM, "application/x-ndjson"})
    public HttpResponse<?> getFileFromExecution(
        @PathVariable String tenant,
        @PathVariable String executionId,
        @QueryValue URI path,
        @Nullable @QueryValue String format) throws Exception {
        Tenants.check(tenant);
        Optional<Execution> found = executionRepository.findById(tenant, executionId);
        if (found.isEmpty()) {
            return null;
        }
        if (format != null && !"RAW".equals(format)) {
            return KestraJson.error(HttpStatus.UNPROCESSABLE_ENTITY, "format " + format + " is not implemented by the test harness (RAW only)");
        }
        if (!path.getPath().contains("/executions/" + executionId + "/")) {
            return KestraJson.error(HttpStatus.UNPROCESSABLE_ENTITY, "Invalid prefix path: the file does not belong to execution " + executionId);
        }
        InputStream stream = storageInterface.get(tenant, found.get().getNamespace(), path);
        String name = path.getPath().substring(path.getPath().lastIndexOf('/') + 1);
        return HttpResponse.ok(new StreamedFile(stream, MediaType.APPLICATION_OCTET_STREAM_TYPE).attach(name));
    }

    // ---- helpers --------------------------------------------------------------------------------------------

    private void emit(ExecutionCommand command) {
        try {
            executionCommandQueue.emit(command);
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }

    /** Emits through AsyncOperationWaiter; null when the executor processed it, else the error response. */
    private HttpResponse<byte[]> submit(String executionId, Consumer<String> emitter) {
        AsyncOperationProcessedEvent event;
        try {
            event = asyncOperationWaiter.submitAndWait(executionId, emitter, asyncOperationsConfiguration.waitTimeout());
        } catch (TimeoutException e) {
            return KestraJson.error(HttpStatus.GATEWAY_TIMEOUT, "The executor did not confirm the operation within " + asyncOperationsConfiguration.waitTimeout());
        }
        if (event != null && event.outcome() == AsyncOperationProcessedEvent.Outcome.FAILED) {
            return KestraJson.error(HttpStatus.CONFLICT, event.error() == null ? "The operation failed" : event.error());
        }
        return null;
    }

    /** The execution as stored; the executor confirms a command once it has processed it. */
    private Execution awaitStored(String tenant, String executionId) throws InterruptedException {
        for (int i = 0; i < 100; i++) {
            Optional<Execution> found = executionRepository.findById(tenant, executionId);
            if (found.isPresent()) {
                return found.get();
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("Execution " + executionId + " was confirmed but is not stored");
    }

    private Sort sort(@Nullable List<String> sort) {
        if (sort == null || sort.isEmpty()) {
            return Sort.UNSORTED;
        }
        List<Sort.Order> orders = new ArrayList<>();
        for (String s : sort) {
            String[] parts = s.split(":");
            String column = executionRepository.sortMapping().apply(parts[0]);
            if (column == null) {
                throw new IllegalArgumentException("Invalid sort parameter '" + parts[0] + "'");
            }
            boolean desc = parts.length > 1 && parts[1].equalsIgnoreCase("desc");
            orders.add(desc ? Sort.Order.desc(column) : Sort.Order.asc(column));
        }
        return Sort.of(orders);
    }

    /** `key:value`, split at the first ':'; duplicate keys are refused like Kestra's RequestUtils.toMap. */
    static List<Label> parseLabels(@Nullable List<String> labels) {
        List<Label> parsed = new ArrayList<>();
        Set<String> keys = new HashSet<>();
        for (String label : labels == null ? List.<String> of() : labels) {
            int colon = label.indexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("Invalid label '" + label + "': expected key:value");
            }
            String key = label.substring(0, colon);
            if (!keys.add(key)) {
                throw new IllegalArgumentException("Duplicate label key '" + key + "'");
            }
            parsed.add(new Label(key, label.substring(colon + 1)));
        }
        return parsed;
    }
}
