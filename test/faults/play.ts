import { setTimeout as sleep } from "node:timers/promises";
import { BATCH_FLOW_ID, LABELS, SINGLE_FLOW_ID, TASKS } from "../../src/contracts/flow.ts";
import { ACTIONS, REVISE } from "../../src/slack/ids.ts";
import type { FakeExecution } from "../fakes/kestra.ts";
import type { FakeMessage } from "../fakes/slack.ts";
import { ALERTS, CHANNEL, REQUESTER, SIGNING_SECRET } from "../support/harness.ts";
import { sendBlockAction, sendCommand, sendViewSubmission } from "../support/slack-requests.ts";
import { BatchRun, type Deliver, FlowRun, PATCH } from "./flow.ts";
import { type Expected, finalText, liveButtons, type Played, stuckAlertOf } from "./verdict.ts";
import { DRIVER_HEADER, type World } from "./world.ts";

// The runs both suites play: what Kestra does (FlowRun, BatchRun) and what the user does (a
// command, then a click on the buttons while they are live, a Revise with its feedback, a cancel
// or a retry typed again only while nothing came of it), against whichever bot process(es) the
// suite runs.

export type Scenario =
  | "approve"
  | "reject"
  | "failure"
  | "batch-dry"
  | "batch-pr"
  | "revise"
  | "cancel"
  | "retry"
  | "stuck";

/** The ten runs of a start, a patch and a decision, or a failure. */
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

/**
 * Runs that someone changes on the way: Revise (the old run resumed not approved, a new one in
 * the thread, approved to a PR), `/autofix cancel`, a cancelled run started again by
 * `/autofix retry` (a new execution, approved to a PR), and a stuck run's alert Retry (kill,
 * then a new execution, approved to a PR).
 */
export const OPERATIONS: readonly Scenario[] = ["revise", "cancel", "retry", "stuck"];

/** How long the stuck run has not moved: past AUTOFIX_STUCK_MINUTES (30 by default). */
const STUCK_FOR_MS = 31 * 60_000;
const FEEDBACK = "Keep the public API; fix it in the parser.";

/** How the suite reaches its bot(s). */
export interface Player {
  deliver: Deliver;
  /** A bot's URL for something a person does (a command, a click). */
  userUrl(): Promise<string>;
  /** Where one click goes: one bot, or (a double click across replicas) several at once. */
  clickUrls?(): Promise<string[]>;
  /** Called once the run's execution exists (kills of the run's middle are armed from here). */
  onExecution?(): void;
  /**
   * A reconcile pass of the bot(s) now. The suites' bots reconcile at start-up only, so this is
   * a restart (SIGTERM, as a deploy does; the new process's start-up pass runs).
   */
  reconcile?(): Promise<void>;
}

const SETTLE_MS = 30_000;
const CLICK_AGAIN_MS = 2000;

/**
 * Plays one run. What it saw so far is returned even when the run breaks down (an expected
 * signal never came), with the reason in `error`, for the verdict and the report.
 */
export async function play(
  w: World,
  p: Player,
  scenario: Scenario,
  issues: number[],
): Promise<Played> {
  const started = Date.now();
  const out: Played = { rootTs: "", runs: [], clicks: 0 };
  try {
    await playOne(w, p, scenario, issues, out);
  } catch (err) {
    out.error = err instanceof Error ? err.message : String(err);
  }
  return { ...out, ms: Date.now() - started };
}

async function playOne(
  w: World,
  p: Player,
  scenario: Scenario,
  issues: number[],
  out: Played,
): Promise<void> {
  if (scenario === "batch-dry" || scenario === "batch-pr") {
    return playBatch(w, p, scenario, issues, out);
  }
  const issue = issues[0] ?? 0;
  if (scenario === "revise") return playRevise(w, p, issue, out);
  if (scenario === "cancel" || scenario === "retry") return playCancel(w, p, issue, scenario, out);
  if (scenario === "stuck") return playStuck(w, p, issue, out);
  const run = await startRun(w, p, issue, out);
  const expected: Expected = { id: run.id, issue, outcome: "failed" };
  out.runs.push(expected);
  if (scenario === "failure") {
    await run.fail(TASKS.fix, ["agent exited with status 1: the model refused the task"]);
  } else {
    await patchAndDecide(w, p, run, expected, scenario, out);
  }
  await settleRoot(w, out.rootTs, expected.outcome);
}

