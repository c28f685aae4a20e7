// /api/v1/main/executions/...: create, get, search, the 2.x /actions/*, and internal-storage files.

import { ApiError, invalidEntity } from "./errors.ts";
import type { Ctx, Reply, Router } from "./http.ts";
import { type RawField, readInputs, readMultipart } from "./inputs.ts";
import { listValue, paging, parseFilters, type QueryFilter, rejectLegacyParams } from "./query.ts";
import {
  executionPrefix,
  newId,
  nowIso,
  pushState,
  renderActionExecution,
  renderExecution,
  renderLightExecution,
  type Store,
} from "./store.ts";
import { type FakeExecution, isStateType, isTerminal, type Label } from "./types.ts";

export interface Deps {
  store: Store;
  baseUrl: () => string;
  /** See FakeKestraOptions.indexLagMs. */
  indexLagMs?: number;
}

/** Label#key in the 2.0 spec; same rule as src/contracts/flow.ts LABEL_KEY_PATTERN. */
const LABEL_KEY = /^\p{Ll}[\p{L}0-9._-]*$/u;
const LABEL_KEY_MESSAGE =
  "Invalid label key. A valid key contains only lowercase letters numbers hyphens (-) underscores (_) or periods (.) and must begin with a lowercase letter.";
const CREATION_SYSTEM_LABELS = new Set(["system.correlationId", "system.from"]);

export function registerExecutions(router: Router, deps: Deps): void {
  const { store } = deps;
  /** An unknown id, in each route's own words (released 2.0, the engine suite compares them). */
  const byId = (ctx: Ctx, unknown: (id: string) => ApiError): FakeExecution => {
    const id = p(ctx, "executionId");
    const execution = store.executions.get(id);
    if (!execution) throw unknown(id);
    return execution;
  };
  // ExecutionController#getExecution answers null: Micronaut's bare 404.
  const nullBody = () => new ApiError("not-found", "Not Found", { framework: true });
  // ExecutionService (core 2.0.0): resume and restart read the run through it.
  const service = (id: string) => new ApiError("not-found", `Execution '${id}' not found.`);
  const fileRoute = (id: string) =>
    new ApiError("not-found", `Unable to find execution id '${id}'`);

  router.handle("createExecution", (ctx) => create(ctx, deps));
  router.handle("searchExecutions", (ctx) => search(ctx, store, deps.indexLagMs ?? 0));
  router.handle("getExecution", (ctx) => ok(renderExecution(byId(ctx, nullBody))));
  router.handle("resumeExecution", (ctx) => resume(ctx, store, byId(ctx, service)));
  router.handle("killExecution", (ctx) => kill(ctx, store, byId(ctx, nullBody)));
  router.handle("restartExecution", (ctx) => restart(store, byId(ctx, service)));
  router.handle("downloadFileFromExecution", (ctx) => file(ctx, byId(ctx, fileRoute)));
}

export function p(ctx: Ctx, name: string): string {
  const value = ctx.params[name];
  if (value === undefined) throw new Error(`route has no :${name}`);
  return value;
}

export function ok(json: unknown): Reply {
  return { status: 200, json };
}

async function readFields(ctx: Ctx): Promise<Map<string, RawField>> {
  if (ctx.mediaType === "multipart/form-data" && ctx.contentType) {
    return readMultipart(ctx.contentType, ctx.body);
  }
  if (ctx.body.length > 0) {
    throw new ApiError(
      "unsupported-media-type",
      "Content Type [null] not allowed. Allowed types: [multipart/form-data]",
      { framework: true },
    );
  }
  return new Map();
}

function parseRequestLabels(raw: string[]): Label[] {
  const labels: Label[] = [];
  for (const item of raw) {
    const colon = item.indexOf(":");
    if (colon < 0) {
      throw new ApiError("illegal-argument", `Invalid label '${item}', expected 'key:value'`);
    }
    labels.push({ key: item.slice(0, colon), value: item.slice(colon + 1) });
  }
  const system = labels.find(
    (l) => l.key.startsWith("system.") && !CREATION_SYSTEM_LABELS.has(l.key),
  );
  if (system) {
    throw new ApiError(
      "illegal-argument",
      `System labels can only be set by Kestra itself, offending label: ${system.key}=${system.value}`,
    );
  }
  validateLabels(labels);
  return labels;
}

