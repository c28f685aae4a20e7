// The app's Messages tab: a person's DM (message.im events, never app_mention) asks for a run as a
// mention does, and /autofix typed there works too; the runs live in the DM.
import { afterEach, expect, it } from "vitest";
import { LABELS, SINGLE_INPUTS } from "../../src/contracts/flow.ts";
import { FlowDriver } from "../support/flow-driver.ts";
import { type Harness, ISSUE_URL, REQUESTER, startHarness } from "../support/harness.ts";
import { labelOf, TRANSPORTS, textOf, waitHead } from "../support/mention-scenarios.ts";
import { direct } from "../support/slack-events.ts";

let h: Harness;
afterEach(async () => h?.close());

const label = (id: string, key: string) => labelOf(h, id, key);

for (const transport of TRANSPORTS) {
  it(`a DM with an issue URL starts the run in the DM, in a thread under the message, with its reactions (${transport.name})`, async () => {
    h = await startHarness({ socketMode: transport.socketMode });
    const { message: asked, channel: dm } = await direct(h.asker, {
      user: REQUESTER,
      text: ISSUE_URL,
    });
    await h.slack.waitFor(() => h.kestra.executions.length === 1);
    const run = FlowDriver.latest(h);
    expect(h.kestra.execution(run.id).inputs[SINGLE_INPUTS.issueUrl]).toBe(ISSUE_URL);
    expect(label(run.id, LABELS.channel)).toBe(dm);
    expect(label(run.id, LABELS.thread)).toBe(asked.ts);
    const head = await waitHead(h, asked.ts, dm);
    await run.started();
    await h.slack.waitFor(() => textOf(h, head.ts, dm).endsWith("Running"));
    await h.slack.waitFor(() => h.slack.reactionsOf(dm, asked.ts)["eyes"]);
    // The bot never tries to join a DM.
    expect(h.slack.calls.filter((c) => c.method === "conversations.join")).toEqual([]);

    // In the DM's thread, a reply without a mention is chat, not a request.
    await direct(h.asker, { user: REQUESTER, text: "thanks!", threadTs: asked.ts });
    await h.slack.waitFor(() =>
      h.logs.some((l) => l.includes("ignored: a reply without a mention")),
    );
    expect(h.slack.ephemerals).toEqual([]);
    expect(h.kestra.executions).toHaveLength(1);
  });
}

for (const transport of TRANSPORTS) {
  it(`a DM that mentions the bot works the same, and so does /autofix typed in the DM (${transport.name})`, async () => {
    h = await startHarness({ socketMode: transport.socketMode });
    h.github.addIssue("acme", "api", { number: 43, title: "Signup fails" });
    const { message: asked, channel: dm } = await direct(h.asker, {
      user: REQUESTER,
      text: `<@${h.slack.botUserId}> please fix <${ISSUE_URL}>`,
    });
    await h.slack.waitFor(() => h.kestra.executions.length === 1);
    await waitHead(h, asked.ts, dm);

    const res = await h.command("https://github.com/acme/api/issues/43", { channel_id: dm });
    expect(res.status).toBe(200);
    await h.slack.waitFor(() => h.kestra.executions.length === 2);
    const run = FlowDriver.latest(h);
    expect(label(run.id, LABELS.channel)).toBe(dm);
    // /autofix has no asking message: its root starts its own thread in the DM.
    const root = await h.slack.waitFor(() =>
      h.slack.channelMessages(dm).find((m) => m.user === h.slack.botUserId),
    );
    expect(label(run.id, LABELS.ts)).toBe(root.ts);
    expect(label(run.id, LABELS.thread)).toBeUndefined();
    await run.started();
    await h.slack.waitFor(() => textOf(h, root.ts, dm).endsWith("Running"));
  });
}
