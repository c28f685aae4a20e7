// The product's flows on the REAL Kestra 2.0 engine (see kestra/engine/README.md), driven through the
// bot's own Kestra client over HTTP. Run with `vitest run --config vitest.kestra.config.ts`.

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
import { writeScriptedAgent } from "./scripted-agent.ts";

const WEBHOOK_TOKEN = "smoke-webhook-token";

interface Received {
  authorization: string | undefined;
  contentType: string | undefined;
  body: Record<string, unknown>;
}

const b64 = (s: string) => Buffer.from(s).toString("base64");

describe("the product's flows on the real Kestra 2.0 engine", () => {
  let engine: RunningEngine;
  let bot: RunningServer;
  let sb: Sandbox;
  let client: KestraClient;
  const received: Received[] = [];

  const clientFor = (namespace: string) => engineClient(engine, namespace);

  const auth = () => engineAuth(engine);

  async function waitTerminal(
    c: KestraClient,
    id: string,
    timeoutMs = 120_000,
  ): Promise<Execution> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const e = await c.getExecution(id);
      if (isTerminal(e.state.current)) return e;
      if (Date.now() > deadline) throw new Error(`execution ${id} still ${e.state.current}`);
      await sleep(250);
    }
  }

  const events = (id: string) => received.filter((r) => r.body["executionId"] === id);

  beforeAll(async () => {
    bot = await startHttpServer(async (req: IncomingMessage, res: ServerResponse) => {
      const raw = await readBody(req);
      received.push({
        authorization: req.headers.authorization,
        contentType: req.headers["content-type"],
        body: JSON.parse(raw.toString("utf8")) as Record<string, unknown>,
      });
      sendJson(res, 200, { ok: true });
    });

    sb = await createSandbox();
    sb.github.addRepo("acme", "api");
    sb.github.addIssue("acme", "api", {
      number: 7,
      title: "Greeting says world",
      body: "The README should say fixed world.",
      labels: ["bug"],
    });
    await createBareRepo(sb, "acme", "api");
    const agent = await writeScriptedAgent(sb.dir);

    // The product's two files, verbatim (kestra/workflows).
    engine = await startEngine({
      pathPrepend: [NODE24_BIN, REPO_BIN],
      env: {
        SECRET_AUTOFIX_WEBHOOK_TOKEN: b64(WEBHOOK_TOKEN),
        SECRET_GITHUB_READ_TOKEN: b64(sb.github.token),
        SECRET_GITHUB_PR_TOKEN: b64(sb.github.token),
        SECRET_OPENAI_API_KEY: b64("sk-smoke-key"),
        ENV_AUTOFIX_BOT_URL: bot.url,
        ENV_GITHUB_API_URL: sb.github.url,
        // Not in any task's `env:`: the worker only sees them if the Process runner passes the
        // JVM's environment on.
        AUTOFIX_CLONE_URL: sb.cloneUrl,
        AUTOFIX_AGENT_COMMAND: agent.command,
      },
    });
    const rss = await engine.rssKiB();
    console.info(
      `[kestra-engine] ready in ${engine.startupMs} ms (launcher measure), RSS ${rss} KiB, flows ${engine.flows.join(", ")}`,
    );
    client = clientFor("dev.autofix");
  });

  afterAll(async () => {
    await engine?.stop();
    await bot?.close();
    await sb?.close();
  });

  it("loads the product's flows and reports version 2.0.x", async () => {
    expect(engine.flows).toEqual(
      expect.arrayContaining([
        "dev.autofix/ai-issue-autofix",
        "dev.autofix/batch-issue-autofix",
        "dev.autofix/setup-check",
        "dev.autofix/file-issue",
      ]),
    );
    expect(await client.version()).toMatch(/^2\.0\./);
    for (const id of ["ai-issue-autofix", "batch-issue-autofix", "setup-check", "file-issue"]) {
      const res = await request(`${engine.url}/api/v1/main/flows/dev.autofix/${id}`, {
        headers: { authorization: auth(), accept: "application/json" },
      });
      const flow = (await res.body.json()) as { id: string; namespace: string };
      expect(res.statusCode).toBe(200);
      expect(flow).toMatchObject({ id, namespace: "dev.autofix" });
    }
    const anonymous = await request(`${engine.url}/api/v1/main/flows/dev.autofix/ai-issue-autofix`);
    await anonymous.body.dump();
    expect(anonymous.statusCode).toBe(401);
  });

  it("runs ai-issue-autofix (dry run): the worker CLI on the Process runner, outputs, files, notifications", async () => {
    const issueUrl = issueUrlOf(sb, "acme", "api", 7);
    const created = await createRun(
      client,
      "ai-issue-autofix",
      { issue_url: issueUrl, apply_fix: false },
      { "slack-channel": "C123", "autofix-repo": "acme/api", "autofix-issue": "7" },
    );
    expect(created.state.current).toMatch(/^(CREATED|RUNNING)$/);
    const done = await waitTerminal(client, created.id);
    if (done.state.current !== "SUCCESS") {
      const logs = await client.logsAtLeast(created.id, "INFO", 60);
      throw new Error(
        `run ${done.state.current}:\n${logs.map((l) => `${l.taskId} ${l.level} ${l.message}`).join("\n")}`,
      );
    }
    expect(done.taskRunList.map((t) => `${t.taskId}=${t.state.current}`)).toEqual(
      expect.arrayContaining(["validate=SUCCESS", "fix=SUCCESS", "notify_patch_ready=SUCCESS"]),
    );

    const started = events(created.id).find((r) => r.body["event"] === "started");
    expect(started).toEqual({
      authorization: `Bearer ${WEBHOOK_TOKEN}`,
      contentType: "application/json; charset=UTF-8",
      body: {
        executionId: created.id,
        event: "started",
        summary: `Working on ${issueUrl} (dry-run)`,
      },
    });
    const ready = events(created.id).find((r) => r.body["event"] === "patch_ready");
    expect(ready?.body["patchUri"]).toMatch(
      new RegExp(`^kestra:///dev/autofix/ai-issue-autofix/executions/${created.id}/tasks/fix/`),
    );
    expect(String(ready?.body["summary"])).toContain("Fixed the greeting of issue 7.");
    // afterExecution runs once the execution has ended: its call comes after the end.
    const finished = await waitFor(() =>
      events(created.id).find((r) => r.body["event"] === "finished"),
    );
    expect(finished.body).toEqual({
      executionId: created.id,
      event: "finished",
      prUrl: "",
      summary: "Ended SUCCESS",
    });

    // 2.0: task outputs live outside the execution JSON; the client reads the released route.
    const fixRun = done.taskRunList.find((t) => t.taskId === "fix");
    expect(fixRun?.["outputs"] ?? null).toBeNull();
    const outputs = await client.taskRunOutputs(done.id, fixRun?.id ?? "");
    expect(Object.keys(outputs["outputFiles"] as object).sort()).toEqual([
      "patch.diff",
      "result.json",
      "summary.md",
    ]);

    // The file route produces octet-stream/x-ndjson only: `accept: application/json` alone is a 406.
    const patchUri = String(ready?.body["patchUri"]);
    const fileUrl = `${engine.url}/api/v1/main/executions/${created.id}/file?path=${encodeURIComponent(patchUri)}`;
    const asJson = await request(fileUrl, {
      headers: { authorization: auth(), accept: "application/json" },
    });
    await asJson.body.dump();
    expect(asJson.statusCode).toBe(406);
    const patch = await client.downloadFile(created.id, patchUri);
    expect(patch.toString("utf8")).toContain("+fixed for issue 7");
    console.info(`[kestra-engine] RSS after the run: ${await engine.rssKiB()} KiB`);
  });
});

async function waitFor<T>(probe: () => T | undefined, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await sleep(200);
  }
}
