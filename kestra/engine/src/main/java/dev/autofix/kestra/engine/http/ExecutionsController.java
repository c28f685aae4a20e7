package dev.autofix.kestra.engine.http;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
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
import io.kestra.core.models.flows.Input;
import io.kestra.core.models.flows.Type;
import io.kestra.core.queues.BroadcastQueueInterface;
import io.kestra.core.queues.DispatchQueueInterface;
import io.kestra.core.repositories.ArrayListTotal;
import io.kestra.core.repositories.ExecutionRepositoryInterface;
import io.kestra.core.repositories.FlowRepositoryInterface;
import io.kestra.core.runners.FlowInputOutput;
import io.kestra.core.serializers.FileSerde;
import io.kestra.core.serializers.JacksonMapper;
import io.kestra.core.services.AsyncOperationWaiter;
import io.kestra.core.services.ExecutionService;
import io.kestra.core.services.LabelService;
import io.kestra.core.storages.StorageContext;
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
import io.micronaut.http.exceptions.HttpStatusException;
import io.micronaut.http.server.multipart.MultipartBody;
import io.micronaut.http.server.types.files.StreamedFile;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import jakarta.inject.Inject;
import jakarta.validation.constraints.Min;

/**
 * TEST HARNESS: the execution routes of Kestra 2.0's ExecutionController that the bot's client and kestrapy call,
 * with the released paths, methods, consumed and produced types, on Kestra's own services: the ExecutionCommand
 * dispatch queue and AsyncOperationWaiter for create/resume/restart, ExecutionService for what an action may do
 * (getExecutionIfPause, restart's State.canBeRestarted), the kill broadcast queue, ExecutionRepositoryInterface,
 * FlowInputOutput for multipart inputs, StorageContext and StorageInterface for files.
 */
