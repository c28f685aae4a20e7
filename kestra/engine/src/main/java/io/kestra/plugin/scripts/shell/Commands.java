package io.kestra.plugin.scripts.shell;

import java.util.List;

import io.kestra.core.models.annotations.PluginProperty;
import io.kestra.core.models.property.Property;
import io.kestra.core.models.tasks.RunnableTask;
import io.kestra.core.runners.RunContext;
import io.kestra.plugin.scripts.exec.AbstractExecScript;
import io.kestra.plugin.scripts.exec.scripts.models.ScriptOutput;

import io.swagger.v3.oas.annotations.media.Schema;
import jakarta.validation.constraints.NotNull;

/**
 * TEST HARNESS STAND-IN, not Kestra's plugin. The registry this project can reach serves no
 * {@code io.kestra.plugin:*} artifact (plugin-script-shell included), so the launcher provides a task of the
 * same type name, written against the public {@link AbstractExecScript} API of {@code io.kestra:script} 2.0.0:
 * it declares the two properties the real {@code shell.Commands} adds ({@code commands}, {@code containerImage})
 * and runs them through Kestra's own {@code CommandsWrapper} and task runner (interpreter {@code /bin/sh -c},
 * {@code set -e} when failFast, env, inputFiles, outputFiles, {@code ::{"outputs":...}::} parsing all come
 * from io.kestra:script). Anything else the real plugin accepts is unknown here and makes the flow fail to
 * parse, which is what we want to notice.
 */
@Schema(title = "Execute one or more shell commands (autofix test-harness stand-in for plugin-script-shell).")
public class Commands extends AbstractExecScript implements RunnableTask<ScriptOutput> {
    @Schema(title = "The container image, only used with a container-based task runner.")
    @PluginProperty(dynamic = true)
    private Property<String> containerImage = Property.ofValue("ubuntu");

    @Schema(title = "The commands to run.")
    @NotNull
    private Property<List<String>> commands;

    public Commands() {
        super();
    }

    /**
     * Kestra's JsonSchemaGenerator reads property defaults from {@code builder().build()} (Lombok builders in real
     * plugins); without it, defaulted @NotNull properties (interpreter, targetOS, taskRunner...) come out required.
     */
    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        public Commands build() {
            return new Commands();
        }
    }

    @Override
    public Property<String> getContainerImage() {
        return containerImage;
    }

    public Property<List<String>> getCommands() {
        return commands;
    }

    @Override
    public ScriptOutput run(RunContext runContext) throws Exception {
        return this.commands(runContext)
            .withInterpreter(this.getInterpreter())
            .withBeforeCommands(this.getBeforeCommands())
            .withBeforeCommandsWithOptions(true)
            .withCommands(this.commands)
            .run();
    }
}
