// Two checks the e2e suite runs on the engine it has already used:
//   reconcilerQuestions(s)  the contract's open questions, asked through the adapter (Kestra's own
//                           repository `find` with the QueryFilters): does a search by
//                           filters[endDate][GREATER_THAN_OR_EQUAL_TO] work, and do PAUSED runs
//                           carry state.endDate (so the reconciler's ended-since search sees them)?
//   fakeAgreement(s)        the JS fake's answers against the engine's, on what the bot reads: the
//                           execution JSON of every state the bot read, search items, logs, the
//                           kill and resume answers, and error statuses. Returns what differs.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { SINGLE_FLOW_ID } from "../../src/contracts/flow.ts";
import type { Execution } from "../../src/kestra/types.ts";
import { type FakeKestra, startFakeKestra } from "../fakes/kestra.ts";
import { botExecutionView, botLogView, differences, mirrorInFake } from "./agreement.ts";
import { createRun } from "./create-run.ts";
import { ended, waitExecution } from "./e2e-helpers.ts";
import { engineAuth, ROOT } from "./engine.ts";
import { ISSUES, type Stack } from "./stack.ts";

type Json = Record<string, unknown>;
const EXECUTION_PATH = /^\/api\/v1\/main\/executions\/([A-Za-z0-9]{20,23})$/;

export interface ReconcilerAnswers {
  pausedState: Json;
  /** The client's query (dateFilter=END_DATE&filters[endDate][GREATER_THAN_OR_EQUAL_TO]=…). */
  foundSinceBeforePause: boolean;
  foundSinceAfterPause: boolean;
  runningFoundSinceBefore: boolean;
  killedFoundSinceBefore: boolean;
  /** Since an instant between the paused run's start and its pause: it ended after, started before. */
  foundSinceMidRun: boolean;
  /** The same filter without dateFilter: 2.0.0 applies it to start_date. */
  withoutDateFilter: { runningFound: boolean; pausedFoundSinceMidRun: boolean };
}

/** A run outside Slack (no labels: the bot ignores its notifications) of issue `n`. */
async function bareRun(s: Stack, n: number): Promise<Execution> {
  return createRun(
    s.kestra,
    SINGLE_FLOW_ID,
    { issue_url: s.issueUrl(n), apply_fix: true, wait_for_approval: true },
    {},
  );
}

export async function reconcilerQuestions(s: Stack): Promise<ReconcilerAnswers> {
  const before = new Date(Date.now() - 1000).toISOString();
  await s.agent.mode(ISSUES.running, "wait");
  const pausing = await bareRun(s, ISSUES.paused);
  const paused = await waitExecution(s, pausing.id, (e) => e.state.current === "PAUSED", "PAUSED");
  const running = await bareRun(s, ISSUES.running);
  await s.agent.started(ISSUES.running);
  const endDate = String(paused.state.endDate ?? "");
  const after = new Date(Date.parse(endDate) + 1000).toISOString();
  // The reconciler's own query (KestraClient.searchExecutions with endedAfter).
  const ids = async (since: string) =>
    (await s.kestra.searchExecutions({ endedAfter: since, size: 100 })).results.map((e) => e.id);
  const sinceBefore = await ids(before);
  const sinceAfter = await ids(after);
  const raw = async (since: string) => {
    const q = new URLSearchParams({ page: "1", size: "100" });
    q.append("filters[namespace][EQUALS]", "dev.autofix");
    q.append("filters[endDate][GREATER_THAN_OR_EQUAL_TO]", since);
    const res = await fetch(`${s.engine.url}/api/v1/main/executions/search?${q}`, {
      headers: {
        authorization: engineAuth(s.engine),
        accept: "application/json",
      },
    });
    return ((await res.json()) as { results: { id: string }[] }).results.map((e) => e.id);
  };
  const rawBefore = await raw(before);
  const started = Date.parse(String(paused.state.startDate));
  const mid = new Date(started + (Date.parse(endDate) - started) / 2).toISOString();
  const sinceMid = await ids(mid);
  const rawSinceMid = await raw(mid);

  for (const id of [pausing.id, running.id]) await s.kestra.kill(id);
  await s.agent.release(ISSUES.running);
  for (const id of [pausing.id, running.id]) await waitExecution(s, id, ended, "the kill");
  const killedSince = await ids(before);
  return {
    pausedState: paused.state as Json,
    foundSinceBeforePause: sinceBefore.includes(pausing.id),
    foundSinceAfterPause: sinceAfter.includes(pausing.id),
    runningFoundSinceBefore: sinceBefore.includes(running.id),
    killedFoundSinceBefore: killedSince.includes(running.id),
    foundSinceMidRun: sinceMid.includes(pausing.id),
    withoutDateFilter: {
      runningFound: rawBefore.includes(running.id),
      pausedFoundSinceMidRun: rawSinceMid.includes(pausing.id),
    },
  };
}

