import { afterEach, describe, expect, it } from "vitest";
import type { FaultResponse } from "../fakes/kestra.ts";
import { FlowDriver } from "../support/flow-driver.ts";
import { ALERTS, CHANNEL, type Harness, ISSUE_URL, startHarness } from "../support/harness.ts";

let h: Harness;
afterEach(async () => h?.close());

const CREATE = { method: "POST", path: "/api/v1/main/executions/dev.autofix/ai-issue-autofix" };

describe("Kestra refuses or fails to start the run", () => {
  it.each([
    [
      { status: 401 },
      "Kestra refused the bot's credentials",
      /refused the bot's credentials \(401\)/,
    ],
    [
      { status: 404, error: "Requested Flow is not found." },
      "Kestra does not have the autofix flow",
      /does not know the autofix flow/,
    ],
    [
      { status: 409, error: "Requested Flow is disabled." },
      "Kestra refused to start it (the flow may be disabled)",
      /refused because of the run's state \(409\)/,
    ],
    [
      {
        status: 422,
        body: {
          message: "Invalid entity: issue_url: is invalid",
          _links: { self: { href: CREATE.path, templated: false } },
          _embedded: { errors: [{ message: "issue_url is invalid", path: "issue_url" }] },
        },
      },
      "Kestra refused the run's inputs",
      /rejected the request as invalid: Invalid entity: issue_url: is invalid; issue_url is invalid/,
    ],
    [
      { status: 503, body: { message: "down" } },
      "Kestra is not reachable right now",
      /not reachable right now \(.*503.*\)\. Try again in a few minutes/,
    ],
    [
      "timeout",
      "Kestra is not reachable right now",
      /did not answer POST \/api\/v1\/main\/executions\/dev.autofix\/ai-issue-autofix within/,
    ],
    ["reset", "Kestra is not reachable right now", /unreachable/],
  ] as [FaultResponse, string, RegExp][])(
    "%j: each audience hears it once: the requester in short, the channel in one line with Retry, the admins in full",
    async (fault, short, details) => {
      h = await startHarness();
      h.kestra.failNext(CREATE, fault);
      const responseUrl = h.slack.responseUrl();
      const res = await h.command(ISSUE_URL, { response_url: responseUrl });
      expect(res.status).toBe(200);

      const answer = await h.slack.waitFor(() =>
        h.slack
          .responses(responseUrl)
          .map((r) => String((r as { text?: unknown }).text))
          .find((t) => t.startsWith("Couldn't start")),
      );
      expect(answer).toBe(
        `Couldn't start the run for acme/api#42: ${short}. The admins have been told; press *Retry* on its message once they have fixed it.`,
      );
      const root = await h.slack.waitFor(
        () => {
          const r = h.slack.channelMessages(CHANNEL)[0];
          return r?.text.endsWith("Failed") ? r : undefined;
        },
        { description: "root shows Failed", timeoutMs: 8000 },
      );
      const rootBlocks = JSON.stringify(root.blocks);
      expect(rootBlocks).toContain(`Couldn't start: ${short}. The admins have been told.`);
      expect(rootBlocks).toContain("autofix_retry_start");
      expect(rootBlocks).not.toMatch(details);
      const alert = await h.slack.waitFor(() => h.slack.channelMessages(ALERTS)[0]);
      expect(alert.text).toContain("acme/api#42 failed before it started (step start)");
      expect(JSON.stringify(alert.blocks)).toMatch(details);
      expect(JSON.stringify(alert.blocks)).toContain("open the thread");
      // A run that never started is retried from its own message only (the alerts channel has other settings).
      expect(JSON.stringify(alert.blocks)).not.toContain("autofix_retry_start");
      // Nothing more is said in the thread: the root and the alert were all of it.
      await h.app.runtime.background.drain();
      expect(h.slack.thread(CHANNEL, root.ts)).toEqual([]);
      expect(answer).not.toMatch(details);
      expect(h.kestra.executions).toHaveLength(0);
    },
  );

  it("Kestra unreachable before anything is posted: the requester is told and the alerts channel hears", async () => {
    h = await startHarness();
    await h.app.runtime.reconciler.runOnce(); // the start-up catch-up searches too
    // The first Kestra call of a start (is a run of this issue in progress?) gets no answer.
    h.kestra.failNext({ method: "GET", path: /\/executions\/search\?/ }, "reset");
    const responseUrl = h.slack.responseUrl();
    await h.command(ISSUE_URL, { response_url: responseUrl });
    await h.slack.waitFor(() =>
      JSON.stringify(h.slack.responses(responseUrl)).includes(
        "Couldn't start the run for acme/api#42: Kestra is not reachable right now. The admins have been told; try again once they have fixed it.",
      ),
    );
    const alert = await h.slack.waitFor(() => h.slack.channelMessages(ALERTS)[0], {
      description: "alert",
    });
    expect(alert.text).toContain("acme/api#42 failed before it started");
    expect(JSON.stringify(alert.blocks)).toContain("Kestra is unreachable");
    expect(h.kestra.executions).toHaveLength(0);
    expect(h.slack.channelMessages(CHANNEL)).toHaveLength(0);
  });

  it("Retry on the root of a run that never started starts it again", async () => {
    h = await startHarness();
    h.kestra.failNext(CREATE, { status: 503 });
    await h.command(ISSUE_URL);
    const root = await h.slack.waitFor(() => {
      const r = h.slack.channelMessages(CHANNEL)[0];
      return r?.text.endsWith("Failed") ? r : undefined;
    });
    await h.click({
      user: "U0OTHER",
      messageTs: root.ts,
      actionId: "autofix_retry_start",
      value: ISSUE_URL,
    });
    await h.slack.waitFor(() => h.kestra.executions.length === 1, { description: "restarted" });
    const labels = h.kestra.executions[0]?.labels ?? [];
    expect(labels).toContainEqual({ key: "slack-user", value: "U0OTHER" });
  });
});

