package dev.autofix.kestra.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;

/**
 * Copies the product's flow files and forces the Process task runner on every script task.
 * <p>
 * Kestra 2.0 OSS has no plugin defaults, so this is the only way to run a flow that names the Docker runner
 * on a machine without Docker. The YAML is parsed and dumped again (never patched as text); the product's
 * files are left untouched.
 */
final class FlowFiles {
    static final String SCRIPT_PREFIX = "io.kestra.plugin.scripts.";
    static final String PROCESS_RUNNER = "io.kestra.plugin.core.runner.Process";

    private static final ObjectMapper YAML = new ObjectMapper(
        YAMLFactory.builder()
            .enable(YAMLGenerator.Feature.LITERAL_BLOCK_STYLE)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .disable(YAMLGenerator.Feature.SPLIT_LINES)
            .build()
    );

    /** One rewritten task: which file, which task, what runner it had. */
    record Rewrite(String file, String taskId, String previousRunner) {
    }

    private FlowFiles() {
    }

    /** Lists the *.yml / *.yaml files under {@code dir} (the extensions Kestra's loader reads). */
    static List<Path> flowFiles(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile)
                .filter(p -> p.toString().endsWith(".yml") || p.toString().endsWith(".yaml"))
                .sorted(Comparator.naturalOrder())
                .toList();
        }
    }

    /** Writes a copy of every flow file of {@code from} into {@code to}, with script tasks moved to Process. */
    static List<Rewrite> copyWithProcessRunner(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        List<Rewrite> rewrites = new ArrayList<>();
        for (Path file : flowFiles(from)) {
            JsonNode root = YAML.readTree(file.toFile());
            String name = from.relativize(file).toString();
            rewrite(root, name, rewrites);
            Path target = to.resolve(name);
            Files.createDirectories(target.getParent());
            YAML.writeValue(target.toFile(), root);
        }
        return rewrites;
    }

    /** Walks every object of the document: tasks can sit under tasks/then/else/errors/finally/... */
    private static void rewrite(JsonNode node, String file, List<Rewrite> rewrites) {
        if (node instanceof ObjectNode obj) {
            JsonNode type = obj.get("type");
            if (type != null && type.isTextual() && type.asText().startsWith(SCRIPT_PREFIX) && obj.has("id")) {
                JsonNode previous = obj.get("taskRunner");
                String previousType = previous != null && previous.has("type") ? previous.get("type").asText() : "(default: Docker)";
                ObjectNode runner = YAML.createObjectNode();
                runner.put("type", PROCESS_RUNNER);
                obj.set("taskRunner", runner);
                rewrites.add(new Rewrite(file, obj.get("id").asText(), previousType));
            }
            obj.properties().forEach((Map.Entry<String, JsonNode> e) -> rewrite(e.getValue(), file, rewrites));
        } else if (node instanceof ArrayNode arr) {
            arr.forEach(child -> rewrite(child, file, rewrites));
        }
    }
}