/** `/autofix <issue>` and the run's `started`. */
async function startRun(w: World, p: Player, issue: number, out: Played): Promise<FlowRun> {
  const exec = await command(
    w,
    p,
    `https://github.com/acme/api/issues/${issue}`,
    (e) => e.flowId === SINGLE_FLOW_ID && label(e, LABELS.issue) === String(issue),
  );
  p.onExecution?.();
  out.rootTs = label(exec, LABELS.ts) ?? "";
  const run = new FlowRun(w.kestra, exec.id, p.deliver);
  await run.started();
  return run;
}

/**
 * The patch, the user's click on the root's buttons, and what Kestra does with it: a PR, or the
 * end of a rejected run.
 */
async function patchAndDecide(
  w: World,
  p: Player,
  run: FlowRun,
  expected: Expected,
  verdict: "approve" | "reject",
  out: Played,
): Promise<void> {
  await run.patchReady(PATCH(expected.issue), { pause: true });
  expected.verdict = verdict;
  expected.outcome = verdict === "approve" ? "pr" : "rejected";
  const decided = await decide(w, p, run.id, verdict, () => w.slack.message(CHANNEL, out.rootTs));
  out.clicks += decided.clicks;
  if (!decided.applied) return;
  if (verdict === "approve") {
    // create_pr opened it on GitHub: the bot follows it there.
    expected.prUrl = w.github.addPull("acme", "api", {
      head: `autofix/issue-${expected.issue}`,
    }).htmlUrl;
    await run.prCreated(expected.prUrl);
  } else {
    await run.finished();
  }
}

/**
 * Revise: the user clicks Revise on the waiting run and sends the form; Kestra resumes the old
 * run not approved and it ends; the revision (a new execution in the thread, with the feedback
 * and the previous patch) is then approved to a PR.
 */
async function playRevise(w: World, p: Player, issue: number, out: Played): Promise<void> {
  const run = await startRun(w, p, issue, out);
  await run.patchReady(PATCH(issue), { pause: true });
  out.runs.push({ id: run.id, issue, outcome: "revised", verdict: "revise" });
  const revised = await revise(w, p, run.id, out.rootTs);
  out.clicks += revised.clicks;
  if (!revised.applied) return;
  // pr_gate skips create_pr; the run ends and afterExecution says so.
  await run.finished();
  const next = await nextRun(w, p, out.rootTs, [run.id]);
  const fresh: Expected = {
    id: next.id,
    issue,
    outcome: "pr",
    replaces: { id: run.id, how: "revision", feedback: FEEDBACK },
  };
  out.runs.push(fresh);
  await next.started();
  await patchAndDecide(w, p, next, fresh, "approve", out);
  await settleRoot(w, out.rootTs, fresh.outcome);
}

/**
 * `/autofix cancel` while the run works; Kestra kills it (KILLING, then KILLED and `finished`).
 * "retry" goes on: `/autofix retry` starts the cancelled run again as a new execution in its
 * thread (released 2.0 restarts only FAILED or PAUSED runs), which is approved to a PR.
 */
async function playCancel(
  w: World,
  p: Player,
  issue: number,
  scenario: "cancel" | "retry",
  out: Played,
): Promise<void> {
  const run = await startRun(w, p, issue, out);
  out.runs.push({ id: run.id, issue, outcome: "cancelled", cancelledBy: REQUESTER });
  out.commands = 0;
  const killing = run.killed();
  killing.catch(() => undefined); // awaited below
  await operate(w, p, `cancel ${run.id}`, out, () =>
    w.kestra.kills.some((k) => k.executionId === run.id),
  );
  await killing;
  await settleRoot(w, out.rootTs, "cancelled");
  if (scenario === "cancel") return;
  const known = new Set(w.kestra.executions.map((e) => e.id));
  await operate(w, p, `retry ${run.id}`, out, () =>
    w.kestra.executions.some((e) => !known.has(e.id) && label(e, LABELS.ts) === out.rootTs),
  );
  const next = await nextRun(w, p, out.rootTs, [run.id]);
  const fresh: Expected = {
    id: next.id,
    issue,
    outcome: "pr",
    replaces: { id: run.id, how: "rerun" },
  };
  out.runs.push(fresh);
  await next.started();
  await patchAndDecide(w, p, next, fresh, "approve", out);
  await settleRoot(w, out.rootTs, fresh.outcome);
}

