import { ACTIONS } from "../../src/slack/ids.ts";
import { FlowDriver } from "./flow-driver.ts";
import { CHANNEL, type Harness, ISSUE_URL } from "./harness.ts";

/** `/autofix <ISSUE_URL>` until the flow reports it started: the run and its root message. */
export async function startedRun(h: Harness): Promise<{ run: FlowDriver; rootTs: string }> {
  await h.command(ISSUE_URL);
  await h.slack.waitFor(() => h.kestra.executions.length === 1, {
    description: "execution created",
  });
  const run = FlowDriver.latest(h);
  const root = await h.slack.waitFor(() => h.slack.channelMessages(CHANNEL)[0]);
  await run.started();
  await h.slack.waitFor(() =>
    h.slack.thread(CHANNEL, root.ts).some((m) => m.text.includes("Run started")),
  );
  return { run, rootTs: root.ts };
}

/** …then until the patch and its Approve/Reject/Revise buttons are in the thread. */
export async function runAwaitingApproval(
  h: Harness,
): Promise<{ run: FlowDriver; rootTs: string; buttonsTs: string }> {
  const { run, rootTs } = await startedRun(h);
  await run.patchReady();
  const buttons = await h.slack.waitFor(
    () =>
      h.slack
        .thread(CHANNEL, rootTs)
        .find((m) => JSON.stringify(m.blocks ?? []).includes(ACTIONS.approve)),
    { description: "approval buttons" },
  );
  return { run, rootTs, buttonsTs: buttons.ts };
}
