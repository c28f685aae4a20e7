import { setTimeout as sleep } from "node:timers/promises";
import { BATCH_FLOW_ID, LABELS, SINGLE_FLOW_ID, TASKS } from "../../src/contracts/flow.ts";
import { ACTIONS } from "../../src/slack/ids.ts";
import type { FakeExecution } from "../fakes/kestra.ts";
import type { FakeMessage } from "../fakes/slack.ts";
import { CHANNEL, REQUESTER, SIGNING_SECRET } from "../support/harness.ts";
import { sendBlockAction, sendCommand } from "../support/slack-requests.ts";
import { BatchRun, type Deliver, FlowRun, PATCH } from "./flow.ts";
import { type Expected, finalText, liveButtons, type Played } from "./verdict.ts";
import { DRIVER_HEADER, type World } from "./world.ts";

// The ten runs both suites play: what Kestra does (FlowRun, BatchRun) and what the user does (a
// command, then a click on the buttons while they are live), against whichever bot process(es)
// the suite runs.

export type Scenario = "approve" | "reject" | "failure" | "batch-dry" | "batch-pr";

export const SCENARIOS: readonly Scenario[] = [
  "approve",
  "reject",
  "failure",
  "batch-dry",
  "approve",
  "failure",
  "batch-pr",
  "approve",
  "reject",
  "approve",
];

/** How the suite reaches its bot(s). */
export interface Player {
  deliver: Deliver;
  /** A bot's URL for something a person does (a command, a click). */
  userUrl(): Promise<string>;
  /** Where one click goes: one bot, or (a double click across replicas) several at once. */
  clickUrls?(): Promise<string[]>;
  /** Called once the run's execution exists (kills of the run's middle are armed from here). */
  onExecution?(): void;
}

const SETTLE_MS = 30_000;
const CLICK_AGAIN_MS = 2000;

export async function play(
  w: World,
  p: Player,
  scenario: Scenario,
  issues: number[],
): Promise<Played> {
  const started = Date.now();
  const played = await playOne(w, p, scenario, issues);
  return { ...played, ms: Date.now() - started };
}

async function playOne(w: World, p: Player, scenario: Scenario, issues: number[]): Promise<Played> {
  if (scenario === "batch-dry" || scenario === "batch-pr") return playBatch(w, p, scenario, issues);
  const issue = issues[0] ?? 0;
  const exec = await command(
    w,
    p,
    `https://github.com/acme/api/issues/${issue}`,
    (e) => e.flowId === SINGLE_FLOW_ID && label(e, LABELS.issue) === String(issue),
  );
  p.onExecution?.();
  const rootTs = label(exec, LABELS.ts) ?? "";
  const run = new FlowRun(w.kestra, exec.id, p.deliver);
  await run.started();
  const expected: Expected = { id: exec.id, issue, outcome: "failed" };
  let clicks = 0;
  if (scenario === "failure") {
    await run.fail(TASKS.fix, ["agent exited with status 1: the model refused the task"]);
  } else {
    await run.patchReady(PATCH(issue), { pause: true });
    const verdict = scenario === "approve" ? "approve" : "reject";
    const decided = await decide(w, p, exec.id, verdict, () => w.slack.message(CHANNEL, rootTs));
    clicks = decided.clicks;
    expected.verdict = verdict;
    if (!decided.applied) {
      expected.outcome = scenario === "approve" ? "pr" : "rejected";
      return { rootTs, runs: [expected], clicks };
    }
    if (verdict === "approve") {
      expected.outcome = "pr";
      // create_pr opened it on GitHub: the bot follows it there.
      expected.prUrl = w.github.addPull("acme", "api", { head: `autofix/issue-${issue}` }).htmlUrl;
      await run.prCreated(expected.prUrl);
    } else {
      expected.outcome = "rejected";
      await run.finished();
    }
  }
  const text = finalText(expected.outcome);
  await settle(() => w.slack.message(CHANNEL, rootTs)?.text.endsWith(text));
  return { rootTs, runs: [expected], clicks };
}

