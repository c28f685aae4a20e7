// Tests of the fake Slack itself, driven by the real @slack/web-api WebClient and a real Bolt app:
// the fake must accept what the SDK sends and refuse what Slack refuses.

import type { AddressInfo } from "node:net";
import { App } from "@slack/bolt";
import {
  WebAPIHTTPError,
  WebAPIPlatformError,
  WebAPIRateLimitedError,
  WebClient,
} from "@slack/web-api";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { silent } from "../support/silent-logger.ts";
import { deliverEvent, mention, mentionEvent } from "../support/slack-events.ts";
import {
  sendBlockAction,
  sendCommand,
  sendEvent,
  sendUrlVerification,
  sendViewSubmission,
  signSlackRequest,
} from "../support/slack-requests.ts";
import { type FakeSlack, startFakeSlack } from "./slack.ts";

const NO_RETRIES = { retries: 0 };

function client(
  fake: FakeSlack,
  opts: { token?: string | undefined; rejectRateLimitedCalls?: boolean } = {},
) {
  return new WebClient("token" in opts ? opts.token : fake.botToken, {
    slackApiUrl: fake.apiUrl,
    retryConfig: NO_RETRIES,
    rejectRateLimitedCalls: opts.rejectRateLimitedCalls ?? false,
    logger: silent,
  });
}

/** The Slack error code of a failed WebClient call. */
async function slackError(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (error) {
    if (error instanceof WebAPIPlatformError) return error.data.error;
    throw error;
  }
  throw new Error("expected the call to fail");
}

const section = (text: string, extra: Record<string, unknown> = {}) => ({
  type: "section",
  text: { type: "mrkdwn", text },
  ...extra,
});
const button = (text: string, extra: Record<string, unknown> = {}) => ({
  type: "button",
  text: { type: "plain_text", text },
  action_id: `a${Math.random().toString(36).slice(2)}`,
  ...extra,
});

