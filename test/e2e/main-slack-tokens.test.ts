// Tokens Slack refuses at start-up stop `node src/main.ts` like any configuration error: exit 2
// and one message naming the variable, instead of a stack trace or a reconnect loop.
import { afterEach, expect, it } from "vitest";
import { startFakeKestra } from "../fakes/kestra.ts";
import { type FakeSlack, startFakeSlack } from "../fakes/slack.ts";
import { startMain } from "../support/main-process.ts";

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.allSettled(closers.splice(0).map((c) => c()));
});

const KESTRA = { username: "admin@kestra.io", password: "Kestra-Pass-123" };

async function main(
  env: (slack: FakeSlack) => Record<string, string>,
  setup = (_: FakeSlack) => {},
) {
  const slack = await startFakeSlack();
  const kestra = await startFakeKestra(KESTRA);
  closers.push(
    () => slack.close(),
    () => kestra.close(),
  );
  setup(slack);
  const p = startMain({
    PORT: "0",
    SLACK_BOT_TOKEN: slack.botToken,
    SLACK_SIGNING_SECRET: "main-signing-secret-123",
    SLACK_API_URL: slack.apiUrl,
    KESTRA_URL: kestra.url,
    KESTRA_USERNAME: KESTRA.username,
    KESTRA_PASSWORD: KESTRA.password,
    AUTOFIX_WEBHOOK_TOKEN: "main-webhook-token-0123456789",
    AUTOFIX_RECONCILE_INTERVAL_SECONDS: "0",
    ...env(slack),
  });
  closers.push(async () => {
    p.child.kill("SIGKILL");
  });
  return { slack, p };
}

const WRONG_BOT = "xoxb-not-the-workspace-token-1";
const WRONG_APP = "xapp-1-A0APP-not-the-app-token";

it.each([
  ["invalid_auth", { SLACK_BOT_TOKEN: WRONG_BOT }, undefined],
  ["token_revoked", {}, "token_revoked"],
  ["account_inactive", {}, "account_inactive"],
] as const)(
  "a bot token Slack refuses (%s) stops it with exit 2 and a message naming SLACK_BOT_TOKEN",
  async (code, env, injected) => {
    const { p } = await main(
      () => env,
      (slack) => injected && slack.failNext("auth.test", injected),
    );
    expect(await p.exitWithin(10_000)).toBe(2);
    const err = p.err();
    expect(err).toContain("autofix-slack cannot start.");
    expect(err).toMatch(
      new RegExp(`SLACK_BOT_TOKEN was refused by Slack \\(${code}\\b.*OAuth & Permissions`),
    );
    expect(err).toContain("See the configuration table in README.md.");
    expect(err).not.toMatch(/^\s+at /m);
    expect(p.out() + err).not.toContain(WRONG_BOT);
    expect(p.out()).not.toContain("autofix-slack is up");
  },
  20_000,
);

it.each([
  ["invalid_auth", { SLACK_APP_TOKEN: WRONG_APP }, undefined],
  // The SDK retries these two forever; they never get better.
  ["token_revoked", {}, "token_revoked"],
  ["not_allowed_token_type", {}, "not_allowed_token_type"],
] as const)(
  "an app-level token Slack refuses (%s) stops it with exit 2 and a message naming SLACK_APP_TOKEN",
  async (code, env, injected) => {
    const { p } = await main(
      (slack) => ({ SLACK_APP_TOKEN: slack.appToken, ...env }),
      (slack) => injected && slack.failNext("apps.connections.open", injected),
    );
    expect(await p.exitWithin(10_000)).toBe(2);
    const err = p.err();
    expect(err).toContain("autofix-slack cannot start.");
    expect(err).toMatch(
      new RegExp(`SLACK_APP_TOKEN was refused by Slack \\(${code}\\b.*App-Level Tokens`),
    );
    expect(err).not.toContain("SLACK_BOT_TOKEN");
    expect(err).not.toMatch(/^\s+at /m);
    expect(p.out() + err).not.toContain(WRONG_APP);
    expect(p.out()).not.toContain("autofix-slack is up");
  },
  20_000,
);

it("with a good app-level token, connects over Socket Mode, serves /healthz and stops on SIGTERM", async () => {
  const { slack, p } = await main((s) => ({ SLACK_APP_TOKEN: s.appToken }));
  const port = await p.port();
  expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
  await slack.waitFor(() => slack.socketMode.open === 1, { description: "connected" });
  p.child.kill("SIGTERM");
  expect(await p.exitWithin(10_000)).toBe(0);
  const up = p
    .out()
    .split("\n")
    .find((l) => l.includes("autofix-slack is up"));
  expect(JSON.parse(up ?? "{}")).toMatchObject({ mode: "socket" });
}, 20_000);

it("a Slack it cannot reach at start-up: /healthz answers meanwhile, then a plain message and exit 2", async () => {
  const { p } = await main(() => ({
    // Nothing listens there.
    SLACK_API_URL: "http://127.0.0.1:9/api/",
    SLACK_START_TIMEOUT_SECONDS: "3",
    PORT: "0",
  }));
  // The HTTP server is up before Slack answers: find its port in the log and ask /healthz.
  const port = await (async () => {
    for (let i = 0; i < 100; i++) {
      const line = p
        .out()
        .split("\n")
        .find((l) => l.includes("checking the bot token"));
      const listening = p
        .out()
        .split("\n")
        .find((l) => l.includes('"listening"'));
      if (line && listening) return (JSON.parse(listening) as { port: number }).port;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`no listening line:\n${p.out()}`);
  })();
  expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
  expect(await p.exitWithin(15_000)).toBe(2);
  expect(p.err()).toContain("autofix-slack cannot start.");
  expect(p.err()).toMatch(/cannot reach Slack at http:\/\/127\.0\.0\.1:9\/api\//);
  expect(p.err()).not.toMatch(/\n\s+at /);
});
