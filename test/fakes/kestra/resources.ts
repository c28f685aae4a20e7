// Configs, flows, logs, outputs and the KV store of the fake Kestra 2.x API.

import { ApiError } from "./errors.ts";
import { type Deps, ok, p } from "./executions.ts";
import type { Ctx, Reply, Router } from "./http.ts";
import { parseFilters, rejectLegacyParams } from "./query.ts";
import { type KvEntry, nowIso, type Store } from "./store.ts";
import { type FakeExecution, LOG_LEVELS, type LogLevel } from "./types.ts";

export function registerResources(router: Router, deps: Deps & { version: string }): void {
  const { store } = deps;

  // The OSS body (MiscController.Configuration); the spec's EE configuration only adds fields.
  router.handle("getConfiguration", () =>
    ok({
      uuid: "00000000-0000-0000-0000-00000000fa4e",
      version: deps.version,
      commitId: "fake",
      edition: "OSS",
      isBasicAuthInitialized: true,
      systemNamespace: "system",
      url: deps.baseUrl(),
    }),
  );
  router.handle("getFlow", (ctx) => flow(ctx, store));
  router.handle("listLogsFromExecution", (ctx) => ok(logs(ctx, store).map(renderLog(ctx, store))));

  const exec = (id: string): FakeExecution => {
    const execution = store.executions.get(id);
    if (!execution) throw new ApiError("not-found", `Unable to find execution '${id}'`);
    return execution;
  };
  // The 2.0 spec's outputs paths: the task runs that have outputs, then one task run's map.
  router.handle("getTaskOutputsInformation", (ctx) =>
    ok(
      exec(p(ctx, "executionId"))
        .taskRunList.filter((t) => Object.keys(t.outputs).length > 0)
        .map((t) => ({ taskId: t.taskId, taskRunId: t.id })),
    ),
  );
  router.handle("getTaskRunOutputs", (ctx) => {
    const run = exec(p(ctx, "executionId")).taskRunList.find((t) => t.id === p(ctx, "taskRunId"));
    if (!run) throw new ApiError("not-found", `Unable to find task run '${p(ctx, "taskRunId")}'`);
    return ok(structuredClone(run.outputs));
  });

  router.handle("getKeyValue", (ctx) => kvGet(ctx, store));
  router.handle("setKeyValue", (ctx) => kvPut(ctx, store));
}

/** FlowController#getFlow: the flow as parsed from its YAML, `source` only when asked for. */
function flow(ctx: Ctx, store: Store): Reply {
  const found = store.flow(p(ctx, "namespace"), p(ctx, "id"));
  if (!found) throw new ApiError("not-found", "Requested Flow is not found.");
  if (!found.document || found.source === undefined) {
    throw new ApiError(
      "not-implemented",
      "The fake serves GET flow only for flows registered from YAML (addFlowYaml)",
    );
  }
  const withSource = ctx.url.searchParams.get("source") === "true";
  return ok({
    ...structuredClone(found.document),
    revision: found.revision,
    disabled: found.disabled,
    deleted: false,
    draft: false,
    ...(withSource ? { source: found.source } : {}),
  });
}

const LOG_LEGACY: Record<string, string> = {
  minLevel: "filters[level][GREATER_THAN_OR_EQUAL_TO]=<level>",
  taskId: "filters[taskId][EQUALS]=<value>",
  taskRunId: "filters[taskRunId][EQUALS]=<value>",
  attempt: "filters[attemptNumber][EQUALS]=<value>",
};

function logs(ctx: Ctx, store: Store) {
  const params = ctx.url.searchParams;
  rejectLegacyParams(params, LOG_LEGACY);
  // Released 2.0's LogController takes some operations per field: EQUALS on level is a 400.
  if (params.has("filters[level][EQUALS]")) {
    throw new ApiError("bad-request", "Operation EQUALS is not supported for field level");
  }
  const filters = parseFilters(params, {
    level: ["GREATER_THAN_OR_EQUAL_TO"],
    taskId: ["EQUALS"],
    taskRunId: ["EQUALS"],
  });
  for (const f of filters.filter((f) => f.field === "level")) {
    if (!(LOG_LEVELS as readonly string[]).includes(f.value)) {
      throw new ApiError("bad-request", `Unknown log level '${f.value}'`);
    }
  }
  // Kestra answers an empty list for an unknown execution id.
  const entries = store.executions.get(p(ctx, "executionId"))?.logs ?? [];
  const rank = (level: string) => LOG_LEVELS.indexOf(level as LogLevel);
  return entries.filter((log) =>
    filters.every((f) => {
      if (f.field === "level") {
        return rank(log.level) >= rank(f.value);
      }
      if (f.field === "taskId") return log.taskId === f.value;
      return log.taskRunId === f.value;
    }),
  );
}