function validateLabels(labels: Label[]): void {
  labels.forEach((label, i) => {
    if (!label.key.startsWith("system.") && !LABEL_KEY.test(label.key)) {
      throw invalidEntity(`labels[${i}].key`, LABEL_KEY_MESSAGE);
    }
    if (typeof label.value !== "string" || label.value === "") {
      throw invalidEntity(`labels[${i}].value`, "must not be empty");
    }
  });
}

async function create(ctx: Ctx, deps: Deps): Promise<Reply> {
  const { store } = deps;
  const q = ctx.url.searchParams;
  const namespace = p(ctx, "namespace");
  const flowId = p(ctx, "id");
  const flow = store.flow(namespace, flowId);
  const revision = q.get("revision");
  if (!flow || (revision !== null && Number(revision) !== flow.revision)) {
    throw new ApiError("not-found", "Requested Flow is not found.");
  }
  if (flow.disabled) throw new ApiError("illegal-state", "Requested Flow is disabled.");
  if (q.get("wait") === "true") {
    throw new ApiError("not-implemented", "wait=true is not implemented by the fake Kestra");
  }
  const requestLabels = parseRequestLabels(q.getAll("labels"));
  const fields = await readFields(ctx);

  const id = newId();
  const prefix = `/${namespace.replaceAll(".", "/")}/${flowId}/executions/${id}`;
  const files = new Map<string, Buffer>();
  const inputs = readInputs(flow.inputs, fields, {
    storeFile: (inputId, fileName, content) => {
      const path = `${prefix}/inputs/${inputId}/${fileName}`;
      files.set(path, content);
      return `kestra://${path}`;
    },
  });

  // Flow labels (non-system) then request labels, a request label replacing a flow label of the same key.
  const merged = new Map<string, string>();
  for (const [key, value] of Object.entries(flow.labels)) {
    if (!key.startsWith("system.")) merged.set(key, value);
  }
  for (const label of requestLabels) merged.set(label.key, label.value);
  if (!merged.has("system.correlationId")) merged.set("system.correlationId", id);
  if (!merged.has("system.from")) merged.set("system.from", "api");

  const now = nowIso();
  const execution: FakeExecution = {
    id,
    namespace,
    flowId,
    flowRevision: flow.revision,
    labels: [...merged].map(([key, value]) => ({ key, value })),
    inputs,
    state: { current: "CREATED", histories: [{ state: "CREATED", date: now }] },
    taskRunList: [],
    logs: [],
    files,
  };
  store.executions.set(id, execution);
  const url = `${deps.baseUrl()}/ui/main/executions/${namespace}/${flowId}/${id}`;
  return ok(renderActionExecution(execution, url));
}

const SEARCH_FILTERS = {
  namespace: ["EQUALS", "NOT_EQUALS", "IN", "STARTS_WITH", "PREFIX", "CONTAINS"],
  flowId: ["EQUALS", "NOT_EQUALS", "IN", "CONTAINS"],
  state: ["EQUALS", "NOT_EQUALS", "IN", "NOT_IN"],
  labels: ["EQUALS", "NOT_EQUALS"],
  kind: ["EQUALS", "NOT_EQUALS", "IN"],
  startDate: ["GREATER_THAN", "GREATER_THAN_OR_EQUAL_TO", "LESS_THAN", "LESS_THAN_OR_EQUAL_TO"],
  endDate: ["GREATER_THAN", "GREATER_THAN_OR_EQUAL_TO", "LESS_THAN", "LESS_THAN_OR_EQUAL_TO"],
  q: ["EQUALS"],
} as const;

