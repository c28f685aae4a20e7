// `@autofix fix this` in a thread without an issue link: the private offer, the form (repository,
// editable title, what the body holds), File & fix → Kestra's file-issue run (played in its real
// order by FilingDriver; the engine suite runs the real task) → the issue's run in that thread.
import { afterEach, describe, expect, it } from "vitest";
import {
  FILE_ISSUE,
  FILE_ISSUE_FLOW_ID,
  LABELS,
  SINGLE_FLOW_ID,
  SINGLE_INPUTS,
} from "../../src/contracts/flow.ts";
import { ACTIONS, FILE_ISSUE_FORM } from "../../src/slack/ids.ts";
import type { FakeMessage } from "../fakes/slack.ts";
import { FilingDriver } from "../support/filing-driver.ts";
import { FlowDriver } from "../support/flow-driver.ts";
import { ALERTS, CHANNEL, type Harness, REQUESTER, startHarness } from "../support/harness.ts";
import {
  ephemeralTo as ephemeralOf,
  TRANSPORTS,
  textOf,
  waitHead,
} from "../support/mention-scenarios.ts";
import { mention } from "../support/slack-events.ts";

let h: Harness;
afterEach(async () => h?.close());

const ANN = "U0ANN";
const BOB = "U0BOB";

async function world(
  env: Record<string, string> = { AUTOFIX_DEFAULT_REPO: "acme/api" },
  socketMode = false,
) {
  h = await startHarness({ env, socketMode });
  h.slack.addUser(ANN, { name: "Ann" });
  h.slack.addUser(BOB, { name: "Bob" });
}

/** A conversation about a bug, without any issue link, and `@autofix fix this` in it. */
async function askToFix(): Promise<{ parent: FakeMessage; asked: FakeMessage }> {
  const parent = h.slack.say(ANN, CHANNEL, "Login fails when the name is empty <!here>");
  h.slack.say(
    BOB,
    CHANNEL,
    "Same since <@U0ANN>'s deploy, see <https://logs.example.com/1|the logs>",
    {
      threadTs: parent.ts,
    },
  );
  const { message: asked } = await mention(h.asker, {
    user: REQUESTER,
    channel: CHANNEL,
    text: "fix this",
    threadTs: parent.ts,
  });
  return { parent, asked };
}

const ephemeralTo = (user: string, has: string) => ephemeralOf(h, user, has);

/** Presses the offer's button: the form once the bot has filled it. */
async function openForm(offer: { ts: string; blocks: unknown[] | undefined }, threadTs: string) {
  const button = JSON.stringify(offer.blocks).match(/"value":"((?:[^"\\]|\\.)*)"/);
  const triggerId = h.slack.issueTriggerId({ userId: REQUESTER });
  await h.click({
    user: REQUESTER,
    messageTs: offer.ts,
    threadTs,
    actionId: ACTIONS.fileIssue,
    value: JSON.parse(`"${button?.[1] ?? ""}"`),
    triggerId,
  });
  const modal = await h.slack.waitFor(() =>
    h.slack.views.modals.find((m) => m.triggerId === triggerId),
  );
  return h.slack.waitFor(() => (modal.versions.length > 1 ? modal : undefined), {
    description: "the form's content",
  });
}

function submit(modal: { id: string; view: Record<string, unknown> }, repo: string, title: string) {
  return h.submit({
    user: REQUESTER,
    callbackId: FILE_ISSUE_FORM.callbackId,
    viewId: modal.id,
    privateMetadata: String(modal.view["private_metadata"]),
    values: {
      [FILE_ISSUE_FORM.repoBlock]: {
        [FILE_ISSUE_FORM.input]: { type: "static_select", selected_option: { value: repo } },
      },
      [FILE_ISSUE_FORM.titleBlock]: {
        [FILE_ISSUE_FORM.input]: { type: "plain_text_input", value: title },
      },
    },
  });
}

const runs = () => h.kestra.executions.filter((e) => e.flowId === SINGLE_FLOW_ID);
const filings = () => h.kestra.executions.filter((e) => e.flowId === FILE_ISSUE_FLOW_ID);

