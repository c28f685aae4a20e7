// The pure parts of the conversational front end: what a mention says, which run a thread follows,
// where an issue may be filed, the issue drafted from a thread, and the reactions a status calls for.
import { describe, expect, it } from "vitest";
import { draftIssue, markdown } from "../../src/mentions/issue-body.ts";
import { mentionsBot, readMention } from "../../src/mentions/parse.ts";
import { filingRepos } from "../../src/mentions/service.ts";
import { reactionsFor } from "../../src/runs/reactions.ts";
import { RunRecord } from "../../src/runs/record.ts";
import { deriveView } from "../../src/runs/status.ts";
import { runOfThread } from "../../src/runs/thread-start.ts";

const BOT = "U0BOT";

describe("a mention's words", () => {
  it("drop the bot's mention, find help, issue links (once each) and pull requests", () => {
    const said = readMention(
      `<@${BOT}> fix <https://github.com/acme/api/issues/42> and https://github.com/acme/api/issues/42.`,
      BOT,
      "github.com",
    );
    expect(said.words).toBe(
      "fix <https://github.com/acme/api/issues/42> and https://github.com/acme/api/issues/42.",
    );
    expect(said.links.issues.map((i) => i.number)).toEqual([42]);
    expect(readMention(`<@${BOT}|autofix>  help `, BOT, "github.com").help).toBe(true);
    expect(readMention(`<@${BOT}> https://github.com/a/b/pull/3`, BOT, "github.com").links).toEqual(
      {
        issues: [],
        pullRequest: true,
      },
    );
    expect(mentionsBot("hi <@U0OTHER>", BOT)).toBe(false);
    expect(mentionsBot(`hi <@${BOT}|autofix>`, BOT)).toBe(true);
  });
});

describe("the run a thread follows", () => {
  let n = 0;
  const post = (user: string, meta?: { run: string; key: string }) => ({
    ts: `1.${++n}`,
    user,
    botId: user === BOT ? "B0BOT" : undefined,
    text: "",
    meta,
  });
  it("is the newest root of the bot's; a bot post without metadata is a root still starting", () => {
    expect(runOfThread([post("U0A"), post("U0B")], BOT)).toBeUndefined();
    expect(
      runOfThread(
        [post("U0A"), post(BOT, { run: "e1", key: "root" }), post(BOT, { run: "e1", key: "pr:x" })],
        BOT,
      ),
    ).toEqual({ run: "e1", rootTs: "1.4" });
    expect(runOfThread([post("U0A"), post(BOT)], BOT)).toEqual({ run: undefined });
    // Another app's post with our event type is not the bot's.
    expect(runOfThread([post("U0OTHERAPP", { run: "e9", key: "root" })], BOT)).toBeUndefined();
  });
});

describe("where an issue may be filed", () => {
  const policy = (defaultRepo: string | undefined, allowedRepos: string[]) => ({
    allowedRepos,
    approvers: { users: [], groups: [] },
    alertChannel: undefined,
    defaultRepo,
    defaultLabels: [],
    requireApproval: true,
    model: "gpt-4.1",
    mentions: true,
    fileIssues: true,
  });
  it("the default first, then the repositories the allow-list names (not owner/*), once each", () => {
    expect(filingRepos(policy("acme/api", ["acme/*", "acme/web", "ACME/API"]))).toEqual([
      "acme/api",
      "acme/web",
    ]);
    expect(filingRepos(policy(undefined, []))).toEqual([]);
    expect(filingRepos(policy("acme/api", ["acme/web"]))).toEqual(["acme/web"]);
  });
});

describe("the issue drafted from a thread", () => {
  const names = new Map([
    ["U0ANN", "Ann"],
    ["U0BOB", "@bob*"],
  ]);
  it("turns Slack's markup into Markdown and pings nobody on GitHub", () => {
    expect(
      markdown(
        `<@${BOT}> see <@U0BOB>, <#C1|ops>, <!here>, <https://x.example/a|the logs> &lt;b&gt; &amp; @alice`,
        BOT,
        names,
      ),
    ).toBe("see @\u200bbob, #ops, here, [the logs](https://x.example/a) <b> & @\u200balice");
  });

  it("quotes each message with its author, links back, and says when it was cut", () => {
    const messages = Array.from({ length: 45 }, (_, i) => ({
      user: i % 2 ? "U0BOB" : "U0ANN",
      text: `message ${i}\nsecond line`,
    }));
    const d = draftIssue({
      messages,
      names,
      botUserId: BOT,
      filer: "U0ANN",
      permalink: "https://fake.slack.com/archives/C1/p1",
      readCut: false,
    });
    expect(d.title).toBe("message 0");
    expect([d.kept, d.total]).toEqual([40, 45]);
    expect(d.body).toContain(
      "_Filed from [this Slack thread](https://fake.slack.com/archives/C1/p1) by **Ann** with Autofix._",
    );
    expect(d.body).toContain("**@\u200bbob** wrote:\n> message 1\n> second line");
    expect(d.body).toContain("holds its first 40 of 45 messages");
    const short = draftIssue({
      messages: messages.slice(0, 2),
      names,
      botUserId: BOT,
      filer: "U0ANN",
      permalink: undefined,
      readCut: false,
    });
    expect(short.body).not.toContain("first");
    expect(short.body).toContain("_Filed from a Slack thread");
  });
});

describe("the reactions a run's status calls for", () => {
  const execution = (
    inputs: Record<string, unknown>,
    tasks: { taskId: string; state: string }[],
    state = "RUNNING",
  ) =>
    ({
      id: "e1",
      namespace: "dev.autofix",
      flowId: "ai-issue-autofix",
      labels: [],
      inputs,
      state: { current: state, histories: [{ state }] },
      taskRunList: tasks.map((t, i) => ({
        id: `t${i}`,
        taskId: t.taskId,
        state: { current: t.state, histories: [] },
      })),
    }) as unknown as Parameters<typeof deriveView>[0];
  const record = () =>
    new RunRecord("e1", { channel: "C1", rootTs: "1.1" }, { rootOwner: undefined });
  it("👀 once running, ✅ for a PR or a dry run's patch, ❌ for a failure", () => {
    const approval = { apply_fix: true, wait_for_approval: true };
    expect(
      reactionsFor(
        deriveView(execution(approval, [{ taskId: "fix", state: "SUCCESS" }])),
        record(),
      ),
    ).toEqual(["eyes"]);
    expect(
      reactionsFor(
        deriveView(execution(approval, [{ taskId: "create_pr", state: "SUCCESS" }], "SUCCESS")),
        record(),
      ),
    ).toEqual(["eyes", "white_check_mark"]);
    expect(
      reactionsFor(
        deriveView(execution({ apply_fix: false }, [{ taskId: "fix", state: "SUCCESS" }])),
        record(),
      ),
    ).toEqual(["eyes", "white_check_mark"]);
    const empty = record();
    empty.emptyPatch = true;
    expect(
      reactionsFor(
        deriveView(execution({ apply_fix: false }, [{ taskId: "fix", state: "SUCCESS" }])),
        empty,
      ),
    ).toEqual(["eyes"]);
    expect(
      reactionsFor(
        deriveView(execution(approval, [{ taskId: "fix", state: "FAILED" }], "FAILED")),
        record(),
      ),
    ).toEqual(["eyes", "x"]);
  });
});