@Controller("/api/v1{/tenant}/executions")
@ExecuteOn(TaskExecutors.BLOCKING)
public class ExecutionsController {
    /** The system labels a request may set at creation (any other system.* is refused). */
    private static final Set<String> CREATION_SYSTEM_LABELS = Set.of(Label.CORRELATION_ID, Label.FROM);

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
        @Nullable @PathVariable String tenant,
        @PathVariable String namespace,
        @PathVariable String id,
        @Nullable @Body MultipartBody inputs,
        @Nullable @QueryValue List<String> labels,
        @QueryValue(defaultValue = "false") boolean wait,
        @Nullable @QueryValue Integer revision,
        @Nullable @QueryValue ExecutionKind kind) throws Exception {
        String t = Tenants.check(tenant);
        FlowWithSource flow = flowRepository.findByIdWithSource(t, namespace, id, Optional.ofNullable(revision))
            .orElseThrow(() -> new NoSuchElementException("Requested Flow is not found."));
        if (flow.isDisabled()) {
            throw new IllegalStateException("Requested Flow is disabled.");
        }

        List<Label> contributed = parseLabels(labels);
        String executionId = IdUtils.create();
        Map<String, Object> typedInputs = flowInputOutput
            .readExecutionInputs(flow, executionId, contributed, inputs == null ? reactor.core.publisher.Flux.empty() : inputs)
            .block();

        List<Label> runLabels = new ArrayList<>(LabelService.withCorrelationId(contributed, executionId));
        if (runLabels.stream().noneMatch(l -> Label.FROM.equals(l.key()))) {
            runLabels.add(new Label(Label.FROM, "api"));
        }
        Create command = Create.of(new ExecutionId(t, namespace, id, executionId, flow.getRevision()))
            .withLabels(runLabels)
            .withInputs(typedInputs)
            .withKind(kind)
            .withTraceParent(traceParent());

        submit(executionId, op -> emit(command.withOperationId(op)));

        Execution execution = awaitStored(t, executionId);
        if (wait) {
            Instant deadline = Instant.now().plus(Duration.ofHours(1));
            while (!execution.getState().isTerminated() && Instant.now().isBefore(deadline)) {
                Thread.sleep(200);
                execution = awaitStored(t, executionId);
            }
        }
        Map<String, Object> body = withUnsentFiles(KestraJson.actionExecution(execution), execution);
        body.put("url", uriProvider.executionUrl(execution).toString());
        return KestraJson.okKeepingNulls(body, MediaType.APPLICATION_JSON_TYPE);
    }

    // ---- read -----------------------------------------------------------------------------------------------

    @Get(uri = "/{executionId}")
    @Produces(MediaType.APPLICATION_JSON)
    public HttpResponse<byte[]> getExecution(@Nullable @PathVariable String tenant, @PathVariable String executionId) {
        String t = Tenants.check(tenant);
        return executionRepository.findById(t, executionId)
            .map(e -> KestraJson.okKeepingNulls(withUnsentFiles(KestraJson.apiExecution(e), e), MediaType.APPLICATION_JSON_TYPE))
            .orElse(null);
    }

    @Get(uri = "/search")
    @Produces(MediaType.APPLICATION_JSON)
    public HttpResponse<byte[]> searchExecutions(
        @Nullable @PathVariable String tenant,
        @QueryValue(defaultValue = "1") @Min(1) int page,
        @QueryValue(defaultValue = "10") @Min(1) int size,
        @Nullable @QueryValue List<String> sort,
        @Nullable @QueryValue ExecutionRepositoryInterface.DateFilter dateFilter,
        HttpRequest<?> request) {
        String t = Tenants.check(tenant);
        List<QueryFilter> filters = Filters.from(request);
        QueryFilter.validateQueryFilters(filters, QueryFilter.Resource.EXECUTION);
        // Kestra's JDBC repositories take the 1-based page of the API (they subtract one themselves).
        Pageable pageable = Pageable.from(page, size, sort(sort));
        // `dateFilter` (START_DATE, END_DATE, START_OR_END_DATE) picks the column that every startDate/endDate
        // filter is applied to; without it the repository uses start_date for both.
        ArrayListTotal<Execution> found = executionRepository.find(pageable, t, filters, dateFilter);
        List<Map<String, Object>> light = found.stream().map(e -> withUnsentFiles(light(e), e)).toList();
        return KestraJson.okKeepingNulls(Map.of("results", light, "total", found.getTotal()), MediaType.APPLICATION_JSON_TYPE);
    }

    /**
     * The search answers 2.0's light executions (ApiLightExecution, a webserver class, not published): the
     * execution without its task runs, metadata, variables or outputs. Serving the full model here would let a
     * client depend on fields real Kestra does not send.
     */
    private static final Set<String> LIGHT_FIELDS = Set.of("tenantId", "id", "namespace", "flowId", "flowRevision",
        "inputs", "labels", "state", "parentId", "originalId", "trigger", "kind", "loopRun", "scheduleDate");

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
        @Nullable @PathVariable String tenant,
        @PathVariable String executionId,
        @Nullable @Body MultipartBody inputs) throws Exception {
        String t = Tenants.check(tenant);
        // Kestra's own check: NoSuchElementException (404) for an unknown id, IllegalStateException (409) when
        // the run is not paused.
        Execution execution = executionService.getExecutionIfPause(t, executionId, true);
        FlowWithSource flow = flowRepository
            .findByIdWithSource(t, execution.getNamespace(), execution.getFlowId(), Optional.ofNullable(execution.getFlowRevision()))
            .orElseThrow(() -> new NoSuchElementException("Unable to find flow '" + execution.getNamespace() + "." + execution.getFlowId() + "'"));
        Map<String, Object> resumeInputs = executionService
            .readInputs(execution, flow, inputs == null ? reactor.core.publisher.Flux.empty() : inputs)
            .block();
        submit(executionId, op -> emit(Resume.from(execution, Pause.Resumed.now(), resumeInputs).withOperationId(op)));
        return action(awaitStored(t, executionId), MediaType.APPLICATION_JSON_TYPE);
    }

    @Post(uri = "/{executionId}/actions/restart")
    @Produces(MediaType.APPLICATION_JSON)
    public HttpResponse<byte[]> restartExecution(
        @Nullable @PathVariable String tenant,
        @PathVariable String executionId,
        @Nullable @QueryValue Integer revision) throws Exception {
        String t = Tenants.check(tenant);
        Optional<Execution> found = executionRepository.findById(t, executionId);
        if (found.isEmpty()) {
            return null;
        }
        Execution execution = found.get();
        FlowWithSource flow = flowRepository
            .findByIdWithSource(t, execution.getNamespace(), execution.getFlowId(), Optional.ofNullable(revision != null ? revision : execution.getFlowRevision()))
            .orElseThrow(() -> new NoSuchElementException("Unable to find flow '" + execution.getNamespace() + "." + execution.getFlowId() + "'"));
        // Kestra's ExecutionService decides whether the run can be restarted (State.canBeRestarted: FAILED or
        // PAUSED in 2.0.0), with its own IllegalStateException (409); the executor then restarts it for real.
        executionService.restart(execution, flow.toFlow(), revision);
        submit(executionId, op -> emit(Restart.from(execution, revision).withOperationId(op)));
        return action(awaitStored(t, executionId), MediaType.APPLICATION_JSON_TYPE);
    }

    /**
     * Declared as producing text/json only in 2.0: an Accept of application/json alone gets Micronaut's 406.
     * The answer comes once the executor took the kill (the run is KILLING, or already KILLED). With the default
     * isOnKillCascade=true an ended run is answered unchanged; with false it is a 409.
     */
    @Delete(uri = "/{executionId}/actions/kill")
    @Produces(MediaType.TEXT_JSON)
    public HttpResponse<byte[]> killExecution(
        @Nullable @PathVariable String tenant,
        @PathVariable String executionId,
        @QueryValue(defaultValue = "true") boolean isOnKillCascade) throws Exception {
        String t = Tenants.check(tenant);
        Optional<Execution> found = executionRepository.findById(t, executionId);
        if (found.isEmpty()) {
            return null;
        }
        if (found.get().getState().isTerminated()) {
            if (!isOnKillCascade) {
                throw new IllegalStateException("Execution is already finished, can't kill it");
            }
            return action(found.get(), MediaType.TEXT_JSON_TYPE);
        }
        submit(executionId, op ->
        {
            try {
                killQueue.emit(
                    ExecutionKilledExecution.builder()
                        .state(ExecutionKilled.State.REQUESTED)
                        .executionId(executionId)
                        .tenantId(t)
                        .isOnKillCascade(isOnKillCascade)
                        .operationId(op)
                        .build()
                );
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        Execution killed = awaitStored(t, executionId);
        for (int i = 0; i < 100 && !killed.getState().isTerminated()
            && killed.getState().getCurrent() != io.kestra.core.models.flows.State.Type.KILLING; i++) {
            Thread.sleep(50);
            killed = awaitStored(t, executionId);
        }
        return action(killed, MediaType.TEXT_JSON_TYPE);
    }

    // ---- files ----------------------------------------------------------------------------------------------

    /**
     * A file of the execution (RAW), or an Ion file as JSON lines (format=JSONL). A file of another execution is a
     * 301 to that execution's file URL; a path outside any execution is a 422; a missing file a 404.
     */
    @Get(uri = "/{executionId}/file")
    @Produces({MediaType.APPLICATION_OCTET_STREAM, "application/x-ndjson"})
    public HttpResponse<?> getFileFromExecution(
        @Nullable @PathVariable String tenant,
        @PathVariable String executionId,
        @QueryValue URI path,
        @Nullable @QueryValue String format) throws Exception {
        String t = Tenants.check(tenant);
        Execution execution = executionRepository.findById(t, executionId)
            .orElseThrow(() -> new NoSuchElementException("Unable to find execution id '" + executionId + "'"));
        if (format != null && !"RAW".equals(format) && !"JSONL".equals(format)) {
            throw new HttpStatusException(HttpStatus.BAD_REQUEST, "Failed to convert argument [format] for value [" + format + "]");
        }
        String prefix = StorageContext.forExecution(execution).getExecutionStorageURI().getPath();
        if (path.getPath() == null || !path.getPath().startsWith(prefix)) {
            Optional<String> other = StorageContext.extractExecutionId(path);
            if (other.isPresent()) {
                return HttpResponse.redirect(URI.create("/api/v1/" + t + "/executions/" + other.get() + "/file?path=" + path));
            }
            throw new IllegalArgumentException("Invalid prefix path");
        }
        String name = path.getPath().substring(path.getPath().lastIndexOf('/') + 1);
        if ("JSONL".equals(format)) {
            if (!name.endsWith(".ion")) {
                throw new HttpStatusException(HttpStatus.BAD_REQUEST, "Only Ion files can be converted to JSONL, got '" + name + "'");
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (InputStream in = storageInterface.get(t, execution.getNamespace(), path);
                Writer writer = new OutputStreamWriter(out, StandardCharsets.UTF_8)) {
                FileSerde.writeAll(JacksonMapper.ofJson(), writer, FileSerde.readAll(in)).block();
            }
            String jsonl = name.substring(0, name.length() - ".ion".length()) + ".jsonl";
            return HttpResponse.ok(out.toByteArray())
                .contentType(MediaType.of("application/x-ndjson"))
                .header("Content-Disposition", "attachment; filename=\"" + jsonl + "\"");
        }
        InputStream stream = storageInterface.get(t, execution.getNamespace(), path);
        return HttpResponse.ok(new StreamedFile(stream, MediaType.APPLICATION_OCTET_STREAM_TYPE).attach(name));
    }

    // ---- helpers --------------------------------------------------------------------------------------------

    private HttpResponse<byte[]> action(Execution execution, MediaType type) {
        return KestraJson.okKeepingNulls(withUnsentFiles(KestraJson.actionExecution(execution), execution), type);
    }

    /**
     * 2.0 answers a FILE input of the flow that was not sent as {@code null} in the run's inputs (the stored
     * execution does not keep it: Kestra's mapper leaves nulls out).
     */
    @SuppressWarnings("unchecked")
    private Map<String, Object> withUnsentFiles(Map<String, Object> view, Execution execution) {
        List<String> files = fileInputs.computeIfAbsent(
            execution.getTenantId() + "|" + execution.getNamespace() + "|" + execution.getFlowId() + "|" + execution.getFlowRevision(),
            k -> flowRepository.findByIdWithSource(execution.getTenantId(), execution.getNamespace(), execution.getFlowId(),
                    Optional.ofNullable(execution.getFlowRevision()))
                .map(f -> (f.getInputs() == null ? List.<Input<?>> of() : f.getInputs()).stream()
                    .filter(i -> i.getType() == Type.FILE).map(Input::getId).toList())
                .orElse(List.of()));
        if (files.isEmpty()) {
            return view;
        }
        Map<String, Object> inputs = view.get("inputs") instanceof Map<?, ?> m ? new LinkedHashMap<>((Map<String, Object>) m) : new LinkedHashMap<>();
        files.forEach(id -> inputs.putIfAbsent(id, null));
        view.put("inputs", inputs);
        return view;
    }

    /** The FILE inputs of each flow revision (flows do not change while the engine runs a revision). */
    private final Map<String, List<String>> fileInputs = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * A W3C trace context for the run, as the real web server's request span gives it to the Create command (the
     * stand-in has no tracing; the value has the same form: version 00, 16-byte trace id, 8-byte span id, sampled).
     */
    private static String traceParent() {
        java.security.SecureRandom random = new java.security.SecureRandom();
        return String.format("00-%016x%016x-%016x-01", random.nextLong(), random.nextLong(), random.nextLong());
    }

    private void emit(ExecutionCommand command) {
        try {
            executionCommandQueue.emit(command);
        } catch (Exception e) {
            throw new RuntimeException(e);
        }
    }

    /** Emits through AsyncOperationWaiter and returns once the executor processed it; a refusal is a 409. */
    private void submit(String executionId, Consumer<String> emitter) {
        AsyncOperationProcessedEvent event;
        try {
            event = asyncOperationWaiter.submitAndWait(executionId, emitter, asyncOperationsConfiguration.waitTimeout());
        } catch (TimeoutException e) {
            throw new HttpStatusException(HttpStatus.GATEWAY_TIMEOUT, "The executor did not confirm the operation within " + asyncOperationsConfiguration.waitTimeout());
        }
        if (event != null && event.outcome() == AsyncOperationProcessedEvent.Outcome.FAILED) {
            throw new IllegalStateException(event.error() == null ? "The operation failed" : event.error());
        }
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

    /**
     * `field:asc|desc`, the field mapped by the repository's sortMapping; a field it does not know is refused by
     * the repository itself (IllegalArgumentException "Invalid sort field", 422).
     */
    private Sort sort(@Nullable List<String> sort) {
        if (sort == null || sort.isEmpty()) {
            return Sort.UNSORTED;
        }
        List<Sort.Order> orders = new ArrayList<>();
        for (String s : sort) {
            String[] parts = s.split(":");
            if (parts.length != 2) {
                throw new HttpStatusException(HttpStatus.UNPROCESSABLE_ENTITY, "Invalid sort parameter");
            }
            String mapped = executionRepository.sortMapping().apply(parts[0]);
            String column = mapped == null ? parts[0] : mapped;
            orders.add(parts[1].equals("asc") ? Sort.Order.asc(column) : Sort.Order.desc(column));
        }
        return Sort.of(orders);
    }

    /**
     * `key:value`, split at the first ':'; duplicate keys are refused like Kestra's RequestUtils.toMap, and so is
     * any system label but system.correlationId and system.from.
     */
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
        Optional<Label> system = parsed.stream()
            .filter(l -> l.key().startsWith(Label.SYSTEM_PREFIX) && !CREATION_SYSTEM_LABELS.contains(l.key()))
            .findFirst();
        if (system.isPresent()) {
            throw new IllegalArgumentException("System labels can only be set by Kestra itself, offending label: "
                + system.get().key() + "=" + system.get().value());
        }
        return parsed;
    }
}