describe("an issue filed from the conversation", () => {
  for (const transport of TRANSPORTS) {
    it(`offers privately, files through Kestra with the thread as body, then fixes the new issue in that thread (${transport.name})`, async () => {
      await world(undefined, transport.socketMode);
      const { parent, asked } = await askToFix();
      const offer = await ephemeralTo(REQUESTER, "links no GitHub issue");
      expect(offer.threadTs).toBe(parent.ts);
      expect(JSON.stringify(offer.blocks)).toContain("acme/api");

      const modal = await openForm(offer, parent.ts);
      const form = JSON.stringify(modal.view);
      expect(modal.view["callback_id"]).toBe(FILE_ISSUE_FORM.callbackId);
      expect(form).toContain('"initial_option":{"text":{"type":"plain_text","text":"acme/api"}');
      expect(form).toContain('"initial_value":"Login fails when the name is empty here"');
      expect(form).toContain("quotes this thread's 2 messages");

      const res = await submit(modal, "acme/api", "Login fails for empty names");
      expect(res.status).toBe(200);
      expect(JSON.stringify(res.body)).toContain("Filing the issue in *acme/api*");

      // Kestra files it: the bot started file-issue with the thread as the body.
      await h.slack.waitFor(() => filings().length === 1);
      const filing = FilingDriver.latest(h);
      expect(filing.inputs[FILE_ISSUE.inputs.repo]).toBe("acme/api");
      expect(filing.inputs[FILE_ISSUE.inputs.title]).toBe("Login fails for empty names");
      // Multipart form data carries line breaks as CRLF, as to the real Kestra.
      const body = String(filing.inputs[FILE_ISSUE.inputs.body]).replace(/\r\n/g, "\n");
      expect(body).toContain(
        `[this Slack thread](https://fake.slack.com/archives/${CHANNEL}/p${parent.ts.replace(".", "")})`,
      );
      expect(body).toContain("**Ann** wrote:\n> Login fails when the name is empty here");
      expect(body).toContain(
        "**Bob** wrote:\n> Same since Ann's deploy, see [the logs](https://logs.example.com/1)",
      );
      expect(body).toContain(`by **requester**`);
      expect(body).not.toContain("fix this");
      const label = (key: string) =>
        h.kestra.execution(filing.id).labels.find((l) => l.key === key)?.value;
      expect([label(LABELS.thread), label(LABELS.ask), label(LABELS.user)]).toEqual([
        parent.ts,
        asked.ts,
        REQUESTER,
      ]);
      // Nothing runs yet: the issue does not exist.
      expect(runs()).toHaveLength(0);

      expect((await filing.filed(57)).status).toBe(200);
      expect(runs()).toHaveLength(1);
      const run = FlowDriver.latest(h);
      const e = h.kestra.execution(run.id);
      expect(e.inputs[SINGLE_INPUTS.issueUrl]).toBe("https://github.com/acme/api/issues/57");
      const runLabel = (key: string) => e.labels.find((l) => l.key === key)?.value;
      expect([runLabel(LABELS.thread), runLabel(LABELS.ask), runLabel(LABELS.user)]).toEqual([
        parent.ts,
        asked.ts,
        REQUESTER,
      ]);
      const head = await waitHead(h, parent.ts);
      expect(head.text).toContain("acme/api#57");
      expect(head.text).toContain("Login fails for empty names");
      await run.started();
      await h.slack.waitFor(() => textOf(h, head.ts).endsWith("Running"));
      await h.slack.waitFor(() => h.slack.reactionsOf(CHANNEL, asked.ts)["eyes"]);

      // Kestra delivering the notification again starts nothing more.
      expect((await filing.notify()).status).toBe(200);
      expect(runs()).toHaveLength(1);
      // Sending the form again files nothing more either.
      await submit(modal, "acme/api", "Login fails for empty names");
      await ephemeralTo(REQUESTER, "already being filed from that message");
      expect(filings()).toHaveLength(1);
    });
  }

  for (const transport of TRANSPORTS) {
    it(`says in the thread, to the alerts channel and with ❌ when Kestra's task could not file it (${transport.name})`, async () => {
      await world(undefined, transport.socketMode);
      const { parent, asked } = await askToFix();
      const modal = await openForm(
        await ephemeralTo(REQUESTER, "links no GitHub issue"),
        parent.ts,
      );
      await submit(modal, "acme/api", "Login fails for empty names");
      await h.slack.waitFor(() => filings().length === 1);
      const res = await FilingDriver.latest(h).failed([
        "autofix: cannot file the issue in acme/api: Resource not accessible by personal access token",
      ]);
      expect(res.status).toBe(200);
      const reply = h.slack.thread(CHANNEL, parent.ts).find((m) => m.user === h.slack.botUserId);
      const said = `${reply?.text} ${JSON.stringify(reply?.blocks)}`;
      expect(said).toContain(`<@${REQUESTER}>`);
      expect(said).toContain("filing an issue in acme/api");
      expect(said).toContain("Resource not accessible by personal access token");
      expect(
        h.slack
          .channelMessages(ALERTS)
          .some((m) => JSON.stringify(m.blocks).includes("filing an issue in acme/api")),
      ).toBe(true);
      expect(h.slack.reactionsOf(CHANNEL, asked.ts)).toEqual({ x: [h.slack.botUserId] });
      expect(runs()).toHaveLength(0);
    });
  }

  it("cuts a long thread, and both the form and the issue say so", async () => {
    await world();
    const parent = h.slack.say(ANN, CHANNEL, "Checkout hangs");
    for (let i = 1; i < 45; i++)
      h.slack.say(i % 2 ? BOB : ANN, CHANNEL, `note ${i}`, { threadTs: parent.ts });
    await mention(h.asker, {
      user: REQUESTER,
      channel: CHANNEL,
      text: "fix this",
      threadTs: parent.ts,
    });
    const modal = await openForm(await ephemeralTo(REQUESTER, "links no GitHub issue"), parent.ts);
    expect(JSON.stringify(modal.view)).toContain(
      "the issue holds its first 40 of 45 messages, and says it was cut",
    );
    await submit(modal, "acme/api", "Checkout hangs");
    await h.slack.waitFor(() => filings().length === 1);
    const body = String(FilingDriver.latest(h).inputs[FILE_ISSUE.inputs.body]).replace(
      /\r\n/g,
      "\n",
    );
    expect(body).toContain("this issue holds its first 40 of 45 messages. Read the rest in Slack.");
    expect(body).toContain("> note 39");
    expect(body).not.toContain("> note 40");
  });
});

