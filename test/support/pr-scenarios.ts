import { ACTIONS } from "../../src/slack/ids.ts";
import type { FakeMessage } from "../fakes/slack.ts";
import type { FlowDriver } from "./flow-driver.ts";
import { CHANNEL, type Harness, REQUESTER } from "./harness.ts";
import { rootOf, runAwaitingApproval, startedRun } from "./scenarios.ts";

// A run taken to its open PR, as the flow and GitHub would: Approve on the root, create_pr opens
// PR #43 on GitHub (the fake), pr_created and the end are notified.

export const PR_BRANCH = "autofix/issue-42";

export interface OpenPr {
  run: FlowDriver;
  rootTs: string;
  number: number;
  prUrl: string;
}

/** `approver`: who clicks Approve; "direct": the channel opens PRs without approval. */
export async function runToOpenPr(h: Harness, approver = REQUESTER): Promise<OpenPr> {
  const direct = approver === "direct";
  const { run, rootTs } = direct ? await startedRun(h) : await runAwaitingApproval(h);
  if (!direct) {
    await h.click({ user: approver, messageTs: rootTs, actionId: ACTIONS.approve, value: run.id });
    await h.slack.waitFor(() => h.kestra.resumes.some((r) => r.executionId === run.id), {
      description: "the run resumed",
    });
  } else {
    await run.patchReady(undefined, { pause: false });
  }
  const pr = h.github.addPull("acme", "api", { head: PR_BRANCH, title: "Fix #42" });
  await run.prCreated(pr.htmlUrl);
  await h.slack.waitFor(() => rootOf(h, rootTs).text.endsWith("PR opened"), {
    description: "root says PR opened",
  });
  await h.app.runtime.background.drain();
  return { run, rootTs, number: pr.number, prUrl: pr.htmlUrl };
}

/** One pass of the PR follower, as its timer runs it; resolves once it has said what it says. */
export async function followPass(h: Harness) {
  const report = await h.app.runtime.prFollower.runOnce();
  await h.app.runtime.background.drain();
  return report;
}

/** Thread replies (not the root), oldest first. */
export function replies(h: Harness, rootTs: string): FakeMessage[] {
  return h.slack.thread(CHANNEL, rootTs);
}

export function repliesWith(h: Harness, rootTs: string, text: string): FakeMessage[] {
  return replies(h, rootTs).filter(
    (m) => m.text.includes(text) || JSON.stringify(m.blocks ?? []).includes(text),
  );
}

/** The value of the button `actionId` in a message. */
export function buttonValue(message: FakeMessage, actionId: string): string {
  const blocks = JSON.stringify(message.blocks ?? []);
  const re = new RegExp(
    `"action_id":"${actionId}"[^}]*?"value":"([^"]+)"|"value":"([^"]+)"[^}]*?"action_id":"${actionId}"`,
  );
  const m = re.exec(blocks);
  const value = m?.[1] ?? m?.[2];
  if (!value) throw new Error(`no ${actionId} button in ${blocks}`);
  return value;
}