describe("fake Slack Web API with the real WebClient", () => {
  let fake: FakeSlack;
  let web: WebClient;

  beforeAll(async () => {
    fake = await startFakeSlack();
    web = client(fake);
  });
  afterEach(() => fake.reset());
  afterAll(() => fake.close());

  it("answers auth.test with the bot identity", async () => {
    const result = await web.auth.test();
    expect(result).toMatchObject({
      ok: true,
      team_id: "T0TEST",
      user_id: "U0BOT",
      bot_id: "B0BOT",
    });
  });

  it("posts, threads and updates messages with Slack's shapes", async () => {
    const root = await web.chat.postMessage({ channel: "C0GENERAL", text: "Run started" });
    expect(root.ts).toMatch(/^\d{10}\.\d{6}$/);
    const reply = await web.chat.postMessage({
      channel: "C0GENERAL",
      thread_ts: root.ts as string,
      text: "step 1",
      metadata: { event_type: "autofix_run", event_payload: { id: "e1" } },
    });
    expect(reply.message).toMatchObject({ thread_ts: root.ts, text: "step 1", bot_id: "B0BOT" });
    expect(Number(reply.ts)).toBeGreaterThan(Number(root.ts));

    await web.chat.update({ channel: "C0GENERAL", ts: root.ts as string, text: "Run finished" });

    const stored = fake.message("C0GENERAL", root.ts as string);
    expect(stored?.text).toBe("Run finished");
    expect(stored?.updates).toBe(1);
    expect(stored?.versions.map((v) => v.text)).toEqual(["Run started", "Run finished"]);
    expect(fake.thread("C0GENERAL", root.ts as string).map((m) => m.text)).toEqual(["step 1"]);
    expect(fake.thread("C0GENERAL", root.ts as string)[0]?.metadata?.event_payload).toEqual({
      id: "e1",
    });
    expect(fake.channelMessages("C0GENERAL").map((m) => m.ts)).toEqual([root.ts]);

    const link = await web.chat.getPermalink({
      channel: "C0GENERAL",
      message_ts: reply.ts as string,
    });
    expect(link.permalink).toBe(
      `https://fake.slack.com/archives/C0GENERAL/p${(reply.ts as string).replace(".", "")}?thread_ts=${root.ts}&cid=C0GENERAL`,
    );
  });

  it("records every call with decoded params and a redacted token", async () => {
    await web.chat.postMessage({ channel: "C0ALERTS", text: "x", blocks: [section("hi")] });
    const call = fake.calls.at(-1);
    expect(call?.method).toBe("chat.postMessage");
    expect(call?.params["blocks"]).toEqual([section("hi")]);
    expect(call?.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(call?.headers["authorization"]).toBe("[redacted]");
    expect(JSON.stringify(fake.calls)).not.toContain(fake.botToken);
    expect(fake.callCount("chat.postMessage")).toBe(1);
  });

  it("runs the beforeReply hook once the effect is applied and before the caller's answer", async () => {
    const seen: string[] = [];
    let posted = 0;
    fake.beforeReply(async (pending) => {
      posted = fake.messages.length;
      seen.push(`${pending.method}:${pending.n}:${String(pending.params["text"])}`);
      await new Promise((r) => setTimeout(r, 30));
    });
    const before = Date.now();
    const res = await web.chat.postMessage({ channel: "C0GENERAL", text: "hooked" });
    fake.beforeReply(undefined);
    expect(res.ok).toBe(true);
    // The hook saw the message already stored, and the answer waited for it.
    expect(posted).toBe(1);
    expect(Date.now() - before).toBeGreaterThanOrEqual(25);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatch(/^chat\.postMessage:\d+:hooked$/);
    await web.chat.postMessage({ channel: "C0GENERAL", text: "unhooked" });
    expect(seen).toHaveLength(1);
  });

  it("pages a channel's history newest first, after `oldest`, with metadata on request", async () => {
    const first = await web.chat.postMessage({ channel: "C0ALERTS", text: "old" });
    const tagged = await web.chat.postMessage({
      channel: "C0ALERTS",
      text: "alert",
      metadata: {
        event_type: "autofix_post",
        event_payload: { run: "e1", key: "alert:failure:0" },
      },
    });
    await web.chat.postMessage({
      channel: "C0ALERTS",
      thread_ts: tagged.ts as string,
      text: "reply",
    });
    const newest = await web.chat.postMessage({ channel: "C0ALERTS", text: "new" });
    const page1 = await web.conversations.history({
      channel: "C0ALERTS",
      oldest: first.ts as string,
      limit: 1,
      include_all_metadata: true,
    });
    expect(page1.messages?.map((m) => m.text)).toEqual(["new"]);
    expect(page1.has_more).toBe(true);
    const page2 = await web.conversations.history({
      channel: "C0ALERTS",
      oldest: first.ts as string,
      cursor: page1.response_metadata?.next_cursor as string,
      include_all_metadata: true,
    });
    // Thread replies stay out; `oldest` itself is excluded; metadata came back.
    expect(page2.messages?.map((m) => m.text)).toEqual(["alert"]);
    expect(page2.messages?.[0]?.metadata?.event_payload).toEqual({
      run: "e1",
      key: "alert:failure:0",
    });
    const plain = await web.conversations.history({
      channel: "C0ALERTS",
      latest: newest.ts as string,
    });
    expect(plain.messages?.map((m) => m.text)).toEqual(["alert", "old"]);
    expect(plain.messages?.[0]?.metadata).toBeUndefined();
  });

  it("refuses missing and wrong tokens", async () => {
    expect(await slackError(client(fake, { token: "xoxb-wrong" }).auth.test())).toBe(
      "invalid_auth",
    );
    expect(await slackError(client(fake, { token: undefined }).auth.test())).toBe("not_authed");
  });

  it("answers 404 unknown_method for methods Slack does not have", async () => {
    const error = await web
      .apiCall("chat.postMesage", { channel: "C0GENERAL" })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WebAPIHTTPError);
    expect((error as WebAPIHTTPError).statusCode).toBe(404);
    expect((error as WebAPIHTTPError).body).toMatchObject({
      error: "unknown_method",
      req_method: "chat.postMesage",
    });
  });

  it("refuses unsupported content types and JSON bodies without a Bearer header", async () => {
    const post = (headers: Record<string, string>, body: string) =>
      fetch(`${fake.apiUrl}auth.test`, { method: "POST", headers, body }).then((r) => r.json());
    expect(await post({ "content-type": "text/xml" }, `token=${fake.botToken}`)).toEqual({
      ok: false,
      error: "invalid_post_type",
    });
    const json = JSON.stringify({ token: fake.botToken, channel: "C0GENERAL", text: "hi" });
    expect(await post({ "content-type": "application/json" }, json)).toMatchObject({
      error: "not_authed",
    });
    expect(
      await post(
        { "content-type": "application/json", authorization: `Bearer ${fake.botToken}` },
        "{",
      ),
    ).toMatchObject({ error: "invalid_json" });
    // The form `token` field is accepted like the header.
    expect(
      await post({ "content-type": "application/x-www-form-urlencoded" }, `token=${fake.botToken}`),
    ).toMatchObject({ ok: true, user_id: "U0BOT" });
  });

  it("accepts a JSON body with a Bearer header for write methods", async () => {
    const response = await fetch(`${fake.apiUrl}chat.postMessage`, {
      method: "POST",
      headers: {
        "content-type": "application/json; charset=utf-8",
        authorization: `Bearer ${fake.botToken}`,
      },
      body: JSON.stringify({ channel: "C0GENERAL", text: "json", blocks: [section("json")] }),
    });
    expect(await response.json()).toMatchObject({ ok: true, channel: "C0GENERAL" });
    expect(fake.channelMessages("C0GENERAL")[0]?.blocks).toEqual([section("json")]);
  });

  it("applies chat.postMessage argument rules", async () => {
    expect(await slackError(web.chat.postMessage({ channel: "C0NOPE", text: "x" }))).toBe(
      "channel_not_found",
    );
    expect(await slackError(web.chat.postMessage({ channel: "C0GENERAL", text: "" }))).toBe(
      "no_text",
    );
    expect(
      await slackError(
        web.chat.postMessage({ channel: "C0GENERAL", text: "x", thread_ts: "1764000000.999999" }),
      ),
    ).toBe("thread_not_found");
    expect(
      await slackError(web.chat.postMessage({ channel: "C0GENERAL", text: "x", thread_ts: "0" })),
    ).toBe("invalid_thread_ts");
    const long = await web.chat.postMessage({ channel: "C0GENERAL", text: "y".repeat(40_001) });
    expect(long.response_metadata?.warnings).toEqual(["message_truncated"]);
    expect(fake.message("C0GENERAL", long.ts as string)?.text).toHaveLength(40_000);
  });

  it("refuses chat.update text over 4000 characters and unknown messages", async () => {
    const { ts } = await web.chat.postMessage({ channel: "C0GENERAL", text: "short" });
    expect(
      await slackError(
        web.chat.update({ channel: "C0GENERAL", ts: ts as string, text: "z".repeat(4001) }),
      ),
    ).toBe("msg_too_long");
    expect(
      await slackError(
        web.chat.update({ channel: "C0GENERAL", ts: "1764000000.999999", text: "x" }),
      ),
    ).toBe("message_not_found");
    expect(fake.message("C0GENERAL", ts as string)?.updates).toBe(0);
  });

  it("keeps or drops blocks on chat.update as Slack documents", async () => {
    const { ts } = await web.chat.postMessage({
      channel: "C0GENERAL",
      text: "t",
      blocks: [section("b")],
    });
    await web.chat.update({ channel: "C0GENERAL", ts: ts as string, blocks: [section("b2")] });
    expect(fake.message("C0GENERAL", ts as string)?.blocks).toEqual([section("b2")]);
    await web.chat.update({ channel: "C0GENERAL", ts: ts as string, text: "text only" });
    expect(fake.message("C0GENERAL", ts as string)?.blocks).toBeUndefined();
  });

  describe("Block Kit limits", () => {
    const cases: [string, unknown[]][] = [
      ["51 blocks", Array.from({ length: 51 }, () => ({ type: "divider" }))],
      ["section text over 3000", [section("x".repeat(3001))]],
      [
        "11 section fields",
        [
          {
            type: "section",
            fields: Array.from({ length: 11 }, () => ({ type: "mrkdwn", text: "f" })),
          },
        ],
      ],
      ["header in mrkdwn", [{ type: "header", text: { type: "mrkdwn", text: "h" } }]],
      [
        "header over 150",
        [{ type: "header", text: { type: "plain_text", text: "h".repeat(151) } }],
      ],
      ["button text over 75", [{ type: "actions", elements: [button("b".repeat(76))] }]],
      [
        "button value over 2000",
        [{ type: "actions", elements: [button("ok", { value: "v".repeat(2001) })] }],
      ],
      [
        "26 actions elements",
        [{ type: "actions", elements: Array.from({ length: 26 }, () => button("b")) }],
      ],
      [
        "11 context elements",
        [
          {
            type: "context",
            elements: Array.from({ length: 11 }, () => ({ type: "mrkdwn", text: "c" })),
          },
        ],
      ],
      [
        "duplicate block_id",
        [section("a", { block_id: "same" }), section("b", { block_id: "same" })],
      ],
      ["block_id over 255", [section("a", { block_id: "i".repeat(256) })]],
      ["unknown block type", [{ type: "sectionn", text: { type: "mrkdwn", text: "x" } }]],
      [
        "input element in actions",
        [{ type: "actions", elements: [{ type: "plain_text_input", action_id: "p" }] }],
      ],
      ["empty section text", [section("")]],
    ];
    it.each(cases)("refuses %s with invalid_blocks", async (_name, blocks) => {
      const error = await web.chat
        .postMessage({ channel: "C0GENERAL", text: "fallback", blocks: blocks as never })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WebAPIPlatformError);
      const data = (error as WebAPIPlatformError).data;
      expect(data.error).toBe("invalid_blocks");
      expect(data.response_metadata?.messages?.[0]).toMatch(
        /^\[ERROR\] .+ \[json-pointer:\/blocks.*\]$/,
      );
      expect(fake.messages).toHaveLength(0);
    });

    it("accepts the limits themselves", async () => {
      const blocks = [
        { type: "header", text: { type: "plain_text", text: "h".repeat(150) } },
        section("x".repeat(3000), { block_id: "b".repeat(255) }),
        {
          type: "actions",
          elements: [button("b".repeat(75), { value: "v".repeat(2000), style: "primary" })],
        },
        ...Array.from({ length: 47 }, () => ({ type: "divider" })),
      ];
      await expect(
        web.chat.postMessage({ channel: "C0GENERAL", text: "ok", blocks }),
      ).resolves.toMatchObject({ ok: true });
    });

    it("refuses malformed blocks JSON with invalid_blocks_format", async () => {
      const response = await fetch(`${fake.apiUrl}chat.postMessage`, {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          authorization: `Bearer ${fake.botToken}`,
        },
        body: new URLSearchParams({ channel: "C0GENERAL", text: "x", blocks: "[{" }).toString(),
      });
      expect(await response.json()).toMatchObject({ ok: false, error: "invalid_blocks_format" });
    });
  });

  describe("views", () => {
    const modal = (extra: Record<string, unknown> = {}) => ({
      type: "modal" as const,
      title: { type: "plain_text" as const, text: "Approve fix" },
      submit: { type: "plain_text" as const, text: "Approve" },
      blocks: [section("Create the PR?")],
      ...extra,
    });

    it("opens a modal once per registered trigger id", async () => {
      const trigger = fake.issueTriggerId({ userId: "U0REQ" });
      const opened = await web.views.open({
        trigger_id: trigger,
        view: modal({ callback_id: "approve" }),
      });
      expect(opened.view?.id).toMatch(/^V/);
      expect(fake.views.modals[0]?.view["callback_id"]).toBe("approve");
      expect(await slackError(web.views.open({ trigger_id: trigger, view: modal() }))).toBe(
        "exchanged_trigger_id",
      );
      expect(await slackError(web.views.open({ trigger_id: "123.456.abc", view: modal() }))).toBe(
        "invalid_trigger_id",
      );
    });

    it("refuses invalid views with invalid_arguments and big ones with view_too_large", async () => {
      const title = { type: "plain_text" as const, text: "t".repeat(25) };
      expect(
        await slackError(
          web.views.open({ trigger_id: fake.issueTriggerId(), view: modal({ title }) }),
        ),
      ).toBe("invalid_arguments");
      const metadata = modal({ private_metadata: "m".repeat(3001) });
      expect(
        await slackError(web.views.open({ trigger_id: fake.issueTriggerId(), view: metadata })),
      ).toBe("invalid_arguments");
      const inputWithoutSubmit = modal({
        submit: undefined,
        blocks: [
          {
            type: "input",
            label: { type: "plain_text", text: "Why" },
            element: { type: "plain_text_input" },
          },
        ],
      });
      expect(
        await slackError(
          web.views.open({ trigger_id: fake.issueTriggerId(), view: inputWithoutSubmit }),
        ),
      ).toBe("invalid_arguments");
      const huge = {
        type: "home" as const,
        blocks: Array.from({ length: 90 }, () => section("x".repeat(2900))),
      };
      expect(await slackError(web.views.publish({ user_id: "U0REQ", view: huge }))).toBe(
        "view_too_large",
      );
      const tooMany = {
        type: "home" as const,
        blocks: Array.from({ length: 101 }, () => ({ type: "divider" })),
      };
      expect(await slackError(web.views.publish({ user_id: "U0REQ", view: tooMany }))).toBe(
        "invalid_arguments",
      );
    });

    it("publishes and updates the Home tab per user", async () => {
      const home = { type: "home" as const, blocks: [section("Recent runs")] };
      const published = await web.views.publish({ user_id: "U0REQ", view: home });
      expect(fake.views.home.get("U0REQ")?.view["blocks"]).toEqual(home.blocks);
      await web.views.update({
        view_id: published.view?.id as string,
        view: { ...home, blocks: [section("v2")] },
      });
      expect(fake.views.home.get("U0REQ")?.versions).toHaveLength(2);
      expect(await slackError(web.views.update({ view_id: "V0NONE", view: home }))).toBe(
        "not_found",
      );
    });
  });

  describe("files.uploadV2", () => {
    const diff = "diff --git a/x.ts b/x.ts\n--- a/x.ts\n+++ b/x.ts\n@@ -1 +1 @@\n-old ✓\n+new ✓\n";

    it("uploads a diff snippet into a thread with the exact bytes (three calls)", async () => {
      const root = await web.chat.postMessage({ channel: "C0ALERTS", text: "Patch ready" });
      const result = await web.filesUploadV2({
        channel_id: "C0ALERTS",
        thread_ts: root.ts as string,
        content: diff,
        filename: "patch.diff",
        title: "Proposed patch",
        snippet_type: "diff",
        initial_comment: "Here is the patch",
      });
      expect(result.ok).toBe(true);
      expect(fake.calls.map((c) => c.method)).toEqual([
        "chat.postMessage",
        "files.getUploadURLExternal",
        "upload",
        "files.completeUploadExternal",
      ]);
      expect(fake.calls[1]?.params).toMatchObject({ filename: "patch.diff", snippet_type: "diff" });
      expect(Number(fake.calls[1]?.params["length"])).toBe(Buffer.byteLength(diff));
      expect(fake.calls[2]?.headers["content-type"]).toMatch(/^multipart\/form-data; boundary=/);

      const [file] = fake.files;
      expect(file).toMatchObject({
        filename: "patch.diff",
        title: "Proposed patch",
        snippetType: "diff",
        content: diff,
        channel: "C0ALERTS",
        threadTs: root.ts,
        initialComment: "Here is the patch",
      });
      const thread = fake.thread("C0ALERTS", root.ts as string);
      expect(thread).toHaveLength(1);
      expect(thread[0]).toMatchObject({ text: "Here is the patch", files: [file?.id] });
    });

    it("refuses bytes whose length differs from the declared length", async () => {
      const { upload_url, file_id } = await web.files.getUploadURLExternal({
        filename: "a.txt",
        length: 10,
      });
      const response = await fetch(upload_url as string, { method: "POST", body: "12345" });
      expect(response.status).toBe(400);
      expect(
        await slackError(
          web.files.completeUploadExternal({ files: [{ id: file_id as string, title: "a" }] }),
        ),
      ).toBe("file_not_found");
    });

    it("validates getUploadURLExternal arguments", async () => {
      expect(await slackError(web.files.getUploadURLExternal({ filename: "a", length: 0 }))).toBe(
        "missing_argument",
      );
      expect(
        await slackError(
          web.files.getUploadURLExternal({ filename: "a", length: 5, snippet_type: "klingon" }),
        ),
      ).toBe("invalid_arguments");
      expect(
        await slackError(
          web.files.getUploadURLExternal({
            filename: "a",
            length: 2 * 1024 * 1024,
            snippet_type: "diff",
          }),
        ),
      ).toBe("snippet_too_large");
      expect(
        await slackError(web.files.completeUploadExternal({ files: [{ id: "F0NONE" }] })),
      ).toBe("file_not_found");
    });
  });

  describe("rate limits", () => {
    it("surfaces an injected 429 as WebAPIRateLimitedError with rejectRateLimitedCalls", async () => {
      fake.rateLimit("chat.postMessage", { times: 1, retryAfterSec: 7 });
      const error = await client(fake, { rejectRateLimitedCalls: true })
        .chat.postMessage({ channel: "C0GENERAL", text: "x" })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WebAPIRateLimitedError);
      expect((error as WebAPIRateLimitedError).retryAfter).toBe(7);
      expect(fake.calls[0]).toMatchObject({ status: 429, error: "ratelimited" });
    });

    it("lets the WebClient retry an injected 429 transparently", async () => {
      fake.rateLimit("chat.postMessage", { times: 1, retryAfterSec: 0 });
      const retrying = new WebClient(fake.botToken, {
        slackApiUrl: fake.apiUrl,
        retryConfig: { retries: 2, minTimeout: 0, maxTimeout: 0 },
        logger: silent,
      });
      const result = await retrying.chat.postMessage({ channel: "C0GENERAL", text: "eventually" });
      expect(result.ok).toBe(true);
      expect(fake.calls.map((c) => c.status)).toEqual([429, 200]);
      expect(fake.channelMessages("C0GENERAL")).toHaveLength(1);
    });

    it("injects platform errors with failNext", async () => {
      fake.failNext("users.info", "fatal_error", 2);
      expect(await slackError(web.users.info({ user: "U0REQ" }))).toBe("fatal_error");
      expect(await slackError(web.users.info({ user: "U0REQ" }))).toBe("fatal_error");
      await expect(web.users.info({ user: "U0REQ" })).resolves.toMatchObject({
        user: { id: "U0REQ" },
      });
    });
  });

  it("emulates tier quotas when asked", async () => {
    const tiered = await startFakeSlack({ tiers: { windowMs: 60_000 } });
    try {
      const limited = client(tiered, { rejectRateLimitedCalls: true });
      tiered.setUsergroup("S0APPROVERS", ["U0REQ"]);
      for (let i = 0; i < 20; i += 1)
        await limited.usergroups.users.list({ usergroup: "S0APPROVERS" });
      const error = await limited.usergroups.users
        .list({ usergroup: "S0APPROVERS" })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WebAPIRateLimitedError);
      for (let i = 0; i < 5; i += 1)
        await limited.chat.postMessage({ channel: "C0GENERAL", text: `${i}` });
      await expect(
        limited.chat.postMessage({ channel: "C0GENERAL", text: "burst" }),
      ).rejects.toBeInstanceOf(WebAPIRateLimitedError);
      // The per-channel quota of chat.postMessage leaves other channels alone.
      await expect(
        limited.chat.postMessage({ channel: "C0ALERTS", text: "other" }),
      ).resolves.toMatchObject({ ok: true });
    } finally {
      await tiered.close();
    }
  });

  it("lists user group members and refuses unknown groups", async () => {
    fake.setUsergroup("S0APPROVERS", ["U0REQ", "U0LEAD"]);
    const result = await web.usergroups.users.list({ usergroup: "S0APPROVERS" });
    expect(result.users).toEqual(["U0REQ", "U0LEAD"]);
    expect(await slackError(web.usergroups.users.list({ usergroup: "S0NOPE" }))).toBe(
      "no_such_subteam",
    );
  });

  it("answers users.info and conversations.info from the directory", async () => {
    fake.addUser("U0ADMIN", { name: "ada", isAdmin: true });
    expect((await web.users.info({ user: "U0ADMIN" })).user).toMatchObject({
      name: "ada",
      is_admin: true,
    });
    expect(await slackError(web.users.info({ user: "U0GHOST" }))).toBe("user_not_found");
    fake.addChannel("C0PRIVATE", { name: "secret", isPrivate: true });
    expect((await web.conversations.info({ channel: "C0PRIVATE" })).channel).toMatchObject({
      is_private: true,
    });
    expect(await slackError(web.conversations.info({ channel: "C0NONE" }))).toBe(
      "channel_not_found",
    );
  });

  it("posts ephemerals only to known users", async () => {
    await web.chat.postEphemeral({ channel: "C0GENERAL", user: "U0REQ", text: "only you" });
    expect(fake.ephemerals).toMatchObject([
      { channel: "C0GENERAL", user: "U0REQ", text: "only you" },
    ]);
    expect(
      await slackError(
        web.chat.postEphemeral({ channel: "C0GENERAL", user: "U0GHOST", text: "x" }),
      ),
    ).toBe("user_not_found");
  });

  it("holds people's messages: no bot_id, and their threads read back with the bot's replies", async () => {
    const asked = fake.say("U0REQ", "C0GENERAL", "<@U0BOT> https://github.com/acme/api/issues/42");
    const reply = await web.chat.postMessage({
      channel: "C0GENERAL",
      thread_ts: asked.ts,
      text: "on it",
    });
    const said = fake.say("U0REQ", "C0GENERAL", "thanks", { threadTs: asked.ts });
    const read = await web.conversations.replies({ channel: "C0GENERAL", ts: asked.ts });
    expect(read.messages?.map((m) => [m.ts, m.user, m.bot_id])).toEqual([
      [asked.ts, "U0REQ", undefined],
      [reply.ts, "U0BOT", "B0BOT"],
      [said.ts, "U0REQ", undefined],
    ]);
    expect(read.messages?.[1]).toMatchObject({ thread_ts: asked.ts, parent_user_id: "U0REQ" });
    expect(() => fake.say("U0REQ", "C0GENERAL", "x", { threadTs: said.ts })).toThrow(/no thread/);
  });

  it("adds the bot's reactions once (already_reacted after), shown on the message read back", async () => {
    const asked = fake.say("U0REQ", "C0GENERAL", "<@U0BOT> fix this");
    await web.reactions.add({ channel: "C0GENERAL", timestamp: asked.ts, name: "eyes" });
    expect(
      await slackError(
        web.reactions.add({ channel: "C0GENERAL", timestamp: asked.ts, name: "eyes" }),
      ),
    ).toBe("already_reacted");
    expect(
      await slackError(
        web.reactions.add({ channel: "C0GENERAL", timestamp: asked.ts, name: ":eyes:" }),
      ),
    ).toBe("invalid_name");
    expect(
      await slackError(
        web.reactions.add({ channel: "C0GENERAL", timestamp: "1.000001", name: "eyes" }),
      ),
    ).toBe("message_not_found");
    expect(fake.reactionsOf("C0GENERAL", asked.ts)).toEqual({ eyes: ["U0BOT"] });
    const read = await web.conversations.replies({ channel: "C0GENERAL", ts: asked.ts });
    expect(read.messages?.[0]?.reactions).toEqual([{ name: "eyes", users: ["U0BOT"], count: 1 }]);
  });

  it("has a DM per person the bot posts and reads in, which it cannot join", async () => {
    const im = fake.openIm("U0REQ");
    expect(fake.openIm("U0REQ")).toBe(im);
    expect((await web.conversations.info({ channel: im })).channel).toMatchObject({
      is_im: true,
      user: "U0REQ",
    });
    const asked = fake.say("U0REQ", im, "https://github.com/acme/api/issues/42");
    await web.chat.postMessage({ channel: im, thread_ts: asked.ts, text: "on it" });
    const read = await web.conversations.replies({ channel: im, ts: asked.ts });
    expect(read.messages).toHaveLength(2);
    expect(await slackError(web.conversations.join({ channel: im }))).toBe(
      "method_not_supported_for_channel_type",
    );
  });

  it("accepts a response_url 5 times, then answers 404", async () => {
    const url = fake.responseUrl();
    const post = (text: string) =>
      fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ text }),
      });
    for (let i = 1; i <= 5; i += 1) expect((await post(`reply ${i}`)).status).toBe(200);
    const sixth = await post("reply 6");
    expect(sixth.status).toBe(404);
    expect(await sixth.json()).toMatchObject({ ok: false, error: "used_url" });
    expect(fake.responses(url)).toHaveLength(5);
    expect(fake.responses(url)[0]).toEqual({ text: "reply 1" });
  });

  it("expires trigger ids and response URLs on the fake's clock", async () => {
    let now = 1_764_000_000_000;
    const clocked = await startFakeSlack({ now: () => now });
    try {
      const trigger = clocked.issueTriggerId();
      const url = clocked.responseUrl();
      now += 31 * 60 * 1000;
      const modal = {
        type: "modal" as const,
        title: { type: "plain_text" as const, text: "x" },
        blocks: [],
      };
      expect(
        await slackError(client(clocked).views.open({ trigger_id: trigger, view: modal })),
      ).toBe("expired_trigger_id");
      const late = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: '{"text":"late"}',
      });
      expect(late.status).toBe(404);
    } finally {
      await clocked.close();
    }
  });

  it("waitFor resolves with the predicate's value and explains a timeout", async () => {
    setTimeout(() => void web.chat.postMessage({ channel: "C0GENERAL", text: "later" }), 30);
    const message = await fake.waitFor(() => fake.channelMessages("C0GENERAL")[0]);
    expect(message.text).toBe("later");
    await expect(
      fake.waitFor(() => false, { timeoutMs: 50, description: "nothing" }),
    ).rejects.toThrow(
      /waitFor \(nothing\) timed out after 50 ms; last calls: chat.postMessage 200/,
    );
  });
});

