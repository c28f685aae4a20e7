import { ACTIONS } from "../../src/slack/ids.ts";
import { FlowDriver } from "./flow-driver.ts";
import { CHANNEL, type Harness, ISSUE_URL } from "./harness.ts";

/** The run's root message in the channel (it carries the status and, while it waits, the buttons). */
export function rootOf(h: Harness, rootTs: string) {
  const root = h.slack.message(CHANNEL, rootTs);
  if (!root) throw new Error(`no root message ${rootTs}`);
  return root;
}

export function hasButtons(message: { blocks?: unknown[] | undefined } | undefined): boolean {
  return JSON.stringify(message?.blocks ?? []).includes(ACTIONS.approve);
}

/** `/autofix <ISSUE_URL>` until the flow reports it started and the root says Running. */
export async function startedRun(h: Harness): Promise<{ run: FlowDriver; rootTs: string }> {
  await h.command(ISSUE_URL);
  await h.slack.waitFor(() => h.kestra.executions.length === 1, {
    description: "execution created",
  });
  const run = FlowDriver.latest(h);
  const root = await h.slack.waitFor(() => h.slack.channelMessages(CHANNEL)[0]);
  await run.started();
  await h.slack.waitFor(() => rootOf(h, root.ts).text.endsWith("Running"), {
    description: "root says Running",
  });
  return { run, rootTs: root.ts };
}

/**
 * …then until the patch is in the thread and the root offers Approve / Reject / Revise. A single
 * run's buttons sit on its root message, so `buttonsTs` is the root's ts.
 */
export async function runAwaitingApproval(
  h: Harness,
): Promise<{ run: FlowDriver; rootTs: string; buttonsTs: string }> {
  const { run, rootTs } = await startedRun(h);
  await run.patchReady();
  await h.slack.waitFor(() => hasButtons(rootOf(h, rootTs)), { description: "approval buttons" });
  return { run, rootTs, buttonsTs: rootTs };
}
