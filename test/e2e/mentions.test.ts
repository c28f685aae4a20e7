// Mentions through the real app: a person's message in the Slack fake, its app_mention event signed
// into Bolt (HTTP) or over the Socket Mode connection, the run in the fake Kestra played in its
// real order, and what people see in the thread.
import { afterEach, describe, expect, it } from "vitest";
import { LABELS, SINGLE_INPUTS } from "../../src/contracts/flow.ts";
import { ACTIONS } from "../../src/slack/ids.ts";
import { FlowDriver } from "../support/flow-driver.ts";
import { CHANNEL, type Harness, ISSUE_URL, REQUESTER, startHarness } from "../support/harness.ts";
import {
  ephemeralTo as ephemeralOf,
  hasButtons,
  headIn,
  labelOf,
  mentionedRun,
  TRANSPORTS,
  textOf,
  waitHead,
} from "../support/mention-scenarios.ts";
import { deliverEvent, mention, mentionEvent } from "../support/slack-events.ts";

let h: Harness;
afterEach(async () => h?.close());

const label = (id: string, key: string) => labelOf(h, id, key);

const ephemeralTo = (user: string, has: string) => ephemeralOf(h, user, has);

describe("a mention with an issue URL", () => {
  for (const transport of TRANSPORTS) {
    it(`starts the run as /autofix does, in a thread under the mention, through approval to the PR (${transport.name})`, async () => {
      h = await startHarness({ socketMode: transport.socketMode });
      const { run, asked, head } = await mentionedRun(h);
      // The same inputs and Slack labels as /autofix, plus where the run lives and who asked.
      const e = h.kestra.execution(run.id);
      expect(e.inputs[SINGLE_INPUTS.issueUrl]).toBe(ISSUE_URL);
      expect(e.inputs[SINGLE_INPUTS.waitForApproval]).toBe(true);
      expect(label(run.id, LABELS.ts)).toBe(head.ts);
      expect(label(run.id, LABELS.thread)).toBe(asked.ts);
      expect(label(run.id, LABELS.ask)).toBe(asked.ts);
      expect(label(run.id, LABELS.user)).toBe(REQUESTER);
      // No new message in the channel: the root is the first reply under the mention.
      expect(h.slack.channelMessages(CHANNEL).map((m) => m.ts)).toEqual([asked.ts]);
      expect(head.threadTs).toBe(asked.ts);
      expect(h.slack.message(CHANNEL, head.ts)?.versions[0]?.text).toMatch(
        /^Autofix for acme\/api#42 .*: Queued$/,
      );
      await h.slack.waitFor(() => h.slack.reactionsOf(CHANNEL, asked.ts)["eyes"]);

      await run.patchReady();
      await h.slack.waitFor(() => hasButtons(h.slack.message(CHANNEL, head.ts)));
      const snippet = h.slack.files.find((f) => f.snippetType === "diff");
      expect(snippet?.threadTs).toBe(asked.ts);
      // Who must decide hears of it in the thread.
      expect(
        h.slack.thread(CHANNEL, asked.ts).some((m) => m.text.includes("waits for a decision")),
      ).toBe(true);

      const res = await h.click({
        user: REQUESTER,
        messageTs: head.ts,
        threadTs: asked.ts,
        actionId: ACTIONS.approve,
        value: run.id,
      });
      expect(res.status).toBe(200);
      await h.slack.waitFor(() => h.kestra.resumes.length === 1);
      expect(h.kestra.resumes[0]?.inputs["approved"]).toBe(true);
      await run.prCreated();
      await h.slack.waitFor(() => textOf(h, head.ts).endsWith("PR opened"));
      const reactions = await h.slack.waitFor(() => {
        const r = h.slack.reactionsOf(CHANNEL, asked.ts);
        return r["white_check_mark"] ? r : undefined;
      });
      expect(reactions).toEqual({
        eyes: [h.slack.botUserId],
        white_check_mark: [h.slack.botUserId],
      });
      expect(h.slack.thread(CHANNEL, asked.ts).some((m) => m.text.includes("pull/43"))).toBe(true);
      expect(h.slack.ephemerals).toEqual([]);
    });
  }

  it("starts it over Socket Mode too: the event is acked on the socket, the run lives in the mention's thread", async () => {
    h = await startHarness({ socketMode: true });
    await h.slack.waitFor(
      () => h.slack.socketMode.open === 1 && h.slack.socketMode.waitingForHello === 0,
    );
    const sent = await mention(h.asker, { user: REQUESTER, channel: CHANNEL, text: ISSUE_URL });
    await h.slack.waitFor(() =>
      h.slack.socketMode.acks.find((a) => a.envelope_id === sent.envelopeId),
    );
    await h.slack.waitFor(() => h.kestra.executions.length === 1);
    const head = await waitHead(h, sent.message.ts);
    const run = FlowDriver.latest(h);
    expect(label(run.id, LABELS.thread)).toBe(sent.message.ts);
    await run.started();
    await h.slack.waitFor(() => textOf(h, head.ts).endsWith("Running"));
    await h.slack.waitFor(() => h.slack.reactionsOf(CHANNEL, sent.message.ts)["eyes"]);
  });

  it("refuses, privately, an issue outside the channel's allow-list, a pull request, and mentions turned off", async () => {
    h = await startHarness({ env: { AUTOFIX_ALLOWED_REPOS: "acme/web" } });
    await mention(h.asker, { user: REQUESTER, channel: CHANNEL, text: ISSUE_URL });
    await ephemeralTo(REQUESTER, "acme/api is not on this channel's allow-list (acme/web)");
    await mention(h.asker, {
      user: REQUESTER,
      channel: CHANNEL,
      text: "https://github.com/acme/web/pull/7",
    });
    await ephemeralTo(REQUESTER, "links a pull request, not an issue");
    await h.app.runtime.settings.put(CHANNEL, { mentions: false });
    await mention(h.asker, {
      user: REQUESTER,
      channel: CHANNEL,
      text: "https://github.com/acme/web/issues/1",
    });
    await ephemeralTo(REQUESTER, "Mentions are turned off in this channel");
    expect(h.kestra.executions).toHaveLength(0);
  });

  it("answers help, and a bare mention, with how to ask", async () => {
    h = await startHarness();
    await mention(h.asker, { user: REQUESTER, channel: CHANNEL, text: "help" });
    const help = await ephemeralTo(REQUESTER, "Mention me where the bug is discussed");
    expect(help.threadTs).toBeUndefined();
    await mention(h.asker, { user: "U0OTHER", channel: CHANNEL, text: "" });
    await ephemeralTo("U0OTHER", "Mention me where the bug is discussed");
    expect(h.kestra.executions).toHaveLength(0);
  });
});