/** ExecutionKind; NORMAL is stored as null. */
const KINDS = ["NORMAL", "TEST", "PLAYGROUND", "LOOP"];

const SEARCH_LEGACY: Record<string, string> = {
  q: "filters[q][EQUALS]=<value>",
  namespace: "filters[namespace][EQUALS]=<value>",
  flowId: "filters[flowId][EQUALS]=<value>",
  state: "filters[state][IN]=<A,B>",
  labels: "filters[labels][EQUALS][<key>]=<value>",
  scope: "filters[scope][EQUALS]=<value>",
  startDate: "filters[startDate][GREATER_THAN_OR_EQUAL_TO]=<value>",
  endDate: "filters[endDate][LESS_THAN_OR_EQUAL_TO]=<value>",
  timeRange: "filters[timeRange][EQUALS]=<value>",
  childFilter: "filters[childFilter][EQUALS]=<value>",
  triggerExecutionId: "filters[triggerExecutionId][EQUALS]=<value>",
};

const SORT_FIELDS: Record<string, (e: FakeExecution) => string> = {
  id: (e) => e.id,
  namespace: (e) => e.namespace,
  flowId: (e) => e.flowId,
  "state.current": (e) => e.state.current,
  "state.startDate": (e) => e.state.histories[0]?.date ?? "",
  "state.endDate": (e) => e.state.histories.at(-1)?.date ?? "",
};

function search(ctx: Ctx, store: Store, indexLagMs: number): Reply {
  const params = ctx.url.searchParams;
  rejectLegacyParams(params, SEARCH_LEGACY);
  const { page, size } = paging(params, 10);
  const filters = parseFilters(params, SEARCH_FILTERS);
  for (const f of filters.filter((f) => f.field === "state")) {
    const bad = listValue(f.value).find((s) => !isStateType(s));
    if (bad !== undefined) throw new ApiError("bad-request", `Unknown state '${bad}'`);
  }
  for (const f of filters.filter((f) => f.field === "kind")) {
    const bad = listValue(f.value).find((k) => !KINDS.includes(k));
    if (bad !== undefined) throw new ApiError("bad-request", `Unknown kind '${bad}'`);
  }
  const sorts = (
    params.getAll("sort").length ? params.getAll("sort") : ["state.startDate:desc"]
  ).map((s) => {
    const [field = "", dir = "asc"] = s.split(":");
    const get = SORT_FIELDS[field];
    if (!get || (dir !== "asc" && dir !== "desc")) {
      throw new ApiError("bad-request", `Invalid sort '${s}'`);
    }
    return { get, sign: dir === "desc" ? -1 : 1 };
  });
  const dateFilter = params.get("dateFilter") ?? "START_DATE";
  if (!DATE_FILTERS.includes(dateFilter)) {
    throw new ApiError(
      "bad-request",
      `Failed to convert argument [dateFilter] for value [${dateFilter}]`,
    );
  }
  const dates = filters.filter((f) => f.field === "startDate" || f.field === "endDate");
  for (const f of dates) {
    if (!Number.isFinite(Date.parse(f.value))) {
      throw new ApiError("bad-request", `Invalid date '${f.value}'`);
    }
  }
  // As Kestra 2.0.0's JDBC repository: without a kind filter only normal runs (kind null or
  // NORMAL) are searched, so Loop iterations stay out; a kind filter compares the stored value.
  const byKind = filters.some((f) => f.field === "kind");
  const indexed = Date.now() - indexLagMs;
  const matching = [...store.executions.values()].filter(
    (e) =>
      Date.parse(e.state.histories[0]?.date ?? "") <= indexed &&
      (byKind || e.kind === undefined) &&
      filters.every((f) => dates.includes(f) || matchesFilter(e, f)) &&
      matchesDates(e, dates, dateFilter),
  );
  matching.sort((a, b) => {
    for (const { get, sign } of sorts) {
      const cmp = get(a).localeCompare(get(b));
      if (cmp !== 0) return cmp * sign;
    }
    return 0;
  });
  const results = matching.slice((page - 1) * size, page * size).map(renderLightExecution);
  return ok({ results, total: matching.length });
}