export interface Agreement {
  /** Distinct execution views compared (GET answers of every state the bot read). */
  executionsCompared: number;
  differences: string[];
  /** Error statuses: engine vs fake, per probe. */
  errors: Record<string, { engine: number; fake: number }>;
  /**
   * Error bodies, per probe: the shape Kestra 2.0's ErrorController gives (the message's reason prefix,
   * null logref and path, _links.self of the request, _embedded only for constraint violations), engine
   * vs fake; a redirect or an empty body as such.
   */
  errorShapes: Record<string, { engine: ErrorShape; fake: ErrorShape }>;
  /** What the engine answered where the fake, by design, differs (listed, not asserted equal). */
  notes: Record<string, unknown>;
}

export interface ErrorShape {
  /** The message up to its first ': ' ("Not Found", "Illegal state"…), or the whole bare message. */
  reason?: unknown;
  keys?: string[];
  logref?: unknown;
  path?: unknown;
  /** _links.self.href is the request's path and query, not templated. */
  selfIsRequest?: boolean;
  embedded?: boolean;
  location?: string | null;
  body?: string;
}

function errorShape(
  res: { status: number; json: unknown; location: string | null },
  request: string,
): ErrorShape {
  if (res.status >= 300 && res.status < 400) return { location: res.location };
  if (typeof res.json !== "object" || res.json === null) return { body: String(res.json ?? "") };
  const body = res.json as Json;
  if (res.status < 300) return { keys: Object.keys(body).sort() };
  const message = String(body["message"]);
  const self = ((body["_links"] ?? {}) as Json)["self"] as Json | undefined;
  return {
    reason: message.includes(": ") ? message.slice(0, message.indexOf(": ")) : message,
    keys: Object.keys(body).sort(),
    logref: body["logref"],
    path: body["path"],
    selfIsRequest: self?.["href"] === request && self?.["templated"] === false,
    embedded: body["_embedded"] !== undefined,
  };
}

export async function fakeAgreement(s: Stack): Promise<Agreement> {
  const fake = await startFakeKestra({ username: s.engine.username, password: s.engine.password });
  try {
    return await compare(s, fake);
  } finally {
    await fake.close();
  }
}