describe("a mention in a thread", () => {
  for (const transport of TRANSPORTS) {
    it(`fixes the one issue the thread links: the run's root is a reply in that thread (${transport.name})`, async () => {
      h = await startHarness({ socketMode: transport.socketMode });
      const parent = h.slack.say("U0OTHER", CHANNEL, `Login is broken again, see <${ISSUE_URL}>`);
      h.slack.say("U0LEAD", CHANNEL, "Since Monday's deploy.", { threadTs: parent.ts });
      const { message: asked } = await mention(h.asker, {
        user: REQUESTER,
        channel: CHANNEL,
        text: "can you fix this?",
        threadTs: parent.ts,
      });
      await h.slack.waitFor(() => h.kestra.executions.length === 1);
      const run = FlowDriver.latest(h);
      expect(h.kestra.execution(run.id).inputs[SINGLE_INPUTS.issueUrl]).toBe(ISSUE_URL);
      expect(label(run.id, LABELS.thread)).toBe(parent.ts);
      expect(label(run.id, LABELS.ask)).toBe(asked.ts);
      const head = await waitHead(h, parent.ts);
      expect(label(run.id, LABELS.ts)).toBe(head.ts);
      await run.started();
      await h.slack.waitFor(() => h.slack.reactionsOf(CHANNEL, asked.ts)["eyes"]);
      expect(h.slack.reactionsOf(CHANNEL, parent.ts)).toEqual({});
    });
  }

  for (const transport of TRANSPORTS) {
    it(`offers a private pick when it links two issues; the pick starts that one there, and the thread then takes no second run (${transport.name})`, async () => {
      h = await startHarness({ socketMode: transport.socketMode });
      h.github.addIssue("acme", "api", { number: 43, title: "Signup fails" });
      const parent = h.slack.say("U0OTHER", CHANNEL, `Login breaks: <${ISSUE_URL}>`);
      h.slack.say("U0LEAD", CHANNEL, "Maybe <https://github.com/acme/api/issues/43|this one>?", {
        threadTs: parent.ts,
      });
      const { message: asked } = await mention(h.asker, {
        user: REQUESTER,
        channel: CHANNEL,
        text: "fix it please",
        threadTs: parent.ts,
      });
      const picker = await ephemeralTo(REQUESTER, "links 2 issues");
      expect(picker.threadTs).toBe(parent.ts);
      const buttons = (picker.blocks ?? []).flatMap(
        (b) =>
          (b as { elements?: { action_id: string; value: string; text: { text: string } }[] })
            .elements ?? [],
      );
      expect(buttons.map((b) => b.text.text)).toEqual(["acme/api#42", "acme/api#43"]);
      const responseUrl = h.slack.responseUrl();
      const pick = (n: number) =>
        h.click({
          user: REQUESTER,
          messageTs: picker.ts,
          threadTs: parent.ts,
          actionId: buttons[n]?.action_id ?? "",
          value: buttons[n]?.value ?? "",
          messageBlocks: picker.blocks ?? [],
          responseUrl,
        });
      expect((await pick(1)).status).toBe(200);
      await h.slack.waitFor(() => h.kestra.executions.length === 1);
      const run = FlowDriver.latest(h);
      expect(h.kestra.execution(run.id).inputs[SINGLE_INPUTS.issueUrl]).toBe(
        "https://github.com/acme/api/issues/43",
      );
      expect(label(run.id, LABELS.thread)).toBe(parent.ts);
      expect(label(run.id, LABELS.ask)).toBe(asked.ts);
      await waitHead(h, parent.ts);
      expect(await h.slack.waitFor(() => h.slack.responses(responseUrl)[0])).toMatchObject({
        replace_original: true,
        text: "Starting acme/api#43 in this thread…",
      });
      // The picker's other button, pressed afterwards: one run per thread.
      await pick(0);
      const second = (await h.slack.waitFor(() => h.slack.responses(responseUrl)[1])) as {
        text: string;
      };
      expect(second.text).toContain("This thread already follows a run");
      expect(h.kestra.executions).toHaveLength(1);
      expect(
        h.slack.thread(CHANNEL, parent.ts).filter((m) => m.user === h.slack.botUserId),
      ).toHaveLength(1);
    });
  }
});