describe("refusals, said plainly", () => {
  it("no default repository (and none on the allow-list to pick)", async () => {
    await world({});
    await askToFix();
    await ephemeralTo(REQUESTER, "no default repository to file one in");
    expect(filings()).toHaveLength(0);
  });

  it("a default repository that is not on the channel's allow-list", async () => {
    await world({ AUTOFIX_DEFAULT_REPO: "acme/api", AUTOFIX_ALLOWED_REPOS: "acme/web" });
    await askToFix();
    await ephemeralTo(
      REQUESTER,
      "acme/api is not on this channel's allow-list (acme/web), so no issue is filed there",
    );
  });

  it("filing turned off in the channel; a repository the form did not offer", async () => {
    await world({ AUTOFIX_DEFAULT_REPO: "acme/api", AUTOFIX_ALLOWED_REPOS: "acme/api,acme/web" });
    const { parent } = await askToFix();
    const modal = await openForm(await ephemeralTo(REQUESTER, "links no GitHub issue"), parent.ts);
    expect(JSON.stringify(modal.view)).toContain('"value":"acme/web"');
    // A forged submission naming another repository is refused on the thread.
    await submit(modal, "evil/repo", "x");
    await ephemeralTo(REQUESTER, "evil/repo is not on this channel's allow-list");
    await h.app.runtime.settings.put(CHANNEL, { fileIssues: false });
    await mention(h.asker, {
      user: REQUESTER,
      channel: CHANNEL,
      text: "fix this",
      threadTs: parent.ts,
    });
    await ephemeralTo(REQUESTER, "filing issues from Slack is turned off in this channel");
    expect(filings()).toHaveLength(0);
  });
});
