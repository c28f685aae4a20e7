// The Kestra 2.x types the flows in kestra/workflows may use, with the properties each accepts.
// Every list was read from the Java source named in `source` (kestra-io/kestra unless said otherwise);
// deprecated properties are left out on purpose so the flows cannot start depending on them.
// Kestra rejects unknown properties when it parses a flow, so a typo here must fail a test, not a deploy.

export interface TypeSpec {
  readonly source: string;
  /** Properties of this type on top of the base properties of its kind. */
  readonly properties: readonly string[];
  /** Properties holding child task lists (flowable tasks). */
  readonly childTaskLists?: readonly string[];
}

const K = "kestra-io/kestra";
const S = "kestra-io/plugin-scripts";

/** io.kestra.core.models.tasks.Task: id, type and the core group every task accepts. */
export const TASK_BASE = {
  source: `${K} core/src/main/java/io/kestra/core/models/tasks/Task.java`,
  properties: [
    "id",
    "type",
    "description",
    "retry",
    "timeout",
    "disabled",
    "workerGroup",
    "logLevel",
    "allowFailure",
    "allowWarning",
    "logToFile",
    "runIf",
    "taskCache",
  ],
} as const;

/** AbstractExecScript (kestra repo, script module) + the shell/node Commands classes. */
const EXEC_SCRIPT = [
  "taskRunner",
  "beforeCommands",
  "env",
  "interpreter",
  "failFast",
  "namespaceFiles",
  "inputFiles",
  "outputFiles",
  "targetOS",
  "containerImage",
  "commands",
] as const;

/** AbstractHttp + HttpInterface + Request. `allowFailed`/`sslOptions` are deprecated (use options). */
const HTTP_REQUEST = [
  "uri",
  "method",
  "body",
  "formData",
  "contentType",
  "headers",
  "options",
  "encryptBody",
] as const;

export const TASK_TYPES: Readonly<Record<string, TypeSpec>> = {
  "io.kestra.plugin.scripts.shell.Commands": {
    source: `${S} plugin-script-shell/src/main/java/io/kestra/plugin/scripts/shell/Commands.java + ${K} script/src/main/java/io/kestra/plugin/scripts/exec/AbstractExecScript.java`,
    properties: EXEC_SCRIPT,
  },
  "io.kestra.plugin.scripts.node.Commands": {
    source: `${S} plugin-script-node/src/main/java/io/kestra/plugin/scripts/node/Commands.java + ${K} script/src/main/java/io/kestra/plugin/scripts/exec/AbstractExecScript.java`,
    properties: EXEC_SCRIPT,
  },
  "io.kestra.plugin.core.http.Request": {
    source: `${K} core/src/main/java/io/kestra/plugin/core/http/{AbstractHttp,HttpInterface,Request}.java`,
    properties: HTTP_REQUEST,
  },
  "io.kestra.plugin.core.flow.If": {
    source: `${K} core/src/main/java/io/kestra/plugin/core/flow/If.java`,
    properties: ["condition", "then", "else", "errors", "finally"],
    childTaskLists: ["then", "else", "errors", "finally"],
  },
  "io.kestra.plugin.core.flow.Pause": {
    source: `${K} core/src/main/java/io/kestra/plugin/core/flow/Pause.java`,
    // `delay` and `tasks` are deprecated.
    properties: ["pauseDuration", "behavior", "onResume", "errors", "finally"],
    childTaskLists: ["errors", "finally"],
  },
  "io.kestra.plugin.core.flow.Loop": {
    source: `${K} core/src/main/java/io/kestra/plugin/core/flow/{Loop,AbstractBranch}.java`,
    properties: [
      "values",
      "concurrencyLimit",
      "transmitFailed",
      "outputs",
      "fetchType",
      "breakWhen",
      "tasks",
      "errors",
      "finally",
    ],
    childTaskLists: ["tasks", "errors", "finally"],
  },
  "io.kestra.plugin.core.flow.Subflow": {
    source: `${K} core/src/main/java/io/kestra/plugin/core/flow/Subflow.java`,
    properties: [
      "namespace",
      "flowId",
      "revision",
      "inputs",
      "labels",
      "wait",
      "transmitFailed",
      "inheritLabels",
      "scheduleDate",
      "restartBehavior",
    ],
  },
  "io.kestra.plugin.core.log.Log": {
    source: `${K} core/src/main/java/io/kestra/plugin/core/log/Log.java`,
    properties: ["message", "level"],
  },
  "io.kestra.plugin.core.execution.Fail": {
    source: `${K} core/src/main/java/io/kestra/plugin/core/execution/Fail.java`,
    properties: ["condition", "errorMessage"],
  },
  "io.kestra.plugin.core.storage.Write": {
    source: `${K} core/src/main/java/io/kestra/plugin/core/storage/Write.java`,
    properties: ["content", "extension"],
  },
};

