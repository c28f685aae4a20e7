// Runs asked for by mentions, as the tests play them: a person's message in Slack, its event to
// the bot, the run's root as a reply in the person's thread.

import { ACTIONS } from "../../src/slack/ids.ts";
import type { FakeMessage } from "../fakes/slack.ts";
import { FlowDriver } from "./flow-driver.ts";
import { CHANNEL, type Harness, ISSUE_URL, REQUESTER } from "./harness.ts";
import { mention } from "./slack-events.ts";

/** Every scenario through both of Slack's transports. */
export const TRANSPORTS = [
  { socketMode: false, name: "HTTP" },
  { socketMode: true, name: "Socket Mode" },
] as const;

/** The run's root in a person's thread: the bot's first reply there. */
export function headIn(h: Harness, threadTs: string, channel = CHANNEL): FakeMessage | undefined {
  return h.slack.thread(channel, threadTs).find((m) => m.user === h.slack.botUserId);
}

export async function waitHead(h: Harness, threadTs: string, channel = CHANNEL) {
  return h.slack.waitFor(() => headIn(h, threadTs, channel), {
    description: `the run's root in thread ${threadTs}`,
  });
}

/** The current text of a message. */
export function textOf(h: Harness, ts: string, channel = CHANNEL): string {
  return h.slack.message(channel, ts)?.text ?? "";
}

export function hasButtons(m: { blocks?: unknown[] | undefined } | undefined): boolean {
  return JSON.stringify(m?.blocks ?? []).includes(ACTIONS.approve);
}

/** `@autofix <ISSUE_URL>` in the channel, until the flow started and the root says Running. */
export async function mentionedRun(
  h: Harness,
  opts: { user?: string; text?: string } = {},
): Promise<{ run: FlowDriver; asked: FakeMessage; head: FakeMessage }> {
  const { message: asked } = await mention(h.asker, {
    user: opts.user ?? REQUESTER,
    channel: CHANNEL,
    text: opts.text ?? ISSUE_URL,
  });
  const before = h.kestra.executions.length;
  await h.slack.waitFor(() => h.kestra.executions.length > before, {
    description: "the execution the mention asked for",
  });
  const run = FlowDriver.latest(h);
  const head = await waitHead(h, asked.ts);
  await run.started();
  await h.slack.waitFor(() => textOf(h, head.ts).endsWith("Running"), {
    description: "the root says Running",
  });
  return { run, asked, head };
}

/** …then until the patch is in the thread and the root offers the buttons. */
export async function mentionedRunAwaitingApproval(h: Harness) {
  const started = await mentionedRun(h);
  await started.run.patchReady();
  await h.slack.waitFor(() => hasButtons(h.slack.message(CHANNEL, started.head.ts)), {
    description: "approval buttons on the root",
  });
  return started;
}

/** The ephemeral `user` got that says `has` (the bot's private answer). */
export function ephemeralTo(h: Harness, user: string, has: string) {
  return h.slack.waitFor(
    () => h.slack.ephemerals.find((e) => e.user === user && e.text.includes(has)),
    { description: `an ephemeral to ${user} saying "${has}"` },
  );
}

/** A label of an execution in the fake Kestra. */
export function labelOf(h: Harness, executionId: string, key: string): string | undefined {
  return h.kestra.execution(executionId).labels.find((l) => l.key === key)?.value;
}
