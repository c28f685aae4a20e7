package dev.autofix.kestra.engine;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import com.fasterxml.jackson.databind.SerializationFeature;

import io.kestra.core.contexts.KestraContext;
import io.kestra.core.docs.JsonSchemaGenerator;
import io.kestra.core.models.flows.Flow;
import io.kestra.core.models.flows.FlowWithSource;
import io.kestra.core.repositories.LocalFlowRepositoryLoader;
import io.kestra.core.runners.Executor;
import io.kestra.core.runners.Indexer;
import io.kestra.core.runners.Scheduler;
import io.kestra.core.runners.Worker;
import io.kestra.core.serializers.JacksonMapper;
import io.kestra.core.server.Service;
import io.kestra.core.tenant.TenantService;
import io.kestra.core.utils.VersionProvider;
import io.kestra.core.worker.Controller;

import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;

/**
 * Starts a real Kestra 2.0 standalone engine (executor, worker-controller, worker, scheduler, indexer) in this JVM,
 * on H2 and local storage, loads the product's flows with Kestra's own loader and serves the HTTP adapter
 * (see README.md). Test tooling only.
 * <p>
 * Modes:
 * <ul>
 * <li>{@code --flows DIR [--port N] [--data DIR] [--worker-threads N] [--username E --password P]}: run the engine.</li>
 * <li>{@code --dump-flow-schema FILE}: write Kestra's own JSON schema of a Flow and exit.</li>
 * </ul>
 * Exit codes: 0 normal stop, 2 bad arguments, 3 a required flow did not load, 4 start-up failure.
 */
public final class EngineMain {
    /** The flows the product needs; the engine refuses to report ready without both. */
    static final List<String> REQUIRED_FLOWS = List.of("dev.autofix/ai-issue-autofix", "dev.autofix/batch-issue-autofix");

    /** The line test helpers wait for. */
    static final String READY_PREFIX = "KESTRA-ENGINE READY ";

    private EngineMain() {
    }

    public static void main(String[] args) {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("kestra-engine: " + e.getMessage());
            System.err.println(Options.USAGE);
            System.exit(2);
            return;
        }