/** Task runners (the `taskRunner` property); `type` is their only base property used here. */
export const RUNNER_TYPES: Readonly<Record<string, TypeSpec>> = {
  "io.kestra.plugin.scripts.runner.docker.Docker": {
    source: `${K} script/src/main/java/io/kestra/plugin/scripts/runner/docker/Docker.java`,
    properties: [
      "type",
      "host",
      "config",
      "credentials",
      "user",
      "entryPoint",
      "extraHosts",
      "networkMode",
      "portBindings",
      "volumes",
      "pullPolicy",
      "deviceRequests",
      "cpu",
      "memory",
      "shmSize",
      "privileged",
      "fileHandlingStrategy",
      "delete",
      "wait",
    ],
  },
  "io.kestra.plugin.core.runner.Process": {
    source: `${K} core/src/main/java/io/kestra/plugin/core/runner/Process.java`,
    properties: ["type"],
  },
};

/** Docker.pullPolicy values (PullPolicy enum; Docker.run skips the pull on NEVER). */
export const DOCKER_PULL_POLICIES = ["IF_NOT_PRESENT", "ALWAYS", "NEVER"] as const;

/** Pause.Behavior: what happens when pauseDuration elapses (RESUME is the default). */
export const PAUSE_BEHAVIORS = ["RESUME", "WARN", "CANCEL", "FAIL"] as const;

export const TRIGGER_BASE = {
  source: `${K} core/src/main/java/io/kestra/core/models/triggers/AbstractTrigger.java`,
  // `conditions` is replaced by `when` in 2.0 and is not allowed here.
  properties: [
    "id",
    "type",
    "description",
    "disabled",
    "workerGroup",
    "logLevel",
    "labels",
    "stopAfter",
    "logToFile",
  ],
} as const;

export const TRIGGER_TYPES: Readonly<Record<string, TypeSpec>> = {
  "io.kestra.plugin.core.trigger.Schedule": {
    source: `${K} core/src/main/java/io/kestra/plugin/core/trigger/Schedule.java`,
    properties: [
      "cron",
      "withSeconds",
      "timezone",
      "inputs",
      "lateMaximumDelay",
      "recoverMissedSchedules",
    ],
  },
};

/** AbstractRetry + Exponential. 2.0 removed the deprecated `maxAttempt` alias (kestra-2.0-audit §1.1). */
export const RETRY = {
  source: `${K} core/src/main/java/io/kestra/core/models/tasks/retrys/{AbstractRetry,Exponential}.java`,
  types: ["constant", "exponential", "random"],
  exponential: [
    "type",
    "interval",
    "maxInterval",
    "delayFactor",
    "maxAttempts",
    "maxDuration",
    "warningOnRetry",
    "behavior",
  ],
} as const;

/** Request `options` (HttpConfiguration, deprecated fields left out) and `options.timeout`. */
export const HTTP_OPTIONS = {
  source: `${K} core/src/main/java/io/kestra/core/http/client/configurations/{HttpConfiguration,TimeoutConfiguration}.java`,
  properties: [
    "timeout",
    "proxy",
    "auth",
    "ssl",
    "followRedirects",
    "allowFailed",
    "defaultCharset",
    "logs",
  ],
  timeout: ["connectTimeout", "readIdleTimeout"],
} as const;

/** Flow-level keys (AbstractFlow + Flow). pluginDefaults exists in the source but this project bans it. */
export const FLOW_KEYS = {
  source: `${K} core/src/main/java/io/kestra/core/models/flows/{AbstractFlow,Flow}.java`,
  properties: [
    "id",
    "namespace",
    "description",
    "labels",
    "inputs",
    "outputs",
    "variables",
    "tasks",
    "errors",
    "finally",
    "afterExecution",
    "triggers",
    "concurrency",
    "retry",
    "sla",
    "checks",
    "disabled",
  ],
  concurrency: ["limit", "behavior"],
  concurrencyBehaviors: ["QUEUE", "CANCEL", "FAIL"],
} as const;

/** Input types registered in Input.java's @JsonSubTypes for 2.x; BOOLEAN is deprecated in favour of BOOL. */
export const INPUTS = {
  source: `${K} core/src/main/java/io/kestra/core/models/flows/Input.java (+ input/StringInput.java, input/IntInput.java)`,
  types: [
    "STRING",
    "SELECT",
    "INT",
    "FLOAT",
    "BOOL",
    "DATETIME",
    "DATE",
    "TIME",
    "DURATION",
    "FILE",
    "JSON",
    "URI",
    "SECRET",
    "ARRAY",
    "MULTISELECT",
    "YAML",
    "EMAIL",
  ],
  deprecatedTypes: ["BOOLEAN", "ENUM"],
  common: [
    "id",
    "type",
    "description",
    "displayName",
    "required",
    "defaults",
    "prefill",
    "dependsOn",
  ],
  byType: {
    STRING: ["validator"],
    INT: ["min", "max"],
  } as Readonly<Record<string, readonly string[]>>,
} as const;

/** Flow outputs and Loop outputs (io.kestra.core.models.flows.Output). */
export const OUTPUT = {
  source: `${K} core/src/main/java/io/kestra/core/models/flows/Output.java`,
  properties: ["id", "type", "value", "description", "required", "displayName"],
} as const;
