import { afterEach, expect, it } from "vitest";
import { startFakeKestra } from "../fakes/kestra.ts";
import { startFakeSlack } from "../fakes/slack.ts";
import { type MainProcess, startMain } from "../support/main-process.ts";

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.allSettled(closers.splice(0).map((c) => c()));
});

const KESTRA_USER = "admin@kestra.io";
const KESTRA_PASSWORD = "Kestra-Pass-123";
const WEBHOOK_TOKEN = "main-webhook-token-0123456789";

/** The real entry point against fake Slack and Kestra, in HTTP mode. */
async function startWithFakes(env: Record<string, string> = {}) {
  const slack = await startFakeSlack();
  const kestra = await startFakeKestra({ username: KESTRA_USER, password: KESTRA_PASSWORD });
  closers.push(
    () => slack.close(),
    () => kestra.close(),
  );
  const p = startMain({
    PORT: "0",
    SLACK_BOT_TOKEN: slack.botToken,
    SLACK_SIGNING_SECRET: "main-signing-secret-123",
    SLACK_API_URL: slack.apiUrl,
    KESTRA_URL: kestra.url,
    KESTRA_USERNAME: KESTRA_USER,
    KESTRA_PASSWORD,
    AUTOFIX_WEBHOOK_TOKEN: WEBHOOK_TOKEN,
    AUTOFIX_RECONCILE_INTERVAL_SECONDS: "0",
    ...env,
  });
  closers.push(async () => {
    p.child.kill("SIGKILL");
  });
  return { slack, kestra, p };
}

function notify(port: number, executionId: string) {
  return fetch(`http://127.0.0.1:${port}/kestra/events`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${WEBHOOK_TOKEN}` },
    body: JSON.stringify({ executionId, event: "started" }),
  });
}

it("refuses to start on bad configuration, listing every problem with how to fix it", async () => {
  const p = startMain({ SLACK_BOT_TOKEN: "xoxp-user", PORT: "web" });
  expect(await p.exited).toBe(2);
  const err = p.err();
  expect(err).toContain("autofix-slack cannot start.");
  for (const field of [
    "SLACK_BOT_TOKEN must be a bot token",
    "PORT",
    "SLACK_SIGNING_SECRET",
    "KESTRA_URL",
    "KESTRA_USERNAME",
    "KESTRA_PASSWORD",
    "AUTOFIX_WEBHOOK_TOKEN",
  ]) {
    expect(err).toContain(field);
  }
  expect(p.out()).toBe("");
});

it("starts, serves /healthz, logs no secret, and stops cleanly on SIGTERM", async () => {
  const { slack, p } = await startWithFakes();
  const port = await p.port();
  expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
  p.child.kill("SIGTERM");
  expect(await p.exited).toBe(0);
  const logs = p.out() + p.err();
  expect(logs).toContain("shutting down");
  for (const secret of [
    slack.botToken,
    "main-signing-secret-123",
    KESTRA_PASSWORD,
    WEBHOOK_TOKEN,
  ]) {
    expect(logs).not.toContain(secret);
  }
});

it("on SIGTERM with a notification stuck on a Kestra read, ends the wait, answers 503 and exits 0 inside Docker's 10 s grace period", async () => {
  // Kestra's timeout is longer than the grace period: only the shutdown can end the read's wait.
  const { kestra, p } = await startWithFakes({ KESTRA_TIMEOUT_MS: "60000" });
  const port = await p.port();
  const read = { method: "GET", path: "/api/v1/main/executions/SlowRead1" };
  kestra.failNext(read, "timeout");
  const answer = notify(port, "SlowRead1");
  await waitUntil(() => kestra.requests.some((r) => r.fault === "timeout"), p);

  p.child.kill("SIGTERM");
  // The bound is the requirement (Docker kills at 10 s), so it is asserted as a limit on the exit.
  expect(await p.exitWithin(10_000)).toBe(0);
  const res = await answer;
  expect(res.status).toBe(503);
  expect(res.headers.get("retry-after")).toBe("5");
  expect(p.out()).toContain("work still running at shutdown");
}, 30_000);

async function waitUntil(done: () => boolean, p: MainProcess): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`condition not met:\n${p.out()}\n${p.err()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