describe("slack-requests against a real Bolt app", () => {
  const secret = "test-signing-secret";
  let fake: FakeSlack;
  let app: App;
  let appUrl: string;
  const seen: { text: string; retryNum: number | undefined; retryReason: string | undefined }[] =
    [];
  const actions: { user: string; value: string | undefined }[] = [];
  const mentions: { text: string; eventId: string; retryNum: number | undefined }[] = [];

  beforeAll(async () => {
    // Start the fake first: Bolt calls auth.test inside the App constructor.
    fake = await startFakeSlack();
    app = new App({
      token: fake.botToken,
      signingSecret: secret,
      logger: silent,
      clientOptions: { slackApiUrl: fake.apiUrl, retryConfig: NO_RETRIES },
    });
    app.command("/autofix", async ({ command, ack, context }) => {
      seen.push({
        text: command.text,
        retryNum: context.retryNum,
        retryReason: context.retryReason,
      });
      await ack({ response_type: "ephemeral", text: `got ${command.text}` });
    });
    app.action("approve", async ({ ack, body, action, respond }) => {
      await ack();
      actions.push({ user: body.user.id, value: "value" in action ? action.value : undefined });
      await respond({ text: "Approved", replace_original: false });
    });
    app.view("approve_modal", async ({ ack }) => {
      await ack({ response_action: "errors", errors: { reason: "Say why" } });
    });
    app.event("app_mention", async ({ event, body, context }) => {
      mentions.push({ text: event.text, eventId: body.event_id, retryNum: context.retryNum });
    });
    app.event("app_home_opened", async ({ event, client }) => {
      await client.views.publish({
        user_id: event.user,
        view: { type: "home", blocks: [section("Home")] },
      });
    });
    const server = (await app.start({ port: 0, host: "127.0.0.1" })) as { address(): AddressInfo };
    appUrl = `http://127.0.0.1:${server.address().port}`;
  });
  afterAll(async () => {
    await app.stop();
    await fake.close();
  });

  it("gets a signed command acked with the listener's JSON", async () => {
    const response = await sendCommand(appUrl, secret, { text: "https://github.com/o/r/issues/1" });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      response_type: "ephemeral",
      text: "got https://github.com/o/r/issues/1",
    });
    expect(fake.callCount("auth.test")).toBeGreaterThanOrEqual(1);
  });

  it("is refused with 401 when the signature is wrong", async () => {
    const before = seen.length;
    const response = await sendCommand(appUrl, secret, { text: "x" }, { signature: "v0=deadbeef" });
    expect(response.status).toBe(401);
    const forged = await sendCommand(appUrl, "another-secret", { text: "x" });
    expect(forged.status).toBe(401);
    expect(seen).toHaveLength(before);
  });

  it("is refused when the timestamp is older than five minutes", async () => {
    const old = Math.floor(Date.now() / 1000) - 301;
    const response = await sendCommand(appUrl, secret, { text: "stale" }, { timestamp: old });
    expect(response.status).toBe(401);
    expect(seen.map((s) => s.text)).not.toContain("stale");
  });

  it("passes Slack's retry headers to context.retryNum / retryReason", async () => {
    await sendCommand(
      appUrl,
      secret,
      { text: "again" },
      { retryNum: 1, retryReason: "http_timeout" },
    );
    expect(seen.at(-1)).toEqual({ text: "again", retryNum: 1, retryReason: "http_timeout" });
  });

  it("delivers a block action whose respond() reaches the fake response_url", async () => {
    const responseUrl = fake.responseUrl();
    const response = await sendBlockAction(appUrl, secret, {
      user: "U0REQ",
      channel: "C0GENERAL",
      messageTs: "1764000000.000100",
      actionId: "approve",
      value: "exec-1",
      responseUrl,
      messageBlocks: [
        {
          type: "actions",
          block_id: "approval",
          elements: [{ type: "button", action_id: "approve" }],
        },
      ],
    });
    expect(response.status).toBe(200);
    await fake.waitFor(() => fake.responses(responseUrl).length > 0);
    expect(fake.responses(responseUrl)).toEqual([{ text: "Approved", replace_original: false }]);
    expect(actions.at(-1)).toEqual({ user: "U0REQ", value: "exec-1" });
  });

  it("delivers a view submission and returns the ack body", async () => {
    const response = await sendViewSubmission(appUrl, secret, {
      user: "U0REQ",
      callbackId: "approve_modal",
      values: { reason: { text: { type: "plain_text_input", value: "" } } },
    });
    expect(response).toMatchObject({
      status: 200,
      body: { response_action: "errors", errors: { reason: "Say why" } },
    });
  });

  it("delivers events (auto-acked) and answers url_verification", async () => {
    const response = await sendEvent(appUrl, secret, {
      type: "app_home_opened",
      user: "U0REQ",
      channel: "D0REQ",
      tab: "home",
    });
    expect(response.status).toBe(200);
    const home = await fake.waitFor(() => fake.views.home.get("U0REQ"));
    expect(home.view["blocks"]).toEqual([section("Home")]);
    const challenge = await sendUrlVerification(appUrl, secret, "c-123");
    expect(challenge.body).toEqual({ challenge: "c-123" });
  });

  it("delivers a person's mention as app_mention, and its retry with the same event_id", async () => {
    const target = { slack: fake, url: appUrl, secret };
    const first = await mention(target, { user: "U0REQ", channel: "C0GENERAL", text: "help" });
    await deliverEvent(target, mentionEvent(first.message, fake.teamId), {
      eventId: first.eventId,
      retryNum: 1,
      retryReason: "http_timeout",
    });
    const seenBoth = await fake.waitFor(() => (mentions.length >= 2 ? mentions : undefined));
    expect(seenBoth).toEqual([
      { text: "<@U0BOT> help", eventId: first.eventId, retryNum: undefined },
      { text: "<@U0BOT> help", eventId: first.eventId, retryNum: 1 },
    ]);
  });

  it("signs exactly Slack's base string", () => {
    // Slack's documented example values for the signing algorithm.
    const body =
      "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    expect(signSlackRequest("8f742231b10e8888abcd99yyyzzz85a5", body, 1531420618)).toBe(
      "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
    );
  });
});