async function playBatch(
  w: World,
  p: Player,
  scenario: "batch-dry" | "batch-pr",
  issues: number[],
): Promise<Played> {
  const prs = scenario === "batch-pr";
  const exec = await command(
    w,
    p,
    `batch acme/api label:bug max:${issues.length}${prs ? " pr" : ""}`,
    (e) => e.flowId === BATCH_FLOW_ID,
  );
  p.onExecution?.();
  const rootTs = label(exec, LABELS.ts) ?? "";
  const batch = new BatchRun(w.kestra, exec.id, p.deliver);
  await batch.listed(issues.map((number) => ({ number, title: `Issue ${number}` })));
  const children: { run: FlowRun; expected: Expected }[] = [];
  for (const number of issues) {
    const run = await batch.child({ number, title: `Issue ${number}` }, prs, p.deliver);
    await run.started();
    await run.patchReady(PATCH(number), { pause: prs });
    children.push({ run, expected: { id: run.id, issue: number, outcome: "dry" } });
  }
  let clicks = 0;
  for (const [i, { run, expected }] of children.entries()) {
    if (!prs) {
      await run.end("SUCCESS");
      continue;
    }
    // The first child is approved, the others rejected, each from its own buttons in the thread.
    const verdict = i === 0 ? "approve" : "reject";
    expected.verdict = verdict;
    const buttonsOf = () =>
      w.slack
        .thread(CHANNEL, rootTs)
        .find((m) => liveButtons(m) && JSON.stringify(m.blocks ?? []).includes(`"${run.id}"`));
    const decided = await decide(w, p, run.id, verdict, buttonsOf, rootTs);
    clicks += decided.clicks;
    expected.outcome = verdict === "approve" ? "pr" : "rejected";
    if (!decided.applied) continue;
    if (verdict === "approve") {
      expected.prUrl = w.github.addPull("acme", "api", {
        head: `autofix/issue-${expected.issue}`,
      }).htmlUrl;
      await run.prCreated(expected.prUrl);
    } else {
      await run.finished();
    }
  }
  await batch.finished();
  const runs = children.map((c) => c.expected);
  await settle(() => {
    const digest = JSON.stringify(w.slack.message(CHANNEL, rootTs)?.blocks ?? []);
    return (
      /\*Finished: [^*]+\*/.test(digest) &&
      runs.every((r) =>
        digest.includes(`acme/api#${r.issue}> Issue ${r.issue} — ${finalText(r.outcome)} ·`),
      )
    );
  });
  return { rootTs, batchId: exec.id, runs, clicks };
}

/** `/autofix …` from the requester; resolves with the execution it started. */
export async function command(
  w: World,
  p: Player,
  text: string,
  isIt: (e: FakeExecution) => boolean,
): Promise<FakeExecution> {
  const before = new Set(w.kestra.executions.map((e) => e.id));
  const url = await p.userUrl();
  const res = await sendCommand(url, SIGNING_SECRET, {
    text,
    channel_id: CHANNEL,
    user_id: REQUESTER,
    response_url: w.slack.responseUrl(),
  });
  if (res.status !== 200) throw new Error(`/autofix ${text} answered ${res.status}`);
  return waitFor(
    () => w.kestra.executions.find((e) => !before.has(e.id) && isIt(e)),
    `execution of /autofix ${text}`,
  );
}

/**
 * The user clicks while the buttons are live, and again only if they still are a while later
 * (the bot may have died mid-click). Resolves once Kestra applied a resume, or gives up.
 */
export async function decide(
  w: World,
  p: Player,
  id: string,
  verdict: "approve" | "reject",
  buttons: () => FakeMessage | undefined,
  threadTs?: string,
): Promise<{ clicks: number; applied: boolean }> {
  await waitFor(() => liveButtons(buttons()), `buttons of ${id}`);
  let clicks = 0;
  let last = 0;
  const deadline = Date.now() + SETTLE_MS;
  while (Date.now() < deadline) {
    if (w.kestra.resumes.some((r) => r.executionId === id)) return { clicks, applied: true };
    const message = buttons();
    if (message && liveButtons(message) && Date.now() - last > CLICK_AGAIN_MS) {
      last = Date.now();
      clicks++;
      const urls = p.clickUrls ? await p.clickUrls() : [await p.userUrl()];
      await Promise.all(
        urls.map(
          (url) =>
            sendBlockAction(url, SIGNING_SECRET, {
              channel: CHANNEL,
              user: REQUESTER,
              messageTs: message.ts,
              ...(threadTs ? { threadTs } : {}),
              actionId: verdict === "approve" ? ACTIONS.approve : ACTIONS.reject,
              value: id,
              ...(message.blocks ? { messageBlocks: message.blocks } : {}),
            }).catch(() => undefined), // the bot died under the click: the user looks again
        ),
      );
    }
    await sleep(50);
  }
  return { clicks, applied: false };
}

/** Waits for the run's final state to show; what does not show is then reported by inspect(). */
async function settle(shows: () => boolean | undefined): Promise<void> {
  await waitFor(shows, "the final state").catch(() => undefined);
}

export async function waitFor<T>(
  predicate: () => T | undefined | null | false,
  what: string,
  timeoutMs = SETTLE_MS,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = predicate();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

export function label(e: FakeExecution, key: string): string | undefined {
  return e.labels.find((l) => l.key === key)?.value;
}

/** What the bots asked of Slack and Kestra so far (the drivers' own requests left out). */
export function callCounts(w: World): { slack: Map<string, number>; kestra: Map<string, number> } {
  const slack = new Map<string, number>();
  for (const c of w.slack.calls) slack.set(c.method, (slack.get(c.method) ?? 0) + 1);
  const kestra = new Map<string, number>();
  for (const r of w.kestra.requests) {
    if (r.headers[DRIVER_HEADER]) continue;
    const op = r.table?.passed ? r.table.operationId : `${r.method} ?`;
    kestra.set(op, (kestra.get(op) ?? 0) + 1);
  }
  return { slack, kestra };
}