        try {
            if (options.dumpFlowSchema() != null) {
                dumpFlowSchema(options);
                System.exit(0);
            }
            run(options);
        } catch (MissingFlowsException e) {
            System.err.println("kestra-engine: FAILED: " + e.getMessage());
            System.exit(3);
        } catch (Throwable e) {
            System.err.println("kestra-engine: FAILED to start: " + e);
            e.printStackTrace(System.err);
            System.exit(4);
        }
    }

    private static void run(Options options) throws Exception {
        long started = System.nanoTime();
        Path data = options.data() != null ? options.data() : Files.createTempDirectory("kestra-engine-");
        int grpcPort = freePort();
        int httpPort = options.port() != null ? options.port() : freePort();

        FlowLoadErrors loadErrors = FlowLoadErrors.attach();

        // Script tasks on the Process runner, in a copy of the flows (2.0 has no plugin defaults).
        Path flowCopy = data.resolve("flows");
        List<FlowFiles.Rewrite> rewrites = FlowFiles.copyWithProcessRunner(options.flows(), flowCopy);
        for (FlowFiles.Rewrite r : rewrites) {
            log("taskRunner of " + r.file() + " task '" + r.taskId() + "': " + r.previousRunner() + " -> " + FlowFiles.PROCESS_RUNNER);
        }

        ApplicationContext context = ApplicationContext.builder()
            .deduceEnvironment(false)
            .environments("cli", "autofix-engine")
            .properties(EngineConfig.properties(data, grpcPort, httpPort, options))
            .start();

        ExecutorService pool = Executors.newCachedThreadPool(Thread.ofPlatform().name("autofix-engine-", 0).factory());
        Runtime.getRuntime().addShutdownHook(new Thread(() ->
        {
            log("stopping");
            try {
                KestraContext.getContext().shutdown();
            } catch (Exception ignored) {
                // the context may already be closing
            }
            if (context.isRunning()) {
                context.close();
            }
            pool.shutdownNow();
        }, "autofix-engine-shutdown"));

        KestraContext.getContext().injectWorkerConfigs(options.workerThreads());

        // Flows: Kestra's own loader, then a hard check by id (invalid flows are only logged by Kestra).
        List<FlowWithSource> loaded = context.getBean(LocalFlowRepositoryLoader.class)
            .load(TenantService.MAIN_TENANT, flowCopy.toFile());
        Set<String> ids = new TreeSet<>();
        for (FlowWithSource f : loaded) {
            ids.add(f.getNamespace() + "/" + f.getId());
        }
        log("flows loaded by Kestra: " + ids);
        List<String> missing = REQUIRED_FLOWS.stream().filter(id -> !ids.contains(id)).toList();
        if (!missing.isEmpty()) {
            StringBuilder msg = new StringBuilder("flow(s) " + missing + " did not load (loaded: " + ids + ").");
            for (FlowLoadErrors.Failure f : loadErrors.failures()) {
                msg.append("\n  ").append(f.message()).append("\n    ").append(f.cause().replace("\n", "\n    "));
            }
            if (loadErrors.failures().isEmpty()) {
                msg.append("\n  Kestra logged no load error: check that the files are under --flows.");
            }
            context.close();
            throw new MissingFlowsException(msg.toString());
        }
        for (FlowLoadErrors.Failure f : loadErrors.failures()) {
            log("WARNING: another flow file failed to load: " + f.message() + ": " + f.cause());
        }

        startServices(context, pool, options.workerThreads());

        EmbeddedServer server = context.getBean(EmbeddedServer.class);
        server.start();

        String version = context.getBean(VersionProvider.class).getVersion();
        long ms = Duration.ofNanos(System.nanoTime() - started).toMillis();
        Map<String, Object> ready = new LinkedHashMap<>();
        ready.put("url", "http://127.0.0.1:" + server.getPort());
        ready.put("version", version);
        ready.put("flows", ids);
        ready.put("rewrittenTasks", rewrites.stream().map(r -> r.file() + "#" + r.taskId()).toList());
        ready.put("data", data.toString());
        ready.put("startupMs", ms);
        System.out.println(READY_PREFIX + JacksonMapper.ofJson().writeValueAsString(ready));
        System.out.flush();

        // Keep the main thread alive until the JVM is asked to stop.
        Thread.currentThread().join();
    }

    /** The services of `kestra server standalone`, started the way its runner does, then awaited. */
    private static void startServices(ApplicationContext context, ExecutorService pool, int workerThreads) throws InterruptedException {
        List<Service> services = new ArrayList<>();

        Executor executor = context.getBean(Executor.class);
        pool.execute(executor);
        services.add(executor);

        Controller controller = context.getBean(Controller.class);
        pool.execute(controller::start);
        services.add(controller);

        Worker worker = context.getBean(Worker.class);
        pool.execute(() -> worker.start(workerThreads));
        services.add(worker);

        Scheduler scheduler = context.getBean(Scheduler.class);
        pool.execute(scheduler);
        services.add(scheduler);

        Indexer indexer = context.getBean(Indexer.class);
        pool.execute(indexer);
        services.add(indexer);

        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (true) {
            List<String> notRunning = new ArrayList<>();
            for (Service s : services) {
                Service.ServiceState state = s.getState();
                if (state != Service.ServiceState.RUNNING) {
                    notRunning.add(s.getClass().getSimpleName() + "=" + state);
                    if (state != null && state != Service.ServiceState.CREATED) {
                        throw new IllegalStateException("service failed to start: " + notRunning);
                    }
                }
            }
            if (notRunning.isEmpty()) {
                log("services RUNNING: " + services.stream().map(s -> s.getClass().getSimpleName()).toList());
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("services not RUNNING after 2 minutes: " + notRunning);
            }
            Thread.sleep(100);
        }
    }

    /** Kestra's JSON schema of a Flow, as its /api/v1/plugins/schemas/flow serves it. */
    private static void dumpFlowSchema(Options options) throws IOException {
        Path data = Files.createTempDirectory("kestra-engine-schema-");
        try (ApplicationContext context = ApplicationContext.builder()
            .deduceEnvironment(false)
            .environments("cli", "autofix-engine")
            .properties(EngineConfig.properties(data, freePort(), freePort(), options))
            .start()) {
            Map<String, Object> schema = context.getBean(JsonSchemaGenerator.class).schemas(Flow.class, false);
            Path out = options.dumpFlowSchema();
            if (out.getParent() != null) {
                Files.createDirectories(out.getParent());
            }
            // Keys sorted: the generator's map order varies from run to run, the fixture must not.
            String json = JacksonMapper.ofJson().copy()
                .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true)
                .writerWithDefaultPrettyPrinter()
                .writeValueAsString(schema);
            Files.writeString(out, json + "\n");
            log("wrote Kestra " + context.getBean(VersionProvider.class).getVersion() + " flow schema to " + out + " (" + Files.size(out) + " bytes)");
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        }
    }

    static void log(String message) {
        System.err.println("kestra-engine: " + message);
    }

    static final class MissingFlowsException extends Exception {
        MissingFlowsException(String message) {
            super(message);
        }
    }
}