async function compare(s: Stack, fake: FakeKestra): Promise<Agreement> {
  const auth = engineAuth(s.engine);
  const flows = () => {
    for (const f of [
      "main_dev.autofix_ai-issue-autofix.yml",
      "main_dev.autofix_batch-issue-autofix.yml",
    ]) {
      fake.addFlowYaml(readFileSync(join(ROOT, "kestra/workflows", f), "utf8"));
    }
  };
  flows();
  const get = async (base: string, path: string, init: RequestInit = {}) => {
    const res = await fetch(`${base}/api/v1/main${path}`, {
      ...init,
      headers: { authorization: auth, accept: "application/json", ...(init.headers ?? {}) },
    });
    const text = await res.text();
    return {
      status: res.status,
      type: res.headers.get("content-type"),
      json: text ? safeJson(text) : undefined,
      location: res.headers.get("location"),
      url: res.url,
    };
  };
  const found: string[] = [];
  const exchanges = s.proxy.exchanges;
  const parsed = (i: number) =>
    JSON.parse(exchanges[i]?.responseBody.toString("utf8") ?? "null") as Json;

  // 1. Every distinct execution state the bot read (GET), rebuilt in the fake and read back.
  const seen = new Set<string>();
  for (const [i, x] of exchanges.entries()) {
    if (x.method !== "GET" || x.status !== 200 || !EXECUTION_PATH.test(x.path)) continue;
    const engine = parsed(i);
    const view = botExecutionView(engine);
    const key = JSON.stringify({ ...view, labels: [], inputs: {} });
    if (seen.has(key)) continue;
    seen.add(key);
    fake.reset();
    flows();
    const id = await mirrorInFake(fake, auth, engine);
    const mine = await get(fake.url, `/executions/${id}`);
    found.push(
      ...differences(
        view,
        botExecutionView(mine.json as Json),
        `GET ${String(engine["state"] && (engine["state"] as Json)["current"])}`,
      ),
    );
  }

  // 2. Search items: light in both (no task runs), same fields otherwise.
  const search = exchanges.findIndex(
    (x) => x.path.includes("/executions/search") && x.responseBody.includes('"results":[{'),
  );
  if (search >= 0) {
    const item = (parsed(search)["results"] as Json[])[0] as Json;
    fake.reset();
    flows();
    await mirrorInFake(fake, auth, item);
    const mine = await get(fake.url, "/executions/search?filters[namespace][EQUALS]=dev.autofix");
    const fakeItem = ((mine.json as Json)["results"] as Json[])[0] as Json;
    found.push(...differences(botExecutionView(item), botExecutionView(fakeItem), "search item"));
  }

  // 3. Logs (ERROR and up), oldest first in the engine: the fake keeps them in insertion order.
  const logsAt = exchanges.findIndex(
    (x) => x.path.startsWith("/api/v1/main/logs/") && x.status === 200,
  );
  const notes: Record<string, unknown> = {};
  if (logsAt >= 0) {
    const entries = JSON.parse(exchanges[logsAt]?.responseBody.toString("utf8") ?? "[]") as Json[];
    const stamps = entries.map((l) => String(l["timestamp"]));
    if (stamps.some((t, i) => i > 0 && t < (stamps[i - 1] ?? "")))
      found.push("logs: the engine's are not oldest first");
    const executionId = exchanges[logsAt]?.path.split("/")[5]?.split("?")[0] ?? "";
    const full = (await get(s.engine.url, `/executions/${executionId}`)).json as Json;
    fake.reset();
    flows();
    const id = await mirrorInFake(fake, auth, full);
    const all = (await get(s.engine.url, `/logs/${executionId}`)).json as Json[];
    for (const l of all) {
      fake.addLog(id, {
        level: String(l["level"]),
        ...(typeof l["taskId"] === "string" ? { taskId: l["taskId"] } : {}),
        message: String(l["message"]),
      });
    }
    const mine = await get(fake.url, `/logs/${id}?filters[level][GREATER_THAN_OR_EQUAL_TO]=ERROR`);
    found.push(...differences(botLogView(entries), botLogView(mine.json as Json[]), "logs ERROR+"));
  }

  // 4. The kill and resume answers, from the state the bot read just before it acted.
  for (const action of ["kill", "resume"] as const) {
    const at = exchanges.findIndex(
      (x) => x.path.endsWith(`/actions/${action}`) && x.status === 200,
    );
    if (at < 0) continue;
    const id = exchanges[at]?.path.split("/")[5] ?? "";
    const before = exchanges
      .slice(0, at)
      .map((x, i) => ({ x, i }))
      .findLast(({ x }) => x.method === "GET" && x.path === `/api/v1/main/executions/${id}`);
    if (!before) continue;
    fake.reset();
    flows();
    const mirrored = await mirrorInFake(fake, auth, parsed(before.i));
    const init: RequestInit =
      action === "kill"
        ? { method: "DELETE", headers: { accept: "text/json" } }
        : {
            method: "POST",
            body: fieldsOf(exchanges[at]?.requestBody, exchanges[at]?.requestType),
          };
    const mine = await get(fake.url, `/executions/${mirrored}/actions/${action}`, init);
    const engine = parsed(at);
    if (mine.type?.split(";")[0] !== exchanges[at]?.responseType?.split(";")[0]) {
      found.push(`${action}: content type engine=${exchanges[at]?.responseType} fake=${mine.type}`);
    }
    const ev = botExecutionView(engine);
    const fv = botExecutionView(mine.json as Json);
    if (action === "resume") {
      // The adapter answers once the executor has processed the resume: RESTARTED, or already
      // RUNNING again with the next tasks queued; the fake answers RESTARTED at once.
      notes["resume answer state (engine)"] = ev["state"];
      const upTo = (v: Json) => ({
        histories: (v["histories"] as string[]).slice(
          0,
          (v["histories"] as string[]).indexOf("RESTARTED") + 1,
        ),
        approval: (v["taskRunList"] as Json[]).find((t) => t["taskId"] === "approval"),
      });
      found.push(...differences(upTo(ev), upTo(fv), "resume answer"));
    } else {
      found.push(...differences(ev, fv, "kill answer"));
    }
  }

  // 5. Error statuses for the same requests.
  const ids = exchanges
    .map((x) => EXECUTION_PATH.exec(x.path)?.[1])
    .filter((v): v is string => !!v);
  const endedId = ids.at(0) ?? "";
  const engineEnded = (await get(s.engine.url, `/executions/${endedId}`)).json as Json;
  fake.reset();
  flows();
  const fakeEnded = await mirrorInFake(fake, auth, engineEnded);
  type Answer = Awaited<ReturnType<typeof get>>;
  // The other execution's file: the redirect names that execution's route, on either server.
  const otherFile =
    "kestra:///dev/autofix/ai-issue-autofix/executions/0000000000000000000000/tasks/fix/x/patch.diff";
  const probes: Record<string, (base: string, id: string) => Promise<Answer>> = {
    "GET an unknown execution": (b) => get(b, "/executions/0000000000000000000000"),
    "resume an ended execution": (b, id) =>
      get(b, `/executions/${id}/actions/resume`, {
        method: "POST",
        body: formOf({ approved: "true", approver: "x" }),
      }),
    "kill an ended execution": (b, id) =>
      get(b, `/executions/${id}/actions/kill`, {
        method: "DELETE",
        headers: { accept: "text/json" },
      }),
    "read a missing KV key": (b) => get(b, "/namespaces/dev.autofix/kv/no-such-key"),
    "start a run with an invalid issue_url": (b) =>
      get(b, "/executions/dev.autofix/ai-issue-autofix", {
        method: "POST",
        body: formOf({ issue_url: "not a url" }),
      }),
    "download a file of another execution": (b, id) =>
      get(b, `/executions/${id}/file?path=${encodeURIComponent(otherFile)}`, {
        headers: { accept: "application/octet-stream" },
        redirect: "manual",
      }),
    "resume an unknown execution": (b) =>
      get(b, "/executions/0000000000000000000000/actions/resume", {
        method: "POST",
        body: formOf({ approved: "true" }),
      }),
    "kill an ended execution without cascade": (b, id) =>
      get(b, `/executions/${id}/actions/kill?isOnKillCascade=false`, {
        method: "DELETE",
        headers: { accept: "text/json" },
      }),
    "kill with Accept: application/json": (b, id) =>
      get(b, `/executions/${id}/actions/kill`, { method: "DELETE" }),
    "restart an ended, not failed execution": (b, id) =>
      get(b, `/executions/${id}/actions/restart`, { method: "POST" }),
    "start a run of an unknown flow": (b) =>
      get(b, "/executions/dev.autofix/no-such-flow", { method: "POST", body: formOf({}) }),
    "start a run with a system label": (b) =>
      get(b, "/executions/dev.autofix/ai-issue-autofix?labels=system.username:me", {
        method: "POST",
        body: formOf({ issue_url: "https://github.com/acme/api/issues/1" }),
      }),
    "search with size 0": (b) => get(b, "/executions/search?size=0"),
    "logs with filters[level][EQUALS]": (b, id) =>
      get(b, `/logs/${id}?filters[level][EQUALS]=ERROR`),
    "the pre-release task outputs route": (b, id) => get(b, `/outputs/${id}/x`),
    "a KV PUT as application/json": (b) =>
      get(b, "/namespaces/dev.autofix/kv/x", {
        method: "PUT",
        headers: { "content-type": "application/json" },
        body: "{}",
      }),
  };
  const errors: Agreement["errors"] = {};
  const errorShapes: Agreement["errorShapes"] = {};
  for (const [name, probe] of Object.entries(probes)) {
    const engineAnswer = await probe(s.engine.url, endedId);
    const fakeAnswer = await probe(fake.url, fakeEnded);
    errors[name] = { engine: engineAnswer.status, fake: fakeAnswer.status };
    // Each server's own request (the ids differ): its path and query, as _links.self names it.
    const request = (answer: Answer) => answer.url.slice(answer.url.indexOf("/api/v1/"));
    errorShapes[name] = {
      engine: errorShape(engineAnswer, request(engineAnswer)),
      fake: errorShape(fakeAnswer, request(fakeAnswer)),
    };
    if (engineAnswer.status >= 400) {
      const message = (a: Answer) => (a.json as Json | undefined)?.["message"];
      notes[`message: ${name}`] = { engine: message(engineAnswer), fake: message(fakeAnswer) };
    }
  }
  return { executionsCompared: seen.size, differences: found, errors, errorShapes, notes };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function formOf(fields: Record<string, string>): FormData {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  return form;
}

/** The text fields of a multipart body the bot sent (resume: approved, approver). */
function fieldsOf(body: Buffer | undefined, type: string | undefined): FormData {
  const boundary = /boundary=([^;]+)/.exec(type ?? "")?.[1] ?? "";
  const fields: Record<string, string> = {};
  for (const part of (body?.toString("utf8") ?? "").split(`--${boundary}`)) {
    const m = /name="([^"]+)"\r\n\r\n([\s\S]*)\r\n$/.exec(part);
    if (m?.[1] !== undefined) fields[m[1]] = m[2] ?? "";
  }
  return formOf(fields);
}
