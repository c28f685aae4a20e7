// Does the JS fake (test/fakes/kestra) answer like the real engine on what the bot reads? An
// execution the engine answered is rebuilt in the fake through its public API (same inputs and
// labels, the same state and task-run histories, the same parents), read back over HTTP, and both
// answers are projected onto the fields the bot reads (src/kestra/types.ts, src/runs/*) and compared.
//
// Exports:
//   botExecutionView(json)        the projection of an execution (GET, search item, action answer)
//   botLogView(entries)           the projection of a logs answer
//   mirrorInFake(fake, engine)    rebuilds an engine execution in the fake, returns the fake's id
//   differences(a, b, path?)      the paths where two projections differ, with both values

import type { FakeKestra } from "../fakes/kestra.ts";

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const has = (o: Json, k: string) => o[k] !== undefined && o[k] !== null;

/** What src/kestra/types.ts reads of a task run. */
function taskRunView(t: Json): Json {
  const state = (t["state"] ?? {}) as Json;
  const attempts = t["attempts"];
  return {
    taskId: t["taskId"],
    state: state["current"],
    parentTaskRunId: has(t, "parentTaskRunId") ? "set" : "absent",
    attempts: Array.isArray(attempts) ? attempts.length : "absent",
    // 2.0 serves outputs apart (the outputs route); inline outputs would be read first.
    inlineOutputs: isObject(t["outputs"]) ? "set" : "absent",
  };
}

/**
 * The fields the bot reads of an execution: ids and labels (the run's Slack context), non-null
 * inputs (mode, issue URL), the state with its dates (status, duration, reconciler), the task
 * runs (status derivation, failed step, patch identity), kind and parent (Loop iterations).
 */
export function botExecutionView(e: Json): Json {
  const state = (e["state"] ?? {}) as Json;
  const histories = Array.isArray(state["histories"]) ? (state["histories"] as Json[]) : [];
  const labels = Array.isArray(e["labels"]) ? (e["labels"] as Json[]) : [];
  const inputs = isObject(e["inputs"]) ? e["inputs"] : {};
  return {
    namespace: e["namespace"],
    flowId: e["flowId"],
    labels: labels
      .filter((l) => !String(l["key"]).startsWith("system."))
      .map((l) => `${String(l["key"])}=${String(l["value"])}`),
    correlationLabel: labels.some((l) => l["key"] === "system.correlationId") ? "set" : "absent",
    inputs: Object.fromEntries(
      Object.entries(inputs)
        .filter(([, v]) => v !== null && v !== undefined)
        .map(([k, v]) => [
          k,
          typeof v === "string" && v.startsWith("kestra://") ? "kestra://…" : v,
        ]),
    ),
    state: state["current"],
    histories: histories.map((h) => h["state"]),
    startDate: has(state, "startDate") ? "set" : "absent",
    endDate: has(state, "endDate") ? "set" : "absent",
    duration: has(state, "duration") ? "set" : "absent",
    taskRunList: Array.isArray(e["taskRunList"])
      ? (e["taskRunList"] as Json[]).map(taskRunView)
      : "absent",
    kind: e["kind"] ?? "absent",
    parentId: has(e, "parentId") ? "set" : "absent",
    originalId: has(e, "originalId") ? "set" : "absent",
  };
}

/** What the bot reads of log entries (RunReader.errorLogs, /autofix logs), in the order given. */
export function botLogView(entries: Json[]): Json[] {
  return entries.map((l) => ({
    level: l["level"],
    taskId: l["taskId"] ?? "absent",
    message: l["message"],
    timestamp: typeof l["timestamp"] === "string" ? "set" : "absent",
  }));
}

/**
 * Rebuilds an execution the engine answered (its full GET) in the fake: created over HTTP with the
 * same inputs and labels, then moved through the same states, with the same task runs (same
 * states, same parents). Returns the fake's id.
 */
export async function mirrorInFake(fake: FakeKestra, auth: string, engine: Json): Promise<string> {
  const form = new FormData();
  for (const [k, v] of Object.entries((engine["inputs"] ?? {}) as Json)) {
    // FILE inputs are kestra:/// URIs of the engine's storage: not sent (optional in both flows).
    if (v === null || v === undefined || (typeof v === "string" && v.startsWith("kestra://")))
      continue;
    form.append(k, String(v));
  }
  const q = new URLSearchParams();
  for (const l of (engine["labels"] ?? []) as Json[]) {
    if (!String(l["key"]).startsWith("system."))
      q.append("labels", `${String(l["key"])}:${String(l["value"])}`);
  }
  const res = await fetch(
    `${fake.url}/api/v1/main/executions/${String(engine["namespace"])}/${String(engine["flowId"])}?${q}`,
    {
      method: "POST",
      headers: { authorization: auth, accept: "application/json" },
      body: form,
    },
  );
  if (res.status !== 200)
    throw new Error(`fake create answered ${res.status}: ${await res.text()}`);
  const id = ((await res.json()) as { id: string }).id;

  const state = (engine["state"] ?? {}) as Json;
  for (const h of ((state["histories"] ?? []) as Json[]).slice(1))
    fake.setState(id, String(h["state"]));
  const ids = new Map<string, string>();
  for (const t of (engine["taskRunList"] ?? []) as Json[]) {
    const states = (((t["state"] ?? {}) as Json)["histories"] ?? []) as Json[];
    const parent = t["parentTaskRunId"];
    const mirrored = fake.addTaskRun(id, {
      taskId: String(t["taskId"]),
      state: String(states[1]?.["state"] ?? "CREATED"),
      ...(typeof parent === "string" && ids.has(parent)
        ? { parentTaskRunId: ids.get(parent) ?? "" }
        : {}),
    });
    for (const h of states.slice(2)) fake.setTaskRunState(id, mirrored, String(h["state"]));
    ids.set(String(t["id"]), mirrored);
  }
  return id;
}

/** Where two projections differ: "path: engine=… fake=…". */
export function differences(engine: unknown, fake: unknown, path = ""): string[] {
  if (Array.isArray(engine) && Array.isArray(fake)) {
    if (engine.length !== fake.length) {
      return [
        `${path}: engine has ${engine.length} items ${JSON.stringify(engine)}, fake ${fake.length} ${JSON.stringify(fake)}`,
      ];
    }
    return engine.flatMap((v, i) => differences(v, fake[i], `${path}[${i}]`));
  }
  if (isObject(engine) && isObject(fake)) {
    const keys = [...new Set([...Object.keys(engine), ...Object.keys(fake)])];
    return keys.flatMap((k) => differences(engine[k], fake[k], path ? `${path}.${k}` : k));
  }
  return JSON.stringify(engine) === JSON.stringify(fake)
    ? []
    : [`${path}: engine=${JSON.stringify(engine)} fake=${JSON.stringify(fake)}`];
}
