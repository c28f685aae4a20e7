// What the REAL Kestra 2.0 engine does where the bot's assumptions could differ: onResume outputs,
// kill progression and content types, KV content types, restart, Loop executions in searches, and
// afterExecution. The product's flows run verbatim; a scripted agent (scripted-agent.ts) decides per
// issue whether `fix` edits, fails or waits. Each test prints what it observed ([kestra-engine] lines).
// Run with `vitest run --config vitest.kestra.config.ts`.

import { rm } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KestraClient } from "../../src/kestra/client.ts";
import { type Execution, isTerminal } from "../../src/kestra/types.ts";
import { type RunningServer, readBody, sendJson, startHttpServer } from "../fakes/http-server.ts";
import { createBareRepo, createSandbox, issueUrlOf, type Sandbox } from "../worker/helpers.ts";
import { createRun } from "./create-run.ts";
import {
  engineAuth,
  engineClient,
  NODE24_BIN,
  REPO_BIN,
  type RunningEngine,
  startEngine,
} from "./engine.ts";
import { inNamespace, productFlow, writeFlowsDir } from "./flows.ts";
import { type ScriptedAgent, writeScriptedAgent } from "./scripted-agent.ts";

const PROBE_NS = "dev.autofix.probe";
/** ai-issue-autofix with the FILE output `patch` written the old way, `?? ''` appended. */
const OLD_OUTPUT_NS = "dev.autofix.oldoutput";
const PRODUCT_NS = "dev.autofix";

/** One issue per behaviour, so that the scripted agent can act differently for each. */
const ISSUE = { edit: 7, fails: 8, waits: 9, restart: 10, batch: 11 } as const;

async function withOldPatchOutput(): Promise<string> {
  return inNamespace(
    await productFlow("main_dev.autofix_ai-issue-autofix.yml"),
    OLD_OUTPUT_NS,
    (flow) => {
      for (const o of flow["outputs"] as { id: string; value: string }[]) {
        if (o.id === "patch") o.value = "{{ outputs.fix.outputFiles['patch.diff'] ?? '' }}";
      }
    },
  );
}

const AFTER_EXECUTION_PROBE = `
id: after-execution-probe
namespace: ${PROBE_NS}
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: hello
afterExecution:
  - id: notify_after
    type: io.kestra.plugin.core.http.Request
    uri: "{{ envs.autofix_bot_url }}/kestra/events"
    method: POST
    contentType: application/json
    body: "{{ {'executionId': execution.id, 'event': 'after', 'state': execution.state} | toJson }}"
`;

interface Received {
  at: number;
  body: Record<string, unknown>;
}

const b64 = (s: string) => Buffer.from(s).toString("base64");
const observe = (what: string, value: unknown) =>
  console.info(
    `[kestra-engine] ${what}: ${typeof value === "string" ? value : JSON.stringify(value)}`,
  );

