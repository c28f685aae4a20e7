// `@autofix <feedback>` in a run's thread is Revise with that feedback, under the Revise button's
// rules: its requester and approvers only (anyone else is refused privately), the waiting run
// resumed with approved=false, a new run in the same thread with the feedback and the old patch.
import { afterEach, describe, expect, it } from "vitest";
import { LABELS, RESUME_INPUTS, SINGLE_INPUTS } from "../../src/contracts/flow.ts";
import { FlowDriver, SAMPLE_PATCH } from "../support/flow-driver.ts";
import { CHANNEL, type Harness, REQUESTER, startHarness } from "../support/harness.ts";
import {
  labelOf,
  mentionedRun,
  mentionedRunAwaitingApproval,
  TRANSPORTS,
  textOf,
} from "../support/mention-scenarios.ts";
import { runAwaitingApproval } from "../support/scenarios.ts";
import { mention } from "../support/slack-events.ts";

let h: Harness;
afterEach(async () => h?.close());

const label = (id: string, key: string) => labelOf(h, id, key);

describe("a reply that mentions the bot in a run's thread", () => {
  for (const transport of TRANSPORTS) {
    it(`by the requester revises the waiting patch: old run resumed not approved, a new run in the same thread, reactions on the reply (${transport.name})`, async () => {
      h = await startHarness({ socketMode: transport.socketMode });
      const { run, asked, head } = await mentionedRunAwaitingApproval(h);
      const { message: reply } = await mention(h.asker, {
        user: REQUESTER,
        channel: CHANNEL,
        text: "Trim the name before checking it, and keep the error message.",
        threadTs: asked.ts,
      });
      await h.slack.waitFor(() => h.kestra.resumes.length === 1);
      expect(h.kestra.resumes[0]).toMatchObject({ executionId: run.id });
      expect(h.kestra.resumes[0]?.inputs[RESUME_INPUTS.approved]).toBe(false);
      await h.slack.waitFor(() => h.kestra.executions.length === 2);
      const next = FlowDriver.latest(h);
      const e = h.kestra.execution(next.id);
      expect(e.inputs[SINGLE_INPUTS.feedback]).toBe(
        "Trim the name before checking it, and keep the error message.",
      );
      const patch = String(e.inputs[SINGLE_INPUTS.previousPatch]);
      expect(e.files.get(patch.slice("kestra://".length))?.toString("utf8")).toBe(SAMPLE_PATCH);
      // The same root, in the same thread; the new run's reactions go on the reply that asked.
      expect(label(next.id, LABELS.ts)).toBe(head.ts);
      expect(label(next.id, LABELS.thread)).toBe(asked.ts);
      expect(label(next.id, LABELS.ask)).toBe(reply.ts);
      expect(label(next.id, LABELS.user)).toBe(REQUESTER);
      await h.slack.waitFor(() =>
        h.slack.thread(CHANNEL, asked.ts).find((m) => m.text.startsWith("✏️ Revision requested")),
      );
      await next.started();
      await h.slack.waitFor(() => textOf(h, head.ts).endsWith("Running"));
      await h.slack.waitFor(() => h.slack.reactionsOf(CHANNEL, reply.ts)["eyes"]);
      expect(h.slack.ephemerals).toEqual([]);
      expect(
        h.slack
          .thread(CHANNEL, asked.ts)
          .filter((m) => m.user === h.slack.botUserId && m.ts === head.ts),
      ).toHaveLength(1);
    });
  }

  for (const transport of TRANSPORTS) {
    it(`by a stranger is refused privately and changes nothing (${transport.name})`, async () => {
      h = await startHarness({ socketMode: transport.socketMode });
      const { run, asked } = await mentionedRunAwaitingApproval(h);
      await mention(h.asker, {
        user: "U0STRANGER",
        channel: CHANNEL,
        text: "just push it",
        threadTs: asked.ts,
      });
      const refusal = await h.slack.waitFor(() =>
        h.slack.ephemerals.find((e) => e.user === "U0STRANGER"),
      );
      expect(refusal.text).toBe("Only the requester or an approver can revise this patch.");
      expect(refusal.threadTs).toBe(asked.ts);
      expect(h.kestra.resumes).toHaveLength(0);
      expect(h.kestra.executions).toHaveLength(1);
      expect(h.kestra.execution(run.id).state.current).toBe("PAUSED");
    });
  }

  it("works in the thread of a run /autofix started, for an approver; an empty mention asks for the feedback", async () => {
    h = await startHarness({ env: { AUTOFIX_APPROVERS: "U0LEAD" } });
    const { run, rootTs } = await runAwaitingApproval(h);
    await mention(h.asker, { user: "U0LEAD", channel: CHANNEL, text: "", threadTs: rootTs });
    const ask = await h.slack.waitFor(() => h.slack.ephemerals.find((e) => e.user === "U0LEAD"));
    expect(ask.text).toContain("Say what the agent should change");
    await mention(h.asker, {
      user: "U0LEAD",
      channel: CHANNEL,
      text: "Use the parser's own check instead.",
      threadTs: rootTs,
    });
    await h.slack.waitFor(() => h.kestra.executions.length === 2);
    expect(h.kestra.resumes[0]).toMatchObject({ executionId: run.id });
    const next = FlowDriver.latest(h);
    expect(label(next.id, LABELS.ts)).toBe(rootTs);
    expect(label(next.id, LABELS.thread)).toBeUndefined();
    // The thread stays the requester's.
    expect(label(next.id, LABELS.user)).toBe(REQUESTER);
  });

  it("after the PR opened is refused: the patch can no longer be revised", async () => {
    h = await startHarness({ env: { AUTOFIX_REQUIRE_APPROVAL: "false" } });
    // Nobody has to approve here: the patch goes straight to its PR.
    const { run, asked } = await mentionedRun(h);
    await run.patchReady(undefined, { pause: false });
    await run.prCreated();
    await h.slack.waitFor(() => h.slack.reactionsOf(CHANNEL, asked.ts)["white_check_mark"]);
    await mention(h.asker, {
      user: REQUESTER,
      channel: CHANNEL,
      text: "rename it",
      threadTs: asked.ts,
    });
    const refusal = await h.slack.waitFor(() =>
      h.slack.ephemerals.find((e) => e.user === REQUESTER),
    );
    expect(refusal.text).toContain("already became a pull request");
    expect(h.kestra.executions).toHaveLength(1);
  });
});