describe("Slack delivering a mention more than once", () => {
  for (const socketMode of [false, true]) {
    it(`starts one run when Slack retries the event (X-Slack-Retry-Num${socketMode ? ", over Socket Mode" : ""})`, async () => {
      h = await startHarness({ socketMode });
      if (socketMode) {
        await h.slack.waitFor(
          () => h.slack.socketMode.waitingForHello === 0 && h.slack.socketMode.open === 1,
        );
      }
      const first = await mention(h.asker, { user: REQUESTER, channel: CHANNEL, text: ISSUE_URL });
      await h.slack.waitFor(() => h.kestra.executions.length === 1);
      await waitHead(h, first.message.ts);
      const retried = await deliverEvent(h.asker, mentionEvent(first.message, h.slack.teamId), {
        eventId: first.eventId,
        retryNum: 1,
        retryReason: "http_timeout",
      });
      expect(retried.eventId).toBe(first.eventId);
      await h.slack.waitFor(() =>
        h.logs.some((l) => l.includes("answered already") && l.includes('"retryNum":1')),
      );
      await h.app.runtime.background.drain();
      expect(h.kestra.executions).toHaveLength(1);
      expect(
        h.slack.thread(CHANNEL, first.message.ts).filter((m) => m.user === h.slack.botUserId),
      ).toHaveLength(1);
    });
  }

  it("starts one run when two deliveries of the event arrive at once", async () => {
    h = await startHarness();
    const message = h.slack.say(REQUESTER, CHANNEL, `<@${h.slack.botUserId}> ${ISSUE_URL}`);
    const event = mentionEvent(message, h.slack.teamId);
    await Promise.all([
      deliverEvent(h.asker, event),
      deliverEvent(h.asker, event, { retryNum: 1, retryReason: "http_timeout" }),
    ]);
    await h.slack.waitFor(() => h.logs.some((l) => l.includes("answered already")));
    await h.slack.waitFor(() => h.kestra.executions.length === 1);
    await waitHead(h, message.ts);
    await h.app.runtime.background.drain();
    expect(h.kestra.executions).toHaveLength(1);
    expect(h.slack.thread(CHANNEL, message.ts).filter((m) => m.user === h.slack.botUserId)).toEqual(
      [headIn(h, message.ts)],
    );
  });
});