describe("real Kestra 2.0 behaviour the bot depends on", () => {
  let engine: RunningEngine;
  let bot: RunningServer;
  let sb: Sandbox;
  let flowsDir: string;
  let agent: ScriptedAgent;
  let product: KestraClient;
  let probe: KestraClient;
  const received: Received[] = [];

  const clientFor = (namespace: string) => engineClient(engine, namespace);
  const auth = () => engineAuth(engine);
  const api = (path: string) => `${engine.url}/api/v1/main${path}`;
  const events = (id: string) => received.filter((r) => r.body["executionId"] === id);
  /** Set by the batch test, read by the client-search test after it. */
  let batchId = "";

  async function waitState(
    c: KestraClient,
    id: string,
    done: (e: Execution) => boolean,
    timeoutMs = 120_000,
  ): Promise<Execution> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const e = await c.getExecution(id);
      if (done(e)) return e;
      if (Date.now() > deadline) throw new Error(`execution ${id} still ${e.state.current}`);
      await sleep(200);
    }
  }
  const terminal = (c: KestraClient, id: string, timeoutMs?: number) =>
    waitState(c, id, (e) => isTerminal(e.state.current), timeoutMs);

  async function waitEvent(id: string, event: string, timeoutMs = 60_000): Promise<Received> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = events(id).find((r) => r.body["event"] === event);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no ${event} event for ${id}`);
      await sleep(100);
    }
  }

  beforeAll(async () => {
    bot = await startHttpServer(async (req: IncomingMessage, res: ServerResponse) => {
      const raw = await readBody(req);
      received.push({ at: Date.now(), body: JSON.parse(raw.toString("utf8")) });
      sendJson(res, 200, { ok: true });
    });
    sb = await createSandbox();
    sb.github.addRepo("acme", "api");
    for (const n of [ISSUE.edit, ISSUE.fails, ISSUE.waits, ISSUE.restart]) {
      sb.github.addIssue("acme", "api", { number: n, title: `Greeting ${n}`, labels: ["bug"] });
    }
    sb.github.addIssue("acme", "api", {
      number: ISSUE.batch,
      title: "Batched",
      labels: ["batchme"],
    });
    await createBareRepo(sb, "acme", "api");
    agent = await writeScriptedAgent(sb.dir);
    await agent.mode(ISSUE.fails, "fail");
    await agent.mode(ISSUE.waits, "wait");
    flowsDir = await writeFlowsDir({
      "probe/after-execution-probe.yml": AFTER_EXECUTION_PROBE,
      "oldoutput/ai.yml": await withOldPatchOutput(),
    });
    engine = await startEngine({
      flowsDir,
      pathPrepend: [NODE24_BIN, REPO_BIN],
      env: {
        SECRET_AUTOFIX_WEBHOOK_TOKEN: b64("behaviour-token"),
        SECRET_GITHUB_READ_TOKEN: b64(sb.github.token),
        SECRET_GITHUB_PR_TOKEN: b64(sb.github.token),
        SECRET_OPENAI_API_KEY: b64("sk-behaviour-key"),
        ENV_AUTOFIX_BOT_URL: bot.url,
        ENV_GITHUB_API_URL: sb.github.url,
        AUTOFIX_CLONE_URL: sb.cloneUrl,
        AUTOFIX_AGENT_COMMAND: agent.command,
      },
    });
    product = clientFor(PRODUCT_NS);
    probe = clientFor(PROBE_NS);
  });

  afterAll(async () => {
    await engine?.stop();
    await bot?.close();
    await sb?.close();
    if (flowsDir) await rm(flowsDir, { recursive: true, force: true });
  });

  it("afterExecution is accepted and runs once the execution has ended", async () => {
    expect(engine.flows).toContain(`${PROBE_NS}/after-execution-probe`);
    const created = await createRun(probe, "after-execution-probe", {}, {});
    const ended = await terminal(probe, created.id);
    const endedSeenAt = Date.now();
    const after = await waitEvent(created.id, "after");
    const final = await waitState(probe, created.id, (e) =>
      e.taskRunList.some((t) => t.taskId === "notify_after" && isTerminal(t.state.current)),
    );
    observe("afterExecution", {
      stateWhenEndedSeen: ended.state.current,
      taskRunsWhenEndedSeen: ended.taskRunList.map((t) => `${t.taskId}=${t.state.current}`),
      notificationBody: after.body,
      notificationAfterEndSeenMs: after.at - endedSeenAt,
      finalState: final.state.current,
      finalTaskRuns: final.taskRunList.map((t) => `${t.taskId}=${t.state.current}`),
    });
    expect(after.body["state"]).toBe("SUCCESS");
    expect(final.state.current).toBe("SUCCESS");
  });

  it("approval: PAUSED, resume (multipart) with onResume inputs, outputs.approval.onResume", async () => {
    const issueUrl = issueUrlOf(sb, "acme", "api", ISSUE.edit);
    const created = await createRun(
      product,
      "ai-issue-autofix",
      { issue_url: issueUrl, apply_fix: true, wait_for_approval: true },
      {},
    );
    const paused = await waitState(
      product,
      created.id,
      (e) => e.state.current === "PAUSED" || isTerminal(e.state.current),
    );
    expect(paused.state.current).toBe("PAUSED");
    const resumed = await product.resume(created.id, { approved: false, approver: "U42" });
    observe("resume reply state", resumed.state.current);
    const done = await terminal(product, created.id);
    const finished = await waitEvent(created.id, "finished");
    const approvalRun = done.taskRunList.find((t) => t.taskId === "approval");
    const approvalOutputs = await product.taskRunOutputs(done.id, approvalRun?.id ?? "");
    observe("approval task outputs", approvalOutputs);
    observe("finished after rejection", finished.body);
    expect(approvalOutputs["onResume"]).toEqual({ approved: false, approver: "U42" });
    expect(finished.body["prUrl"]).toBe("");
    expect(done.state.current).toBe("SUCCESS");
  });

  it("kill: produces text/json only (406 for Accept: application/json), KILLING before KILLED", async () => {
    const created = await createRun(
      product,
      "ai-issue-autofix",
      {
        issue_url: issueUrlOf(sb, "acme", "api", ISSUE.edit),
        apply_fix: true,
        wait_for_approval: true,
      },
      {},
    );
    await waitState(product, created.id, (e) => e.state.current === "PAUSED");
    const asJson = await request(api(`/executions/${created.id}/actions/kill`), {
      method: "DELETE",
      headers: { authorization: auth(), accept: "application/json" },
    });
    const refusal = await asJson.body.text();
    expect(asJson.statusCode).toBe(406);
    const reply = await product.kill(created.id);
    const seen = [reply.state.current];
    const deadline = Date.now() + 60_000;
    for (;;) {
      const e = await product.getExecution(created.id);
      if (seen.at(-1) !== e.state.current) seen.push(e.state.current);
      if (isTerminal(e.state.current) || Date.now() > deadline) break;
      await sleep(50);
    }
    const final = await product.getExecution(created.id);
    observe("kill", {
      refusalForApplicationJson: refusal,
      replyState: reply.state.current,
      statesSeen: seen,
      histories: final.state.histories.map((h) => h.state),
    });
    expect(final.state.current).toBe("KILLED");
    // Released 2.0 answers once the executor took the kill.
    expect(["KILLING", "KILLED"]).toContain(reply.state.current);
    expect(final.state.histories.map((h) => h.state)).toContain("KILLING");
  });

  it("kill during fix: KILLED, afterExecution runs, `finally` does not", async () => {
    const c = product;
    const created = await createRun(
      c,
      "ai-issue-autofix",
      { issue_url: issueUrlOf(sb, "acme", "api", ISSUE.waits) },
      {},
    );
    await agent.started(ISSUE.waits);
    const res = await request(api(`/executions/${created.id}/actions/kill`), {
      method: "DELETE",
      headers: { authorization: auth(), accept: "text/json" },
    });
    await res.body.dump();
    const done = await terminal(c, created.id);
    const finished = await waitEvent(created.id, "finished");
    const final = await c.getExecution(created.id);
    observe("kill during fix", {
      state: done.state.current,
      histories: done.state.histories.map((h) => h.state),
      tasks: final.taskRunList.map((t) => `${t.taskId}=${t.state.current}`),
      finished: finished.body,
    });
    expect(done.state.current).toBe("KILLED");
    expect(final.taskRunList.map((t) => t.taskId)).not.toContain("cleanup");
    await agent.release(ISSUE.waits);
  });

  it("failed run: the FILE output `patch` without `?? ''` is skipped; with it, rendering fails", async () => {
    const outcome: Record<string, string[]> = {};
    for (const [ns, c] of [
      [PRODUCT_NS, product],
      [OLD_OUTPUT_NS, clientFor(OLD_OUTPUT_NS)],
    ] as const) {
      const created = await createRun(
        c,
        "ai-issue-autofix",
        { issue_url: issueUrlOf(sb, "acme", "api", ISSUE.fails) },
        {},
      );
      const done = await terminal(c, created.id);
      expect(done.state.current).toBe("FAILED");
      const failed = await waitEvent(created.id, "failed");
      expect(String(failed.body["error"])).toMatch(
        /^task fix: autofix: the agent failed \(exit code 3\)/,
      );
      const logs = await c.logsAtLeast(created.id, "WARN", 50);
      outcome[ns] = logs
        .filter((l) => !l.taskId)
        .map((l) => `${l.level}: ${(l.message ?? "").slice(0, 200)}`);
    }
    observe("flow outputs of a failed run (execution-level WARN+ logs)", outcome);
    expect(outcome[PRODUCT_NS]?.some((m) => m.includes("Failed to render output values"))).toBe(
      false,
    );
    expect(outcome[OLD_OUTPUT_NS]?.some((m) => m.includes("Failed to render output values"))).toBe(
      true,
    );
  });

  it("KV: PUT takes text/plain only (415 for application/json), GET answers {type,value,...}", async () => {
    const put = await request(api(`/namespaces/${PRODUCT_NS}/kv/digest`), {
      method: "PUT",
      headers: { authorization: auth(), "content-type": "application/json" },
      body: JSON.stringify({ a: 1 }),
    });
    await put.body.dump();
    expect(put.statusCode).toBe(415);
    await product.kvPut("digest", { a: 1 });
    const raw = await request(api(`/namespaces/${PRODUCT_NS}/kv/digest`), {
      headers: { authorization: auth(), accept: "application/json" },
    });
    observe("KV GET body", await raw.body.text());
    expect(await product.kvGet("digest")).toEqual({ a: 1 });
    expect(await product.kvGet("missing")).toBeUndefined();
  });

  it("restart of a failed run: RESTARTED, `fix` runs again as a second attempt, then succeeds", async () => {
    await agent.mode(ISSUE.restart, "fail");
    const created = await createRun(
      product,
      "ai-issue-autofix",
      { issue_url: issueUrlOf(sb, "acme", "api", ISSUE.restart) },
      {},
    );
    const failed = await terminal(product, created.id);
    expect(failed.state.current).toBe("FAILED");
    await waitEvent(created.id, "failed");
    // Restart once afterExecution is over: a restart while notify_failed still runs can end FAILED
    // again at once, without running `fix` (seen on 2.0.0).
    await waitState(product, created.id, (e) =>
      e.taskRunList.some((t) => t.taskId === "notify_failed" && isTerminal(t.state.current)),
    );
    await agent.mode(ISSUE.restart, "edit");
    const restarted = await product.restart(created.id);
    const done = await waitState(
      product,
      created.id,
      (e) =>
        isTerminal(e.state.current) && e.state.histories.length > failed.state.histories.length,
    );
    const finished = await waitEvent(created.id, "finished");
    const fix = done.taskRunList.filter((t) => t.taskId === "fix");
    observe("restart", {
      replyState: restarted.state.current,
      replyTaskRuns: restarted.taskRunList.map((t) => `${t.taskId}=${t.state.current}`),
      histories: done.state.histories.map((h) => h.state),
      fixTaskRuns: fix.length,
      fixAttempts: fix[0]?.attempts?.map((a) => a.state?.current),
      finished: finished.body,
      failedEvents: events(created.id).filter((r) => r.body["event"] === "failed").length,
    });
    expect(done.state.current).toBe("SUCCESS");
    expect(done.state.histories.map((h) => h.state)).toContain("RESTARTED");
    // The same task run, with a second attempt: what the bot's patch identity counts on.
    expect(fix).toHaveLength(1);
    expect(fix[0]?.attempts?.map((a) => a.state?.current)).toEqual(["FAILED", "SUCCESS"]);
  });

  it("batch: Loop iterations are LOOP executions; a search without a kind filter leaves them out", async () => {
    const created = await createRun(
      product,
      "batch-issue-autofix",
      { repo_url: `https://${sb.github.webHost}/acme/api`, issue_labels: "batchme", max_issues: 5 },
      { "slack-channel": "C9" },
    );
    const done = await terminal(product, created.id, 240_000);
    const finished = await waitEvent(created.id, "finished");
    observe("batch", {
      state: done.state.current,
      tasks: done.taskRunList.map((t) => `${t.taskId}=${t.state.current}`),
      events: events(created.id).map((r) => r.body),
      finished: finished.body,
    });
    expect(done.state.current).toBe("SUCCESS");

    const search = async (flowId: string, params: Record<string, string>) => {
      const q = new URLSearchParams({ page: "1", size: "50", ...params });
      q.append("filters[namespace][EQUALS]", PRODUCT_NS);
      q.append("filters[flowId][EQUALS]", flowId);
      const res = await request(api(`/executions/search?${q}`), {
        headers: { authorization: auth(), accept: "application/json" },
      });
      const body = (await res.body.json()) as {
        total: number;
        results: { id: string; kind?: string; parentId?: string }[];
      };
      return body.results.map((r) => `${r.id}:${r.kind ?? "null"}:${r.parentId ?? "-"}`);
    };
    const noKind = await search("batch-issue-autofix", {});
    const normal = await search("batch-issue-autofix", { "filters[kind][EQUALS]": "NORMAL" });
    const loop = await search("batch-issue-autofix", { "filters[kind][EQUALS]": "LOOP" });
    const byLabel = { [`filters[labels][EQUALS][autofix-batch]`]: created.id };
    const children = await search("ai-issue-autofix", byLabel);
    const childrenNormal = await search("ai-issue-autofix", {
      ...byLabel,
      "filters[kind][EQUALS]": "NORMAL",
    });
    observe("search batch-issue-autofix", { noKind, normal, loop });
    observe("search children by label", { noKind: children, kindNormal: childrenNormal });
    const child = await product.getExecution(children[0]?.split(":")[0] ?? "");
    observe("a child's labels", child.labels);
    batchId = created.id;
    expect(noKind).toEqual([`${created.id}:null:-`]);
    expect(loop.length).toBeGreaterThan(0);
    // Kestra stores kind NORMAL as null: filtering on it finds nothing.
    expect(normal).toEqual([]);
    expect(children.length).toBe(1);
    expect(childrenNormal).toEqual([]);
  });

  // The client sends no kind filter: filtering on NORMAL would find nothing on 2.0.0 (stored as
  // null), and without one Kestra searches normal runs only, leaving the Loop iterations out.
  it("the client's searchExecutions finds the batch's child run, not its Loop iteration", async () => {
    const found = await product.searchExecutions({
      flowId: "ai-issue-autofix",
      labels: { "autofix-batch": batchId },
    });
    expect(found.results.length).toBe(1);
  });
});
