// The whole product on the REAL Kestra 2.0 engine, for the e2e suite: the engine with the product's
// flows verbatim, the bot as a process (`node src/main.ts`) talking to the engine through a
// recording proxy, Slack and GitHub fakes over HTTP, local bare git repositories the worker clones
// and pushes to, the `autofix` CLI (bin/autofix, Node 24) on the Process runner's PATH, and a
// scripted agent (AUTOFIX_AGENT_COMMAND).
//
// Exports:
//   startStack() -> Promise<Stack>
//   Stack { engine, bot, proxy, slack, sb, agent, kestra (a client straight to the engine),
//           issueUrl(n), command(text, fields?), click(input), ask(text, fields?), measures, close() }
//   ISSUES: the issue numbers of each case; CHANNEL, ALERTS, REQUESTER, APPROVER

import { performance } from "node:perf_hooks";
import type { KestraClient } from "../../src/kestra/client.ts";
import { type FakeSlack, startFakeSlack } from "../fakes/slack.ts";
// The harness's signing secret, so the App Home helpers (test/e2e/home-helpers.ts) sign for this bot.
import { SIGNING_SECRET } from "../support/harness.ts";
import { sendBlockAction, sendCommand } from "../support/slack-requests.ts";
import { createBareRepo, createSandbox, issueUrlOf, type Sandbox } from "../worker/helpers.ts";
import { type BotProcess, freePort, startBot } from "./bot-process.ts";
import { engineClient, NODE24_BIN, REPO_BIN, type RunningEngine, startEngine } from "./engine.ts";
import { type RecordingProxy, startRecordingProxy } from "./recording-proxy.ts";
import { type ScriptedAgent, writeScriptedAgent } from "./scripted-agent.ts";

export const CHANNEL = "C0GENERAL";
export const ALERTS = "C0ALERTS";
export const REQUESTER = "U0REQ";
export const APPROVER = "U0LEAD";
const WEBHOOK_TOKEN = "e2e-webhook-token-0123456789abcdef";

/** One issue per case, so that no run is refused as a duplicate of another. */
export const ISSUES = {
  approve: 1,
  reject: 2,
  fail: 3,
  cancel: 4,
  batch: [5, 6],
  /** Runs started outside Slack by the reconciler checks (f). */
  paused: 7,
  running: 8,
  /** Its PR's checks fail; Fix the failing checks pushes a second commit (i). */
  followUp: 9,
} as const;
export const BATCH_LABEL = "batchme";

export interface StackMeasures {
  /** The launcher's own measure (JVM start to ready). */
  engineStartupMs: number;
  /** startEngine() as the suite waits for it (includes the script and, once, the Maven build). */
  engineWaitMs: number;
  engineRssAtReadyKiB: number | undefined;
  botStartupMs: number;
}

export interface Stack {
  engine: RunningEngine;
  bot: BotProcess;
  proxy: RecordingProxy;
  slack: FakeSlack;
  sb: Sandbox;
  agent: ScriptedAgent;
  /** Straight to the engine (not through the proxy): what Kestra holds. */
  kestra: KestraClient;
  measures: StackMeasures;
  issueUrl(n: number): string;
  command(text: string, fields?: Record<string, string>): ReturnType<typeof sendCommand>;
  click(input: Parameters<typeof sendBlockAction>[2]): ReturnType<typeof sendBlockAction>;
  /** `/autofix <text>` and the first answer posted to its response_url. */
  ask(text: string, fields?: Record<string, string>): Promise<{ text: string; json: string }>;
  close(): Promise<void>;
}

const b64 = (s: string) => Buffer.from(s).toString("base64");

