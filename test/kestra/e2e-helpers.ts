// What the e2e cases read: the run's root message and thread in the Slack fake, the execution in
// the engine (found by its Slack labels), and waits on both.

import { setTimeout as sleep } from "node:timers/promises";
import { SINGLE_FLOW_ID } from "../../src/contracts/flow.ts";
import { type Execution, isTerminal } from "../../src/kestra/types.ts";
import { ACTIONS } from "../../src/slack/ids.ts";
import type { FakeMessage } from "../fakes/slack.ts";
import { CHANNEL, type Stack } from "./stack.ts";

export const blocksText = (m: { blocks?: unknown[] | undefined } | undefined) =>
  JSON.stringify(m?.blocks ?? []);

export const hasButtons = (m: { blocks?: unknown[] | undefined } | undefined) =>
  blocksText(m).includes(ACTIONS.approve);

/** The root message of `/autofix` for acme/api#n in the channel (the newest, once posted). */
export function rootOf(s: Stack, slug: string): Promise<FakeMessage> {
  return s.slack.waitFor(
    () =>
      s.slack
        .channelMessages(CHANNEL)
        .findLast((m) => m.text.includes(`${slug} `) || m.text.includes(`${slug}:`)),
    { timeoutMs: 30_000, description: `root message of ${slug}` },
  );
}

/** The current version of a message. */
export function current(s: Stack, ts: string, channel = CHANNEL): FakeMessage {
  const m = s.slack.message(channel, ts);
  if (!m) throw new Error(`no message ${ts} in ${channel}`);
  return m;
}

/** Waits until the root's fallback text ends with `status` (the root's status line). */
export function rootStatus(
  s: Stack,
  ts: string,
  status: string,
  timeoutMs = 120_000,
): Promise<FakeMessage> {
  return s.slack.waitFor(
    () => {
      const m = current(s, ts);
      return m.text.endsWith(status) ? m : undefined;
    },
    {
      timeoutMs,
      intervalMs: 100,
      description: `root ${ts} says ${status} (now: ${s.slack.message(CHANNEL, ts)?.text})`,
    },
  );
}

/** Every status the root has shown, in order, without repeats. */
export function statusesShown(s: Stack, ts: string): string[] {
  const shown: string[] = [];
  for (const v of current(s, ts).versions) {
    const status = v.text.slice(v.text.lastIndexOf(": ") + 2);
    if (shown.at(-1) !== status) shown.push(status);
  }
  return shown;
}

/** The run the bot started for a root message (by its `slack-ts` label). */
export async function executionOfRoot(
  s: Stack,
  rootTs: string,
  flowId = SINGLE_FLOW_ID,
  /** Executions to look past (a thread's earlier runs). */
  not: string[] = [],
): Promise<Execution> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const { results } = await s.kestra.searchExecutions({
      flowId,
      labels: { "slack-ts": rootTs },
    });
    const found = results.find((r) => !not.includes(r.id));
    if (found) return s.kestra.getExecution(found.id);
    if (Date.now() > deadline) throw new Error(`no execution labelled slack-ts=${rootTs}`);
    await sleep(200);
  }
}

/** Polls the engine until `done` holds for the execution. */
export async function waitExecution(
  s: Stack,
  id: string,
  done: (e: Execution) => boolean,
  what: string,
  timeoutMs = 120_000,
): Promise<Execution> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const e = await s.kestra.getExecution(id);
    if (done(e)) return e;
    if (Date.now() > deadline) {
      throw new Error(
        `execution ${id}: ${what} not reached; ${e.state.current}, ${e.taskRunList.map((t) => `${t.taskId}=${t.state.current}`).join(" ")}`,
      );
    }
    await sleep(200);
  }
}

export const ended = (e: Execution) => isTerminal(e.state.current);

export const taskState = (e: Execution, taskId: string) =>
  e.taskRunList.filter((t) => t.taskId === taskId).at(-1)?.state.current;

/** The engine's copy of the fix task's patch, downloaded through the adapter's file route. */
export async function patchInKestra(s: Stack, e: Execution): Promise<Buffer> {
  const fix = e.taskRunList.find((t) => t.taskId === "fix");
  if (!fix) throw new Error(`execution ${e.id} has no fix task run`);
  const outputs = (await s.kestra.taskRunOutputs(e.id, fix.id)) as {
    outputFiles?: Record<string, string>;
  };
  const uri = outputs.outputFiles?.["patch.diff"];
  if (!uri) throw new Error(`fix of ${e.id} has no patch.diff output`);
  return s.kestra.downloadFile(e.id, uri);
}

/** Replies in a thread (not the root), texts only. */
export const threadTexts = (s: Stack, rootTs: string) =>
  s.slack.thread(CHANNEL, rootTs).map((m) => `${m.text} ${blocksText(m)}`);