describe("input that is not an allowed GitHub issue URL", () => {
  it.each([
    ["https://github.com/acme/api/pull/7", /pull request, not an issue/],
    ["https://gitlab.com/acme/api/issues/1", /host must be github.com/],
    ["<!channel> please fix", /not a GitHub issue URL/],
    ["x".repeat(3000), /3000 characters long/],
  ])("%s gets a specific ephemeral error and starts nothing", async (input, reason) => {
    h = await startHarness({ env: { AUTOFIX_ALLOWED_REPOS: "acme/*" } });
    const res = await h.command(input);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ response_type: "ephemeral" });
    expect(JSON.stringify(res.body)).toMatch(reason);
    expect(JSON.stringify(res.body)).toContain("Usage");
    // A valid command afterwards gets its run: by then the refused one would have started too.
    await h.command(ISSUE_URL);
    await h.slack.waitFor(() => h.kestra.executions.length === 1, { description: "valid run" });
    expect(h.kestra.requests.filter((r) => r.method === "POST")).toHaveLength(1);
    expect(h.slack.messages).toHaveLength(1);
  });

  it("a repository off the channel's allow-list is refused privately and starts nothing", async () => {
    h = await startHarness({ env: { AUTOFIX_ALLOWED_REPOS: "acme/*" } });
    const url = h.slack.responseUrl();
    const res = await h.command("https://github.com/other/repo/issues/1", { response_url: url });
    expect(res.status).toBe(200);
    await h.slack.waitFor(() => h.slack.responses(url).length > 0);
    expect(JSON.stringify(h.slack.responses(url))).toMatch(
      /other\/repo is not on this channel's allow-list \(acme\/\*\)/,
    );
    await h.app.runtime.background.drain();
    expect(h.kestra.requests.filter((r) => r.method === "POST")).toHaveLength(0);
    expect(h.slack.messages).toHaveLength(0);
  });

  it("help and an empty command explain usage with an example", async () => {
    h = await startHarness();
    for (const t of ["", "help"]) {
      const res = await h.command(t);
      expect(JSON.stringify(res.body)).toContain("/autofix https://github.com/acme/api/issues/42");
    }
  });

  it("an issue GitHub does not know, or that is a pull request, starts nothing", async () => {
    h = await startHarness();
    const missing = h.slack.responseUrl();
    await h.command("https://github.com/acme/api/issues/404", { response_url: missing });
    const pr = h.slack.responseUrl();
    await h.command("https://github.com/acme/api/issues/7", { response_url: pr });
    await h.slack.waitFor(() =>
      JSON.stringify(h.slack.responses(missing)).includes("GitHub says that issue does not exist"),
    );
    await h.slack.waitFor(() =>
      JSON.stringify(h.slack.responses(pr)).includes("acme/api#7 is a pull request"),
    );
    expect(h.kestra.executions).toHaveLength(0);
    expect(h.slack.messages).toHaveLength(0);
  });

  it("a channel the bot cannot post in is explained, and nothing starts", async () => {
    h = await startHarness();
    const url = h.slack.responseUrl();
    await h.command(ISSUE_URL, { channel_id: "C0NOTJOINED", response_url: url });
    await h.slack.waitFor(() => JSON.stringify(h.slack.responses(url)).includes("Invite the bot"));
    expect(h.kestra.executions).toHaveLength(0);
  });
});

