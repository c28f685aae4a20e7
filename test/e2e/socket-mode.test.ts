// Socket Mode through the real app: the fake Slack's WebSocket decides when the bot is connected,
// and /readyz (HTTP) must follow it; Slack's requests arrive and are acked over the socket.
import { afterEach, expect, it } from "vitest";
import { eventually } from "../support/eventually.ts";
import { CHANNEL, type Harness, REQUESTER, startHarness } from "../support/harness.ts";

let h: Harness;
afterEach(async () => h?.close());

interface Readiness {
  status: number;
  body: { ok: boolean; checks: Record<string, string>; versions?: Record<string, string> };
}

async function readyz(): Promise<Readiness> {
  const res = await fetch(`${h.url}/readyz`);
  return { status: res.status, body: (await res.json()) as Readiness["body"] };
}

/** Polls /readyz until it answers `status` (or fails after 5 s with the last answer). */
async function readyzBecomes(status: number, socketMode?: string): Promise<Readiness> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const r = await readyz();
    const checked = r.body.checks["kestra"] !== "checking" && r.body.checks["slack"] !== "checking";
    if (
      checked &&
      r.status === status &&
      (!socketMode || r.body.checks["socketMode"] === socketMode)
    )
      return r;
    if (Date.now() > deadline) throw new Error(`/readyz stayed ${JSON.stringify(r)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const checks = (socketMode: string) => ({ kestra: "ok", slack: "ok", socketMode });

it("/readyz is 503 until Slack's hello, 200 once connected, 503 while reconnecting after a drop, 200 again", async () => {
  h = await startHarness({ socketMode: true, start: false, readinessIntervalMs: 100 });
  h.slack.socketMode.holdHello = true;
  await h.startNewApp();
  await h.slack.waitFor(() => h.slack.socketMode.waitingForHello === 1, {
    description: "the bot opened the WebSocket",
  });
  expect(await readyzBecomes(503, "connecting")).toEqual({
    status: 503,
    body: { ok: false, checks: checks("connecting"), versions: { kestra: "2.0.0" } },
  });

  expect(h.slack.socketMode.sendHello()).toBe(1);
  expect(await readyzBecomes(200)).toEqual({
    status: 200,
    body: { ok: true, checks: checks("ok"), versions: { kestra: "2.0.0" } },
  });

  expect(h.slack.socketMode.drop()).toBe(1);
  expect((await readyzBecomes(503)).body).toMatchObject({
    ok: false,
    checks: checks("reconnecting"),
  });
  // The bot reconnects by itself; until Slack says hello on the new socket it is still not ready.
  await h.slack.waitFor(() => h.slack.socketMode.waitingForHello === 1, {
    description: "the bot reconnected",
  });
  expect((await readyz()).body).toMatchObject({ ok: false, checks: checks("reconnecting") });

  expect(h.slack.socketMode.sendHello()).toBe(1);
  expect((await readyzBecomes(200)).body).toMatchObject({ ok: true, checks: checks("ok") });
});

it("a token Slack refuses while reconnecting (revoked) is not retried: /readyz says refused, the log says why", async () => {
  h = await startHarness({ socketMode: true, readinessIntervalMs: 100 });
  await readyzBecomes(200);
  h.slack.failNext("apps.connections.open", "token_revoked");
  h.slack.socketMode.drop();
  expect((await readyzBecomes(503, "refused")).body).toEqual({
    ok: false,
    checks: checks("refused"),
    versions: { kestra: "2.0.0" },
  });
  expect(h.logs.join("")).toContain("Slack refused SLACK_APP_TOKEN");
});

it("answers a slash command delivered over the socket with an ack on the socket", async () => {
  h = await startHarness({ socketMode: true, readinessIntervalMs: 100 });
  await h.slack.waitFor(
    () => h.slack.socketMode.open === 1 && h.slack.socketMode.waitingForHello === 0,
  );
  expect((await readyzBecomes(200)).body.checks["socketMode"]).toBe("ok");
  const id = h.slack.socketMode.deliver("slash_commands", {
    token: "legacy-verification-token",
    team_id: h.slack.teamId,
    channel_id: CHANNEL,
    user_id: REQUESTER,
    command: "/autofix",
    text: "help",
    api_app_id: "A0APP",
    response_url: h.slack.responseUrl(),
    trigger_id: h.slack.issueTriggerId(),
  });
  const ack = await h.slack.waitFor(() =>
    h.slack.socketMode.acks.find((a) => a.envelope_id === id),
  );
  expect(ack.payload).toMatchObject({
    response_type: "ephemeral",
    text: expect.stringContaining("/autofix"),
  });
});

it("a socket Slack never says hello on is given up and another opened, until one is greeted", async () => {
  h = await startHarness({
    socketMode: true,
    start: false,
    readinessIntervalMs: 100,
    socketHelloTimeoutMs: 300,
  });
  h.slack.socketMode.holdHello = true;
  await h.startNewApp();
  const opens = () => h.slack.calls.filter((c) => c.method === "apps.connections.open").length;
  await h.slack.waitFor(() => opens() >= 2, {
    description: "a second socket after the silent one",
    timeoutMs: 8000,
  });
  expect(h.logs.join("")).toContain("Slack never said hello on the Socket Mode connection");
  // Slack greets again: the socket waiting now, or the next one the bot opens, is greeted.
  h.slack.socketMode.holdHello = false;
  h.slack.socketMode.sendHello();
  const ready = await eventually(
    async () => {
      const r = await readyz();
      return r.status === 200 ? r : undefined;
    },
    { timeoutMs: 8000, description: "/readyz 200 after a greeted socket" },
  );
  expect(ready.body.checks["socketMode"]).toBe("ok");
});
