import { afterEach, describe, expect, it } from "vitest";
import { LABELS, SINGLE_INPUTS } from "../../src/contracts/flow.ts";
import { findIssueUrl } from "../../src/listeners/shortcuts/autofix-message.ts";
import { SHORTCUTS } from "../../src/slack/ids.ts";
import {
  CHANNEL,
  type Harness,
  ISSUE_URL,
  REQUESTER,
  SIGNING_SECRET,
  startHarness,
} from "../support/harness.ts";
import { DEFAULTS, signSlackRequest } from "../support/slack-requests.ts";

let h: Harness;
const started: Harness[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((x) => x.close()));
});
async function start(env: Record<string, string> = {}): Promise<void> {
  h = await startHarness({ env });
  started.push(h);
}

/** A message shortcut (type message_action) as Slack posts it to the interactivity URL. */
async function sendMessageShortcut(
  text: string,
  user = REQUESTER,
  callbackId: string = SHORTCUTS.autofixMessage,
) {
  const messageTs = "1700000000.000100";
  const payload = {
    type: "message_action",
    token: DEFAULTS.verificationToken,
    action_ts: (Date.now() / 1000).toFixed(6),
    team: { id: DEFAULTS.teamId, domain: DEFAULTS.teamDomain },
    user: { id: user, username: "requester", name: "requester", team_id: DEFAULTS.teamId },
    channel: { id: CHANNEL, name: DEFAULTS.channelName },
    is_enterprise_install: false,
    enterprise: null,
    callback_id: callbackId,
    trigger_id: h.slack.issueTriggerId({ userId: user }),
    response_url: h.slack.responseUrl(),
    message_ts: messageTs,
    message: { type: "message", user: "U0OTHER", ts: messageTs, text },
  };
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  const timestamp = Math.floor(Date.now() / 1000);
  const res = await fetch(`${h.url}/slack/events`, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      "x-slack-request-timestamp": String(timestamp),
      "x-slack-signature": signSlackRequest(SIGNING_SECRET, body, timestamp),
    },
    body,
  });
  return res.status;
}

describe("the “Autofix this issue” message shortcut", () => {
  it("starts a run in the message's channel for the first issue link in it", async () => {
    await start();
    const status = await sendMessageShortcut(
      `Login is broken again, see <https://github.com/acme/api|the repo> and <${ISSUE_URL}|this issue> (also <https://github.com/acme/api/issues/7>)`,
    );
    expect(status).toBe(200);
    await h.slack.waitFor(() => h.kestra.executions.length === 1);
    const run = h.kestra.executions[0];
    expect(run?.inputs[SINGLE_INPUTS.issueUrl]).toBe(ISSUE_URL);
    const root = await h.slack.waitFor(() => h.slack.channelMessages(CHANNEL)[0]);
    expect(root.text).toContain("acme/api#42");
    const label = (key: string) => run?.labels.find((l) => l.key === key)?.value;
    expect(label(LABELS.ts)).toBe(root.ts);
    expect(label(LABELS.user)).toBe(REQUESTER);
    expect(label(LABELS.channel)).toBe(CHANNEL);
    expect(h.slack.ephemerals).toHaveLength(0);
  });

  it("tells the user privately when the message has no issue link, and starts nothing", async () => {
    await start();
    await sendMessageShortcut("Login is broken, see <https://gitlab.com/acme/api/issues/42>");
    const eph = await h.slack.waitFor(() => h.slack.ephemerals[0]);
    expect(eph).toMatchObject({ channel: CHANNEL, user: REQUESTER });
    expect(eph.text).toBe(
      "That message has no GitHub issue link (https://github.com/<owner>/<repo>/issues/<number>).",
    );
    expect(h.kestra.executions).toHaveLength(0);
    expect(h.slack.channelMessages(CHANNEL)).toHaveLength(0);
  });

  it("refuses a pull request link, and a repository outside the channel's allow-list", async () => {
    await start({ AUTOFIX_ALLOWED_REPOS: "other/*" });
    await sendMessageShortcut("Review <https://github.com/acme/api/pull/43>");
    const pr = await h.slack.waitFor(() => h.slack.ephemerals[0]);
    expect(pr.text).toBe("That message links a pull request, not an issue: Autofix fixes issues.");
    await sendMessageShortcut(`Fix <${ISSUE_URL}>`);
    const refused = await h.slack.waitFor(() => h.slack.ephemerals[1]);
    expect(refused.text).toMatch(/^acme\/api is not on this channel's allow-list \(other\/\*\)/);
    expect(h.kestra.executions).toHaveLength(0);
  });
});

describe("findIssueUrl", () => {
  it("reads Slack-wrapped and bare links of the configured host only", () => {
    const found = (text: string) => {
      const r = findIssueUrl(text, "ghe.example.com");
      return r.ok ? `${r.issue.owner}/${r.issue.repo}#${r.issue.number}` : r.message;
    };
    expect(
      found("<https://github.com/a/b/issues/1> <https://ghe.example.com/c/d/issues/2|x>"),
    ).toBe("c/d#2");
    expect(found("bare https://ghe.example.com/c/d/issues/3.")).toBe("c/d#3");
    expect(found("<https://ghe.example.com/c/d/issues/4#issuecomment-9>")).toBe("c/d#4");
    expect(found("nothing here")).toMatch(/^That message has no GitHub issue link/);
  });
});
