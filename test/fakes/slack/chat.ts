// chat.* methods of the fake Slack.

import { bool, str } from "./api-request.ts";
import {
  ApiError,
  channelToWrite,
  type MethodContext,
  type MethodSpec,
  messageAttachments,
  messageBlocks,
  messageJson,
  messageMetadata,
  requireChannel,
  threadRoot,
} from "./context.ts";
import type { FakeMessage } from "./state.ts";

/** chat.postMessage truncates longer text (warning message_truncated). */
export const MAX_MESSAGE_TEXT = 40_000;
/** chat.update refuses longer text with msg_too_long. */
export const MAX_UPDATE_TEXT = 4_000;

const MESSAGE_JSON_FIELDS = ["blocks", "attachments", "metadata"] as const;

function postMessage(ctx: MethodContext) {
  const channel = channelToWrite(ctx);
  const threadTs = threadRoot(ctx, channel.id);
  const blocks = messageBlocks(ctx);
  const attachments = messageAttachments(ctx);
  const metadata = messageMetadata(ctx);
  let text = str(ctx.params, "text") ?? "";
  if (text === "" && !blocks && !attachments) throw new ApiError("no_text");
  const warnings: string[] = [];
  if (text.length > MAX_MESSAGE_TEXT) {
    text = text.slice(0, MAX_MESSAGE_TEXT);
    warnings.push("message_truncated");
  }
  const version = { text, blocks, attachments, metadata };
  const message: FakeMessage = {
    channel: channel.id,
    ts: ctx.state.ts.next(),
    threadTs,
    ...version,
    user: ctx.config.botUserId,
    botId: ctx.config.botId,
    replyBroadcast: threadTs !== undefined && bool(ctx.params, "reply_broadcast"),
    files: [],
    updates: 0,
    versions: [version],
    reactions: [],
  };
  ctx.state.messages.push(message);
  return {
    channel: channel.id,
    ts: message.ts,
    message: messageJson(ctx, message),
    ...(warnings.length > 0
      ? { warning: warnings.join(","), response_metadata: { warnings } }
      : {}),
  };
}

function update(ctx: MethodContext) {
  const channel = requireChannel(ctx);
  const ts = str(ctx.params, "ts");
  const message = ts === undefined ? undefined : ctx.state.findMessage(channel.id, ts);
  if (!message) throw new ApiError("message_not_found");
  if (message.user !== ctx.config.botUserId) throw new ApiError("cant_update_message");
  const text = str(ctx.params, "text");
  if (text !== undefined && text.length > MAX_UPDATE_TEXT) throw new ApiError("msg_too_long");
  const blocks = messageBlocks(ctx);
  const attachments = messageAttachments(ctx);
  const metadata = messageMetadata(ctx);
  if (text === undefined && !blocks && !attachments) throw new ApiError("no_text");
  // Documented chat.update rule: without `blocks`, old blocks survive only if `text` is absent too.
  const version = {
    text: text ?? message.text,
    blocks: blocks ?? (text === undefined ? message.blocks : undefined),
    attachments: attachments ?? (text === undefined ? message.attachments : undefined),
    metadata: metadata ?? message.metadata,
  };
  Object.assign(message, version);
  message.updates += 1;
  message.versions.push(version);
  return {
    channel: channel.id,
    ts: message.ts,
    text: message.text,
    message: messageJson(ctx, message),
  };
}

function postEphemeral(ctx: MethodContext) {
  const channel = requireChannel(ctx);
  const userId = str(ctx.params, "user");
  const user = userId === undefined ? undefined : ctx.state.users.get(userId);
  if (!user || user.deleted) throw new ApiError("user_not_found");
  const threadTs = threadRoot(ctx, channel.id);
  const blocks = messageBlocks(ctx);
  const attachments = messageAttachments(ctx);
  const text = str(ctx.params, "text") ?? "";
  if (text === "" && !blocks && !attachments) throw new ApiError("no_text");
  const ts = ctx.state.ts.next();
  ctx.state.ephemerals.push({ channel: channel.id, user: user.id, ts, threadTs, text, blocks });
  return { message_ts: ts };
}

function getPermalink(ctx: MethodContext) {
  const channel = requireChannel(ctx);
  const ts = str(ctx.params, "message_ts");
  const message = ts === undefined ? undefined : ctx.state.findMessage(channel.id, ts);
  if (!message) throw new ApiError("message_not_found");
  const base = `https://${ctx.config.teamDomain}.slack.com/archives/${channel.id}/p${message.ts.replace(".", "")}`;
  const permalink = message.threadTs
    ? `${base}?thread_ts=${message.threadTs}&cid=${channel.id}`
    : base;
  return { channel: channel.id, permalink };
}

export const CHAT_METHODS: Record<string, MethodSpec> = {
  "chat.postMessage": {
    tier: "postMessage",
    acceptsJson: true,
    jsonFields: MESSAGE_JSON_FIELDS,
    run: postMessage,
  },
  "chat.update": { tier: 3, acceptsJson: true, jsonFields: MESSAGE_JSON_FIELDS, run: update },
  "chat.postEphemeral": {
    tier: 4,
    acceptsJson: true,
    jsonFields: MESSAGE_JSON_FIELDS,
    run: postEphemeral,
  },
  "chat.getPermalink": { tier: 4, acceptsJson: false, jsonFields: [], run: getPermalink },
};
