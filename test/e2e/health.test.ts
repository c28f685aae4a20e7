import { afterEach, expect, it } from "vitest";
import { eventually } from "../support/eventually.ts";
import { ALERTS, type Harness, startHarness } from "../support/harness.ts";

let h: Harness;
afterEach(async () => h?.close());

async function readyz(): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${h.url}/readyz`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

it("/healthz is up; /readyz tells whether Kestra and Slack answer, and Kestra's version", async () => {
  h = await startHarness({ readinessIntervalMs: 100 });
  expect((await fetch(`${h.url}/healthz`)).status).toBe(200);
  const ready = await eventually(async () => {
    const r = await readyz();
    return r.status === 200 ? r : undefined;
  });
  expect(ready.body).toEqual({
    ok: true,
    checks: { kestra: "ok", slack: "ok" },
    versions: { kestra: "2.0.0" },
  });
  expect(h.logs.some((l) => l.includes('"kestraVersion":"2.0.0"'))).toBe(true);
});

it("/readyz is 503 and names Kestra when Kestra is down, answered at once from the last check", async () => {
  h = await startHarness({ readinessIntervalMs: 100 });
  await eventually(async () => (await readyz()).status === 200);
  await h.kestra.close();
  const down = await eventually(async () => {
    const r = await readyz();
    return (r.body["checks"] as Record<string, string>)["kestra"] !== "ok" ? r : undefined;
  });
  expect(down.status).toBe(503);
  expect(down.body).toEqual({ ok: false, checks: { kestra: "unreachable", slack: "ok" } });
});

it("a Kestra that is not 2.x is named in the log, in /readyz and once in the alerts channel", async () => {
  h = await startHarness({ kestraVersion: "1.3.5", readinessIntervalMs: 100 });
  const down = await eventually(async () => {
    const r = await readyz();
    return (r.body["checks"] as Record<string, string>)["kestra"] !== "checking" ? r : undefined;
  });
  expect(down.status).toBe(503);
  expect(down.body["checks"]).toEqual({ kestra: "version 1.3.5 is not 2.x", slack: "ok" });
  const alert = await h.slack.waitFor(() => h.slack.channelMessages(ALERTS)[0]);
  expect(alert.text).toContain("Kestra 1.3.5 is not a 2.x server");
  // Checked again and again (every 100 ms here), said once.
  await h.slack.waitFor(() => h.logs.filter((l) => l.includes("is not a 2.x server")).length >= 3);
  expect(h.slack.channelMessages(ALERTS)).toHaveLength(1);
});

it("/healthz fails while work has not moved past its bound (an orchestrator restarts the bot), and recovers", async () => {
  h = await startHarness({ stuckAfterMs: 300 });
  const { startedRun } = await import("../support/scenarios.ts");
  const { run } = await startedRun(h);
  // Kestra stops answering the execution read: the notification's sync hangs until the timeout.
  h.kestra.failNext({ method: "GET", path: `/api/v1/main/executions/${run.id}` }, "timeout");
  const late = h.notify({ executionId: run.id, event: "started" });
  const stuck = await eventually(async () => {
    const res = await fetch(`${h.url}/healthz`);
    return res.status === 503 ? ((await res.json()) as Record<string, unknown>) : undefined;
  });
  expect(stuck["checks"]).toMatchObject({
    work: expect.stringMatching(/^stuck: work has run \d+ s$/),
  });
  expect((await late).status).toBe(503);
  await eventually(async () => (await fetch(`${h.url}/healthz`)).status === 200);
});

it("a listener that throws reaches the app's error handler: logged with its message and stack", async () => {
  h = await startHarness();
  h.app.bolt.command("/boom", async ({ ack }) => {
    await ack();
    throw new Error("listener exploded");
  });
  await h.app.bolt.processEvent({
    body: {
      command: "/boom",
      text: "",
      team_id: h.slack.teamId,
      user_id: "U0REQ",
      channel_id: "C0GENERAL",
      response_url: h.slack.responseUrl(),
      trigger_id: "t",
    },
    ack: async () => {},
  });
  const line = await h.slack.waitFor(() =>
    h.logs
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l["msg"] === "a Slack listener failed"),
  );
  expect(line["err"]).toMatchObject({
    message: "listener exploded",
    stack: expect.stringContaining("listener exploded"),
  });
});