export async function startStack(): Promise<Stack> {
  const sb = await createSandbox();
  const closers: (() => Promise<unknown>)[] = [() => sb.close()];
  try {
    sb.github.addRepo("acme", "api");
    const titles: Record<number, string> = {
      [ISSUES.approve]: "Greeting says world",
      [ISSUES.reject]: "Greeting is too loud",
      [ISSUES.fail]: "Greeting crashes the agent",
      [ISSUES.cancel]: "Greeting takes forever",
      [ISSUES.paused]: "Greeting waits for a decision",
      [ISSUES.running]: "Greeting never ends",
      [ISSUES.followUp]: "Greeting fails its checks",
    };
    for (const [n, title] of Object.entries(titles)) {
      sb.github.addIssue("acme", "api", { number: Number(n), title, labels: ["bug"] });
    }
    for (const n of ISSUES.batch) {
      sb.github.addIssue("acme", "api", {
        number: n,
        title: `Batch greeting ${n}`,
        labels: [BATCH_LABEL],
      });
    }
    await createBareRepo(sb, "acme", "api");
    const agent = await writeScriptedAgent(sb.dir);

    const slack = await startFakeSlack();
    closers.push(() => slack.close());
    slack.addUser(APPROVER, { name: "lead", realName: "Le Ad" });

    const botPort = await freePort();
    const waitStarted = performance.now();
    const engine = await startEngine({
      pathPrepend: [NODE24_BIN, REPO_BIN],
      env: {
        SECRET_AUTOFIX_WEBHOOK_TOKEN: b64(WEBHOOK_TOKEN),
        SECRET_GITHUB_READ_TOKEN: b64(sb.github.token),
        SECRET_GITHUB_PR_TOKEN: b64(sb.github.token),
        SECRET_OPENAI_API_KEY: b64("sk-e2e-unused"),
        ENV_AUTOFIX_BOT_URL: `http://127.0.0.1:${botPort}`,
        ENV_GITHUB_API_URL: sb.github.url,
        // Not in any task's `env:`: the Process runner passes the JVM's environment on.
        AUTOFIX_CLONE_URL: sb.cloneUrl,
        AUTOFIX_AGENT_COMMAND: agent.command,
      },
    });
    closers.push(() => engine.stop());
    const engineWaitMs = Math.round(performance.now() - waitStarted);
    const engineRssAtReadyKiB = await engine.rssKiB();

    const proxy = await startRecordingProxy(engine.url);
    closers.push(() => proxy.close());

    const botStarted = performance.now();
    const bot = await startBot({
      PORT: String(botPort),
      LOG_LEVEL: "debug",
      SLACK_BOT_TOKEN: slack.botToken,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.apiUrl,
      KESTRA_URL: proxy.url,
      KESTRA_USERNAME: engine.username,
      KESTRA_PASSWORD: engine.password,
      // The engine may take a few seconds to confirm an action on 2 busy cores.
      KESTRA_TIMEOUT_MS: "30000",
      AUTOFIX_WEBHOOK_TOKEN: WEBHOOK_TOKEN,
      GITHUB_TOKEN: sb.github.token,
      GITHUB_API_URL: sb.github.url,
      AUTOFIX_ALERT_CHANNEL: ALERTS,
      AUTOFIX_APPROVERS: APPROVER,
      // The repository the setup check tries the tokens on (h).
      AUTOFIX_DEFAULT_REPO: "acme/api",
      // Only the start-up pass: every change below must come from the flows' notifications.
      AUTOFIX_RECONCILE_INTERVAL_SECONDS: "0",
      // The PR follower looks at the GitHub fake every second (i).
      AUTOFIX_PR_POLL_SECONDS: "1",
    });
    closers.push(() => bot.stop());
    const botStartupMs = Math.round(performance.now() - botStarted);

    const kestra = engineClient(engine, "dev.autofix");

    const command = (text: string, fields: Record<string, string> = {}) =>
      sendCommand(bot.url, SIGNING_SECRET, {
        text,
        channel_id: CHANNEL,
        user_id: REQUESTER,
        response_url: slack.responseUrl(),
        ...fields,
      });
    return {
      engine,
      bot,
      proxy,
      slack,
      sb,
      agent,
      kestra,
      measures: {
        engineStartupMs: engine.startupMs,
        engineWaitMs,
        engineRssAtReadyKiB,
        botStartupMs,
      },
      issueUrl: (n) => issueUrlOf(sb, "acme", "api", n),
      command,
      click: (input) => sendBlockAction(bot.url, SIGNING_SECRET, input),
      async ask(text, fields = {}) {
        const url = slack.responseUrl();
        const ack = await command(text, { response_url: url, ...fields });
        if (ack.status !== 200) throw new Error(`/autofix ${text} answered ${ack.status}`);
        const body = (await slack.waitFor(() => slack.responses(url)[0], {
          timeoutMs: 30_000,
          description: `answer to /autofix ${text}`,
        })) as { text: string };
        return { ...body, json: JSON.stringify(body) };
      },
      async close() {
        for (const close of closers.reverse()) await close().catch(() => undefined);
      },
    };
  } catch (err) {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    throw err;
  }
}
