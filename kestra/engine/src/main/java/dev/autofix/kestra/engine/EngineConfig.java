package dev.autofix.kestra.engine;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The configuration `kestra server standalone` would get from its cli application.yml plus a compose file,
 * reduced to H2, local storage and one JVM (kestra-2.0-engine.md §5). Nothing here calls outside the machine.
 */
final class EngineConfig {
    private EngineConfig() {
    }

    static Map<String, Object> properties(Path data, int grpcPort, int httpPort, Options options) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("micronaut.application.name", "kestra");
        p.put("kestra.server-type", "STANDALONE");
        p.put("kestra.repository.type", "h2");
        p.put("kestra.queue.type", "h2");
        p.put("datasources.h2.url", "jdbc:h2:file:" + data.resolve("db/kestra") + ";DB_CLOSE_DELAY=-1;DB_CLOSE_ON_EXIT=FALSE;LOCK_TIMEOUT=30000;TIME ZONE=UTC");
        p.put("datasources.h2.username", "sa");
        p.put("datasources.h2.password", "");
        p.put("datasources.h2.driver-class-name", "org.h2.Driver");
        p.put("kestra.storage.type", "local");
        p.put("kestra.storage.local.base-path", data.resolve("storage").toString());
        p.put("kestra.tasks.tmp-dir.path", data.resolve("tmp").toString());

        // Worker <-> controller over gRPC on loopback, even inside one JVM (§6).
        p.put("kestra.controller.port", grpcPort);
        p.put("kestra.worker.controllers.type", "STATIC");
        p.put("kestra.worker.controllers.static.endpoints", List.of(Map.of("host", "localhost", "port", grpcPort)));
        p.put("grpc.server.enabled", false);
        p.put("grpc.server.health.enabled", false);

        // envs.* from ENV_*; secrets come from SECRET_* through Kestra's SecretService.
        p.put("kestra.variables.env-vars-prefix", "ENV_");

        // Nothing leaves the machine.
        p.put("kestra.tutorial-flows.enabled", false);
        p.put("kestra.anonymous-usage-report.enabled", false);
        p.put("kestra.ui-anonymous-usage-report.enabled", false);
        p.put("kestra.plugins.auto-install.enabled", false);
        p.put("micronaut.io.watch.enabled", false);

        // As in the cli's application.yml: Subflow outputs are on (the batch flow reads outputs.autofix.outputs).
        p.put("kestra.plugins.configurations", List.of(
            Map.of("type", "io.kestra.plugin.core.flow.Subflow", "values", Map.of("outputs", Map.of("enabled", true))),
            Map.of("type", "io.kestra.plugin.core.flow.Flow", "values", Map.of("outputs", Map.of("enabled", true)))
        ));
        p.put("kestra.jdbc.queues.min-poll-interval", "25ms");
        p.put("kestra.jdbc.queues.max-poll-interval", "500ms");
        p.put("kestra.jdbc.queues.poll-switch-interval", "60s");
        p.put("kestra.async-operations.wait-timeout", "PT30S");
        p.put("kestra.server.standalone.running.timeout", "PT2M");
        // Placeholders the executor's liveness coordinator needs (the cli's application.yml sets them).
        p.put("kestra.server.service.purge.initial-delay", "1h");
        p.put("kestra.server.service.purge.fixed-delay", "1d");
        p.put("kestra.server.service.purge.retention", "30d");

        // As the cli's application.yml: the web server's ObjectMapper (Micronaut's, made by Kestra's
        // ObjectMapperFactory) writes ISO-8601 dates and durations ("PT1.2S") and leaves nulls out.
        p.put("jackson.serialization.writeDatesAsTimestamps", false);
        p.put("jackson.serialization.writeDurationsAsTimestamps", false);
        p.put("jackson.serialization-inclusion", "non_null");
        p.put("jackson.deserialization.FAIL_ON_UNKNOWN_PROPERTIES", false);

        // The HTTP adapter (Micronaut's Netty server) on loopback only.
        p.put("micronaut.server.host", "127.0.0.1");
        p.put("micronaut.server.port", httpPort);
        p.put("micronaut.server.max-request-size", "100MB");
        p.put("micronaut.server.multipart.max-file-size", "100MB");
        p.put("micronaut.server.multipart.enabled", true);
        p.put("endpoints.all.enabled", false);
        p.put("kestra.url", "http://127.0.0.1:" + httpPort + "/");
        p.put("kestra.server.basic-auth.username", options.username());
        p.put("kestra.server.basic-auth.password", options.password());
        return p;
    }
}