function renderLog(ctx: Ctx, store: Store) {
  const execution = store.executions.get(p(ctx, "executionId"));
  return (log: FakeExecution["logs"][number]) => ({
    namespace: execution?.namespace,
    flowId: execution?.flowId,
    executionId: execution?.id,
    ...(log.taskId === undefined ? {} : { taskId: log.taskId }),
    ...(log.taskRunId === undefined ? {} : { taskRunId: log.taskRunId, attemptNumber: 0 }),
    timestamp: log.timestamp,
    level: log.level,
    thread: "fake-worker",
    message: log.message,
  });
}

const KEY_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9._-]*$/;

/** KVStore#validateKey. */
function validateKey(key: string): void {
  if (!KEY_PATTERN.test(key)) {
    throw new ApiError(
      "illegal-argument",
      "Key must start with an alphanumeric character (uppercase or lowercase) and can contain alphanumeric characters (uppercase or lowercase), dots (.), underscores (_), and hyphens (-) only.",
    );
  }
}

/** InternalKVStore's DURATION_PATTERN: a stored string shaped like a duration reads back as DURATION. */
const KV_DURATION = /^P(?=[^T]|T.)(?:\d*D)?(?:T(?=.)(?:\d*H)?(?:\d*M)?(?:\d*S)?)?$/;
const ION_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
const ION_SYMBOL = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** KVController#put reads the body with Jackson's Ion mapper: JSON, plus bare symbols and timestamps. */
function parseKvValue(text: string): { value: unknown; type: string } {
  const trimmed = text.trim();
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch {
    if (ION_TIMESTAMP.test(trimmed)) return { value: trimmed, type: "DATETIME" };
    if (ION_SYMBOL.test(trimmed)) return { value: trimmed, type: "STRING" };
    throw new ApiError("illegal-argument", `Invalid JSON value for: ${text}`);
  }
  if (typeof value === "string")
    return { value, type: KV_DURATION.test(value) ? "DURATION" : "STRING" };
  if (typeof value === "number") return { value, type: "NUMBER" };
  if (typeof value === "boolean") return { value, type: "BOOLEAN" };
  if (value === null) return { value, type: "STRING" };
  return { value, type: "JSON" };
}

/** java.time.Duration#parse, in milliseconds. */
function parseJavaDuration(text: string): number {
  const m =
    /^([-+]?)P(?:([-+]?\d+)D)?(?:T(?:([-+]?\d+)H)?(?:([-+]?\d+)M)?(?:([-+]?\d+)(?:[.,](\d{0,9}))?S)?)?$/i.exec(
      text,
    );
  if (!m || /T$/i.test(text) || text.replace(/^[-+]/, "").toUpperCase() === "P") {
    throw new ApiError("internal", `Text cannot be parsed to a Duration`);
  }
  const n = (s: string | undefined) => (s ? Number(s) : 0);
  const ms =
    n(m[2]) * 86_400_000 +
    n(m[3]) * 3_600_000 +
    n(m[4]) * 60_000 +
    n(m[5]) * 1000 +
    Math.round(Number(`0.${m[6] ?? "0"}`) * 1000);
  return m[1] === "-" ? -ms : ms;
}

function kvGet(ctx: Ctx, store: Store): Reply {
  const ns = p(ctx, "namespace");
  const key = p(ctx, "key");
  validateKey(key);
  const entry = store.kv.get(ns)?.get(key);
  if (!entry) {
    throw new ApiError("not-found", `No value found for key '${key}' in namespace '${ns}'`);
  }
  if (entry.expiresAt !== undefined && Date.now() > entry.expiresAt) {
    store.kv.get(ns)?.delete(key);
    throw new ApiError("expired", "The requested value has expired");
  }
  return ok({
    type: entry.type,
    value: structuredClone(entry.value),
    revision: entry.revision,
    updated: entry.updated,
  });
}

function kvPut(ctx: Ctx, store: Store): Reply {
  const ns = p(ctx, "namespace");
  const key = p(ctx, "key");
  if (ctx.body.length === 0)
    throw new ApiError("bad-request", "Required Body [value] not specified");
  const ttlHeader = ctx.headers["ttl"];
  const ttl = typeof ttlHeader === "string" ? parseJavaDuration(ttlHeader) : undefined;
  validateKey(key);
  const { value, type } = parseKvValue(ctx.body.toString("utf8"));
  const namespace = store.kv.get(ns) ?? new Map<string, KvEntry>();
  store.kv.set(ns, namespace);
  const previous = namespace.get(key);
  const now = nowIso();
  const description = ctx.headers["description"];
  const entry: KvEntry = {
    value,
    type,
    revision: (previous?.revision ?? 0) + 1,
    created: previous?.created ?? now,
    updated: now,
  };
  if (ttl !== undefined) entry.expiresAt = Date.now() + ttl;
  if (typeof description === "string") entry.description = description;
  namespace.set(key, entry);
  return { status: 200 };
}