function matchesFilter(e: FakeExecution, f: QueryFilter): boolean {
  switch (f.field) {
    case "namespace":
      return compare(e.namespace, f, true);
    case "flowId":
      return compare(e.flowId, f, false);
    case "kind":
      // NORMAL is stored as null, and a null never equals a value (seen on the real 2.0.0).
      return e.kind !== undefined && compare(e.kind, f, false);
    case "state": {
      const states = listValue(f.value);
      const inList = states.includes(e.state.current);
      return f.op === "NOT_EQUALS" || f.op === "NOT_IN" ? !inList : inList;
    }
    case "labels": {
      const has = e.labels.some((l) => l.key === f.key && l.value === f.value);
      return f.op === "EQUALS" ? has : !has;
    }
    case "q": {
      const needle = f.value.toLowerCase();
      return [e.id, e.namespace, e.flowId, ...e.labels.map((l) => l.value)].some((v) =>
        v.toLowerCase().includes(needle),
      );
    }
    default:
      return false;
  }
}

/** ExecutionRepositoryInterface.DateFilter: which column the date filters are applied to. */
const DATE_FILTERS = ["START_DATE", "END_DATE", "START_OR_END_DATE"];

/**
 * As Kestra 2.0.0's JDBC repository (buildDateFilterCondition): every startDate/endDate filter is
 * applied to the one column `dateFilter` names, start_date by default (so endDate filters alone
 * compare start dates), or to either column with START_OR_END_DATE. The end date is State.endDate:
 * the last change of an ended or paused run; others have none (a SQL NULL never matches).
 */
function matchesDates(e: FakeExecution, dates: QueryFilter[], dateFilter: string): boolean {
  if (dates.length === 0) return true;
  const start = Date.parse(e.state.histories[0]?.date ?? "");
  const stamped = isTerminal(e.state.current) || e.state.current === "PAUSED";
  const end = stamped ? Date.parse(e.state.histories.at(-1)?.date ?? "") : Number.NaN;
  const all = (value: number) =>
    Number.isFinite(value) && dates.every((f) => compareDate(value, f.op, Date.parse(f.value)));
  if (dateFilter === "END_DATE") return all(end);
  if (dateFilter === "START_OR_END_DATE") return all(start) || all(end);
  return all(start);
}

function compareDate(value: number, op: string, at: number): boolean {
  if (op === "GREATER_THAN") return value > at;
  if (op === "GREATER_THAN_OR_EQUAL_TO") return value >= at;
  if (op === "LESS_THAN") return value < at;
  return value <= at;
}

function compare(actual: string, f: QueryFilter, namespaceLike: boolean): boolean {
  switch (f.op) {
    case "EQUALS":
      return actual === f.value;
    case "NOT_EQUALS":
      return actual !== f.value;
    case "IN":
      return listValue(f.value).includes(actual);
    case "CONTAINS":
      return actual.includes(f.value);
    case "STARTS_WITH":
      return actual.startsWith(f.value);
    case "PREFIX":
      return namespaceLike && (actual === f.value || actual.startsWith(`${f.value}.`));
    default:
      return false;
  }
}