/**
 * A run that stopped moving: no state change past the stuck threshold, the bot's reconcile pass
 * alerts the alerts channel; its Retry kills the run (Kestra ends it KILLED), then starts it again
 * as a new execution in the thread, which is approved to a PR.
 */
async function playStuck(w: World, p: Player, issue: number, out: Played): Promise<void> {
  const run = await startRun(w, p, issue, out);
  out.runs.push({
    id: run.id,
    issue,
    outcome: "cancelled",
    cancelledBy: REQUESTER,
    stuck: true,
  });
  run.stuckFor(STUCK_FOR_MS);
  if (!p.reconcile) throw new Error("the stuck scenario needs Player.reconcile");
  await p.reconcile();
  const alert = () => stuckAlertOf(w, run.id);
  await waitFor(() => liveButtons(alert(), [ACTIONS.stuckRetry]), `the stuck alert of ${run.id}`);
  const killing = run.killed();
  killing.catch(() => undefined); // awaited below
  const known = new Set(w.kestra.executions.map((e) => e.id));
  await clickUntil(p, alert, ACTIONS.stuckRetry, run.id, out, () =>
    w.kestra.executions.some((e) => !known.has(e.id) && label(e, LABELS.ts) === out.rootTs),
  );
  await killing;
  const next = await nextRun(w, p, out.rootTs, [run.id]);
  const fresh: Expected = {
    id: next.id,
    issue,
    outcome: "pr",
    replaces: { id: run.id, how: "rerun" },
  };
  out.runs.push(fresh);
  await next.started();
  await patchAndDecide(w, p, next, fresh, "approve", out);
  await settleRoot(w, out.rootTs, fresh.outcome);
}

/** The execution that took the run's place in its thread (a revision, a run started again). */
async function nextRun(w: World, p: Player, rootTs: string, before: string[]): Promise<FlowRun> {
  const exec = await waitFor(
    () =>
      w.kestra.executions.find(
        (e) =>
          e.flowId === SINGLE_FLOW_ID && label(e, LABELS.ts) === rootTs && !before.includes(e.id),
      ),
    `a new run in the thread ${rootTs}`,
  );
  return new FlowRun(w.kestra, exec.id, p.deliver);
}

/** The root says the run's final state; what does not show is then reported by inspect(). */
function settleRoot(w: World, rootTs: string, outcome: Expected["outcome"]): Promise<void> {
  const text = finalText(outcome);
  return settle(() => w.slack.message(CHANNEL, rootTs)?.text.endsWith(text));
}

