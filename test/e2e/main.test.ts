import { spawn } from "node:child_process";
import { afterEach, expect, it } from "vitest";
import { startFakeKestra } from "../fakes/kestra.ts";
import { startFakeSlack } from "../fakes/slack.ts";

// `npm start` is `node src/main.ts`: the real entry point, as a process.
const MAIN = new URL("../../src/main.ts", import.meta.url).pathname;
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.allSettled(closers.splice(0).map((c) => c()));
});

function start(env: Record<string, string>) {
  const child = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env["PATH"] ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => {
    stdout += String(d);
  });
  child.stderr.on("data", (d) => {
    stderr += String(d);
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, exited, out: () => stdout, err: () => stderr };
}

it("refuses to start on bad configuration, listing every problem with how to fix it", async () => {
  const p = start({ SLACK_BOT_TOKEN: "xoxp-user", PORT: "web" });
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
  const slack = await startFakeSlack();
  const kestra = await startFakeKestra({
    username: "admin@kestra.io",
    password: "Kestra-Pass-123",
  });
  closers.push(
    () => slack.close(),
    () => kestra.close(),
  );
  const p = start({
    PORT: "0",
    SLACK_BOT_TOKEN: slack.botToken,
    SLACK_SIGNING_SECRET: "main-signing-secret-123",
    SLACK_API_URL: slack.apiUrl,
    KESTRA_URL: kestra.url,
    KESTRA_USERNAME: "admin@kestra.io",
    KESTRA_PASSWORD: "Kestra-Pass-123",
    AUTOFIX_WEBHOOK_TOKEN: "main-webhook-token-0123456789",
    AUTOFIX_RECONCILE_INTERVAL_SECONDS: "0",
  });
  closers.push(async () => {
    p.child.kill("SIGKILL");
  });
  const deadline = Date.now() + 10_000;
  let port: number | undefined;
  while (port === undefined && Date.now() < deadline) {
    const line = p
      .out()
      .split("\n")
      .find((l) => l.includes("autofix-slack is up"));
    if (line) port = (JSON.parse(line) as { port: number }).port;
    else await new Promise((r) => setTimeout(r, 50));
  }
  expect(port).toBeGreaterThan(0);
  expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
  p.child.kill("SIGTERM");
  expect(await p.exited).toBe(0);
  const logs = p.out() + p.err();
  expect(logs).toContain("shutting down");
  for (const secret of [
    slack.botToken,
    "main-signing-secret-123",
    "Kestra-Pass-123",
    "main-webhook-token-0123456789",
  ]) {
    expect(logs).not.toContain(secret);
  }
});