async function resume(ctx: Ctx, store: Store, execution: FakeExecution): Promise<Reply> {
  if (execution.state.current !== "PAUSED") {
    throw new ApiError(
      "illegal-state",
      `Execution '${execution.id}' is not paused, can't resume it`,
    );
  }
  const fields = await readFields(ctx);
  const pausedRun = execution.taskRunList.find((t) => t.state.current === "PAUSED");
  if (!pausedRun) {
    // A manual pause (no Pause task): Kestra just switches the execution state.
    pushState(execution.state, "RUNNING");
    return ok(renderActionExecution(execution));
  }
  const flow = store.flow(execution.namespace, execution.flowId);
  const onResume = flow?.pauses[pausedRun.taskId] ?? [];
  const typed = readInputs(onResume, fields, {
    storeFile: (inputId, fileName, content) => {
      const path = `${executionPrefix(execution)}/tasks/${pausedRun.taskId}/${pausedRun.id}/${inputId}/${fileName}`;
      execution.files.set(path, content);
      return `kestra://${path}`;
    },
  });
  // ExecutionService#markAs: the Pause task run succeeds with its outputs, the execution is RESTARTED
  // (the executor then moves it to RUNNING).
  const at = nowIso();
  pausedRun.outputs = {
    ...pausedRun.outputs,
    onResume: typed,
    resumed: { on: at.replace("Z", ""), to: "SUCCESS" },
  };
  pushState(pausedRun.state, "SUCCESS");
  pushState(execution.state, "RESTARTED");
  store.resumes.push({
    executionId: execution.id,
    taskId: pausedRun.taskId,
    taskRunId: pausedRun.id,
    inputs: typed,
    at,
  });
  return ok(renderActionExecution(execution));
}

/**
 * ExecutionController#killExecution: the execution is published as KILLING and the answer returns;
 * the executor moves it to KILLED later (the fake's `killed(id)`), as real 2.0 does asynchronously.
 * With the default isOnKillCascade=true an ended run is answered 200, unchanged (409 only without).
 */
function kill(ctx: Ctx, store: Store, execution: FakeExecution): Reply {
  if (isTerminal(execution.state.current)) {
    if (ctx.url.searchParams.get("isOnKillCascade") === "false") {
      throw new ApiError("illegal-state", "Execution is already finished, can't kill it");
    }
    return ok(renderActionExecution(execution));
  }
  const from = execution.state.current;
  store.kills.push({ executionId: execution.id, from, at: nowIso() });
  if (from !== "KILLING") pushState(execution.state, "KILLING");
  return ok(renderActionExecution(execution));
}

/** Released 2.0 restarts a FAILED or PAUSED run only (State.canBeRestarted in core 2.0.0). */
function restart(store: Store, execution: FakeExecution): Reply {
  const from = execution.state.current;
  if (from !== "FAILED" && from !== "PAUSED") {
    throw new ApiError(
      "illegal-state",
      `Execution must be terminated or paused and not killed to be restarted, current state is '${from}' !`,
    );
  }
  for (const run of execution.taskRunList) {
    if (run.state.current === "FAILED" || run.state.current === "PAUSED") {
      pushState(run.state, "RESTARTED");
    }
  }
  pushState(execution.state, "RESTARTED");
  store.restarts.push({ executionId: execution.id, from, at: nowIso() });
  return ok(renderActionExecution(execution));
}

/** ExecutionController#validateFile: own files served, another execution's redirected, others refused. */
function file(ctx: Ctx, execution: FakeExecution): Reply {
  const raw = ctx.url.searchParams.get("path");
  if (raw === null) {
    throw new ApiError("bad-request", "Required QueryValue [path] not specified");
  }
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(raw)?.[1];
  if (!scheme)
    throw new ApiError("bad-request", `Failed to convert argument [path] for value [${raw}]`);
  if (scheme !== "kestra")
    throw new ApiError("illegal-argument", `Scheme not supported: ${scheme}`);
  const storagePath = raw.slice("kestra://".length);
  const prefix = executionPrefix(execution);
  if (!storagePath.startsWith(`${prefix}/`)) {
    const other = /\/executions\/([^/]+)\//.exec(storagePath)?.[1];
    if (other) {
      return {
        status: 301,
        headers: { location: `/api/v1/main/executions/${other}/file?path=${raw}` },
      };
    }
    throw new ApiError("illegal-argument", "Invalid prefix path");
  }
  const content = execution.files.get(storagePath);
  if (!content) throw new ApiError("not-found", `${raw} (No such file or directory)`);
  const name = storagePath.split("/").at(-1) ?? "file";
  return {
    status: 200,
    bytes: content,
    contentType: "application/octet-stream",
    headers: { "content-disposition": `attachment; filename="${name}"` },
  };
}