async function playBatch(
  w: World,
  p: Player,
  scenario: "batch-dry" | "batch-pr",
  issues: number[],
  out: Played,
): Promise<void> {
  const prs = scenario === "batch-pr";
  const exec = await command(
    w,
    p,
    `batch acme/api label:bug max:${issues.length}${prs ? " pr" : ""}`,
    (e) => e.flowId === BATCH_FLOW_ID,
  );
  p.onExecution?.();
  const rootTs = label(exec, LABELS.ts) ?? "";
  out.rootTs = rootTs;
  out.batchId = exec.id;
  const batch = new BatchRun(w.kestra, exec.id, p.deliver);
  await batch.listed(issues.map((number) => ({ number, title: `Issue ${number}` })));
  const children: { run: FlowRun; expected: Expected }[] = [];
  for (const number of issues) {
    const run = await batch.child({ number, title: `Issue ${number}` }, prs, p.deliver);
    await run.started();
    await run.patchReady(PATCH(number), { pause: prs });
    const expected: Expected = { id: run.id, issue: number, outcome: "dry" };
    children.push({ run, expected });
    out.runs.push(expected);
  }
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
    out.clicks += decided.clicks;
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

/**
 * Revise, as a person does it: the button opens a form (once the bot has checked the run), the
 * form is sent with the feedback. Clicked again, a while later, only while the buttons are still
 * live (the bot may have died before it recorded the request). Resolves once Kestra resumed the
 * run, or gives up.
 */
async function revise(
  w: World,
  p: Player,
  id: string,
  rootTs: string,
): Promise<{ clicks: number; applied: boolean }> {
  const root = () => w.slack.message(CHANNEL, rootTs);
  await waitFor(() => liveButtons(root()), `buttons of ${id}`);
  let clicks = 0;
  let last = 0;
  const deadline = Date.now() + SETTLE_MS;
  while (Date.now() < deadline) {
    if (w.kestra.resumes.some((r) => r.executionId === id)) return { clicks, applied: true };
    const message = root();
    if (message && liveButtons(message) && Date.now() - last > CLICK_AGAIN_MS) {
      last = Date.now();
      clicks++;
      const url = await p.userUrl();
      // Slack's trigger_id lives 3 s from the click.
      const triggerId = w.slack.issueTriggerId({ userId: REQUESTER });
      await sendBlockAction(url, SIGNING_SECRET, {
        channel: CHANNEL,
        user: REQUESTER,
        messageTs: message.ts,
        actionId: ACTIONS.revise,
        value: id,
        triggerId,
        ...(message.blocks ? { messageBlocks: message.blocks } : {}),
      }).catch(() => undefined); // the bot died under the click: the user looks again
      const form = await waitFor(
        () =>
          w.slack.views.modals.find(
            (m) =>
              m.triggerId === triggerId &&
              JSON.stringify(m.view["blocks"] ?? []).includes(REVISE.feedbackBlock),
          ),
        "the revise form",
        CLICK_AGAIN_MS,
      ).catch(() => undefined); // no form: the bot died meanwhile
      if (form) {
        last = Date.now(); // the user gives the bot a while after sending the form too
        await sendViewSubmission(await p.userUrl(), SIGNING_SECRET, {
          user: REQUESTER,
          callbackId: REVISE.callbackId,
          viewId: form.id,
          privateMetadata: String(form.view["private_metadata"] ?? ""),
          values: {
            [REVISE.feedbackBlock]: {
              [REVISE.feedbackAction]: { type: "plain_text_input", value: FEEDBACK },
            },
          },
        }).catch(() => undefined);
      }
    }
    await sleep(50);
  }
  return { clicks, applied: false };
}

/**
 * `/autofix <text>` from the requester, typed again a while later only while what it asks for has
 * not happened (its answer may never come: the bot died). Returns the times it was typed.
 */
async function operate(
  w: World,
  p: Player,
  text: string,
  out: Played,
  done: () => boolean,
): Promise<void> {
  let last = 0;
  const deadline = Date.now() + SETTLE_MS;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`/autofix ${text}: nothing came of it`);
    if (Date.now() - last > CLICK_AGAIN_MS) {
      last = Date.now();
      out.commands = (out.commands ?? 0) + 1;
      const responseUrl = w.slack.responseUrl();
      out.responseUrls = [...(out.responseUrls ?? []), responseUrl];
      await sendCommand(await p.userUrl(), SIGNING_SECRET, {
        text,
        channel_id: CHANNEL,
        user_id: REQUESTER,
        response_url: responseUrl,
      }).catch(() => undefined); // the bot died under it: the user tries again
    }
    await sleep(50);
  }
}

/**
 * A button of an alert (the alerts channel) clicked, and again a while later only while it is
 * still live and nothing came of it.
 */
async function clickUntil(
  p: Player,
  message: () => FakeMessage | undefined,
  actionId: string,
  value: string,
  out: Played,
  done: () => boolean,
): Promise<void> {
  let last = 0;
  const deadline = Date.now() + SETTLE_MS;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`nothing came of ${actionId} on ${value}`);
    const m = message();
    if (m && liveButtons(m, [actionId]) && Date.now() - last > CLICK_AGAIN_MS) {
      last = Date.now();
      out.clicks++;
      const urls = p.clickUrls ? await p.clickUrls() : [await p.userUrl()];
      await Promise.all(
        urls.map((url) =>
          sendBlockAction(url, SIGNING_SECRET, {
            channel: ALERTS,
            user: REQUESTER,
            messageTs: m.ts,
            actionId,
            value,
            ...(m.blocks ? { messageBlocks: m.blocks } : {}),
          }).catch(() => undefined),
        ),
      );
    }
    await sleep(50);
  }
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
