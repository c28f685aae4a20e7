import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FlowDriver } from "../support/flow-driver.ts";
import { type Harness, ISSUE_URL, startHarness, WEBHOOK_TOKEN } from "../support/harness.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h?.close());

async function post(headers: Record<string, string>, body: string) {
  const res = await fetch(`${h.url}/kestra/events`, { method: "POST", headers, body });
  return {
    status: res.status,
    body: (await res.json()) as { ok: boolean; error?: string; ignored?: string },
  };
}
const json = { "content-type": "application/json", authorization: `Bearer ${WEBHOOK_TOKEN}` };

describe("POST /kestra/events is checked in a fixed order", () => {
  it("415 for a wrong content type, before anything else", async () => {
    const res = await post({ "content-type": "text/plain" }, "{}");
    expect(res.status).toBe(415);
  });

  it("401 for a missing, wrong or differently-sized token", async () => {
    for (const authorization of [
      undefined,
      "Bearer nope",
      `Bearer ${WEBHOOK_TOKEN}x`,
      `Basic ${WEBHOOK_TOKEN}`,
    ]) {
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (authorization) headers["authorization"] = authorization;
      const res = await post(headers, JSON.stringify({ executionId: "x", event: "started" }));
      expect(res.status).toBe(401);
    }
  });

  it("413 for an oversized body", async () => {
    const res = await post(
      json,
      JSON.stringify({ executionId: "x", event: "started", summary: "a".repeat(70_000) }),
    );
    expect(res.status).toBe(413);
  });

  it("400 with the reason for bad JSON or a body off the schema", async () => {
    expect((await post(json, "{not json")).status).toBe(400);
    const bad = await post(json, JSON.stringify({ executionId: "x", event: "exploded" }));
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/event must be one of started, patch_ready/);
    const extra = await post(
      json,
      JSON.stringify({ executionId: "x", event: "started", channel: "C1" }),
    );
    expect(extra.status).toBe(400);
    expect(extra.body.error).toMatch(/channel/);
    const uri = await post(
      json,
      JSON.stringify({ executionId: "x", event: "patch_ready", patchUri: "file:///etc/passwd" }),
    );
    expect(uri.body.error).toMatch(/patchUri must be a kestra:\/\/\/ URI/);
  });

  it("202 and ignored for unknown executions and executions without Slack labels", async () => {
    const unknown = await post(
      json,
      JSON.stringify({ executionId: "doesNotExist1", event: "started" }),
    );
    expect(unknown).toEqual({ status: 202, body: { ok: true, ignored: "unknown execution" } });

    const form = new FormData();
    form.append("issue_url", ISSUE_URL);
    const res = await fetch(`${h.kestra.url}/api/v1/main/executions/dev.autofix/ai-issue-autofix`, {
      method: "POST",
      headers: {
        authorization: `Basic ${Buffer.from(`${h.env["KESTRA_USERNAME"]}:${h.env["KESTRA_PASSWORD"]}`).toString("base64")}`,
      },
      body: form,
    });
    const plain = (await res.json()) as { id: string };
    const before = h.slack.calls.length;
    const ignored = await post(json, JSON.stringify({ executionId: plain.id, event: "started" }));
    expect(ignored).toEqual({ status: 202, body: { ok: true, ignored: "no Slack labels" } });
    expect(h.slack.calls.length).toBe(before);
    expect(h.logs.join("")).toContain("notification ignored: not a Slack run");
  });

  it("503 while Kestra cannot be asked, so the flow's retry delivers it later", async () => {
    await h.command(ISSUE_URL);
    await h.slack.waitFor(() => h.kestra.executions.length > 0);
    const run = FlowDriver.latest(h);
    h.kestra.failNext(
      { method: "GET", path: `/api/v1/main/executions/${run.id}` },
      { status: 500 },
      3,
    );
    const res = await post(json, JSON.stringify({ executionId: run.id, event: "started" }));
    expect(res.status).toBe(503);
  });
});
