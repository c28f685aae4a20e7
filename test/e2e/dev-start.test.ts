// `npm start` and `npm run dev`, run as the user runs them (their scripts, a real process).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { startFakeKestra } from "../fakes/kestra.ts";
import { startFakeSlack } from "../fakes/slack.ts";
import { startMain } from "../support/main-process.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const START = join(ROOT, "scripts/start.mjs");
const DEV = join(ROOT, "scripts/dev.mjs");
const KESTRA_USER = "admin@kestra.io";
const KESTRA_PASSWORD = "Kestra-Pass-123";

const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  await Promise.allSettled(closers.splice(0).map((c) => c()));
});

/** Node as if it were `version`: the check runs before anything else is loaded. */
const asNode = (version: string) =>
  `data:text/javascript,Object.defineProperty(process.versions,"node",{value:"${version}"})`;

it("npm start on a Node older than 24 says what it needs, not ERR_UNKNOWN_FILE_EXTENSION", async () => {
  const p = startMain({}, { argv: ["--import", asNode("22.11.0"), START] });
  expect(await p.exitWithin(10_000)).toBe(1);
  expect(p.err()).toContain("autofix-slack needs Node 24 or later; this is Node 22.11.0.");
  expect(p.err()).not.toContain("ERR_UNKNOWN_FILE_EXTENSION");
});

it("npm run dev without a .env says to run scripts/make-env.sh", async () => {
  const dir = mkdtempSync(join(tmpdir(), "dev-"));
  closers.push(() => rmSync(dir, { recursive: true, force: true }));
  const p = startMain({ AUTOFIX_ENV_FILE: join(dir, ".env") }, { argv: [DEV] });
  expect(await p.exitWithin(10_000)).toBe(2);
  expect(p.err()).toContain("yet: run scripts/make-env.sh first");
});

it("npm run dev reads .env, reaches the Kestra published on KESTRA_PORT, and logs readable lines in a terminal", async () => {
  const slack = await startFakeSlack();
  const kestra = await startFakeKestra({ username: KESTRA_USER, password: KESTRA_PASSWORD });
  closers.push(
    () => slack.close(),
    () => kestra.close(),
  );
  const dir = mkdtempSync(join(tmpdir(), "dev-"));
  closers.push(() => rmSync(dir, { recursive: true, force: true }));
  const envFile = join(dir, ".env");
  // As make-env.sh leaves it: compose's values, no KESTRA_URL (compose sets that for the bot).
  writeFileSync(
    envFile,
    [
      `SLACK_BOT_TOKEN=${slack.botToken}`,
      "SLACK_SIGNING_SECRET=dev-signing-secret-0123",
      `KESTRA_USERNAME=${KESTRA_USER}`,
      `KESTRA_PASSWORD=${KESTRA_PASSWORD}`,
      `KESTRA_PORT=${new URL(kestra.url).port}`,
      "AUTOFIX_WEBHOOK_TOKEN=dev-webhook-token-0123456789",
      "KESTRA_PUBLIC_URL=",
      "SECRET_OPENAI_API_KEY=c2stbm90LXJlYWw=",
      "",
    ].join("\n"),
  );
  // A terminal: `script` gives the process a pty, as when a person types npm run dev.
  const p = startMain(
    {
      AUTOFIX_ENV_FILE: envFile,
      SLACK_API_URL: slack.apiUrl,
      PORT: "0",
      AUTOFIX_RECONCILE_INTERVAL_SECONDS: "0",
    },
    { command: "script", argv: ["-qec", `"${process.execPath}" "${DEV}"`, "/dev/null"] },
  );
  closers.push(() => {
    p.child.kill("SIGKILL");
  });
  const port = await p.port(20_000);
  expect(p.out()).toMatch(/^\d\d:\d\d:\d\d INFO {2}autofix-slack is up port=\d+ mode=http/m);
  expect(p.out()).not.toMatch(/^\{"level"/m);
  // KESTRA_URL came from KESTRA_PORT: the readiness check reached this Kestra.
  const deadline = Date.now() + 15_000;
  let ready: { versions?: { kestra?: string } } = {};
  while (Date.now() < deadline && !ready.versions?.kestra) {
    const res = await fetch(`http://127.0.0.1:${port}/readyz`);
    ready = (await res.json()) as typeof ready;
    if (!ready.versions?.kestra) await new Promise((r) => setTimeout(r, 200));
  }
  expect(ready.versions?.kestra).toMatch(/^2\./);
});