it("Kestra down at command time: the requester is told, the alerts channel hears once per outage", async () => {
  h = await startHarness();
  await h.kestra.close();
  const first = h.slack.responseUrl();
  await h.command(ISSUE_URL, { response_url: first });
  await h.slack.waitFor(() =>
    /Kestra is not reachable/.test(JSON.stringify(h.slack.responses(first))),
  );
  const alert = await h.slack.waitFor(() => h.slack.channelMessages(ALERTS)[0]);
  expect(alert.text).toContain(
    "Kestra cannot be reached: `/autofix <issue-url>` in <#C0GENERAL> failed",
  );
  // A second person a moment later: told as well, the admins are not told twice.
  const second = h.slack.responseUrl();
  await h.command(ISSUE_URL, { response_url: second, user_id: "U0OTHER" });
  await h.slack.waitFor(() =>
    /Kestra is not reachable/.test(JSON.stringify(h.slack.responses(second))),
  );
  expect(h.slack.channelMessages(ALERTS)).toHaveLength(1);
});

describe("where the bot may start a thread", () => {
  it("a public channel it was never invited to: it joins first, so it can read the thread back after a restart", async () => {
    h = await startHarness();
    h.slack.addChannel("C0PUBLIC", { botMember: false });
    await h.command(ISSUE_URL, { channel_id: "C0PUBLIC" });
    const root = await h.slack.waitFor(() => h.slack.channelMessages("C0PUBLIC")[0]);
    await h.slack.waitFor(() => h.kestra.executions.length === 1, { description: "the run" });
    const calls = h.slack.calls.map((c) => c.method);
    expect(calls.indexOf("conversations.join")).toBeLessThan(calls.indexOf("chat.postMessage"));
    // A restarted bot reads the thread back (its record): membership makes that possible.
    await h.stopApp();
    await h.startNewApp();
    await FlowDriver.latest(h).started();
    expect(
      h.slack.calls.some((c) => c.method === "conversations.replies" && c.error === undefined),
    ).toBe(true);
    expect(h.slack.message("C0PUBLIC", root.ts)?.text).toMatch(/Running$/);
  });

  it("a private channel it was not invited to: told to invite it, nothing started", async () => {
    h = await startHarness();
    h.slack.addChannel("G0SECRET", { isPrivate: true, botMember: false });
    const responseUrl = h.slack.responseUrl();
    await h.command(ISSUE_URL, { channel_id: "G0SECRET", response_url: responseUrl });
    await h.slack.waitFor(() =>
      /Invite the bot first/.test(JSON.stringify(h.slack.responses(responseUrl))),
    );
    expect(h.kestra.executions).toHaveLength(0);
  });

  it("Slack failing the root post for another reason is said as such, not as 'invite the bot'", async () => {
    h = await startHarness();
    h.slack.failNext("chat.postMessage", "invalid_blocks");
    const responseUrl = h.slack.responseUrl();
    await h.command(ISSUE_URL, { response_url: responseUrl });
    const said = await h.slack.waitFor(() => {
      const text = JSON.stringify(h.slack.responses(responseUrl));
      return /could not be started/.test(text) ? text : undefined;
    });
    expect(said).toContain("invalid_blocks");
    expect(said).not.toContain("Invite the bot");
    expect(h.kestra.executions).toHaveLength(0);
  });
});
