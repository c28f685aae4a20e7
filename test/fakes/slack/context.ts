// Shared types and argument checks of the fake's Web API method handlers.

import { type Params, str } from "./api-request.ts";
import { formatIssue, type Surface, validateBlocks } from "./block-kit.ts";
import type { Tier } from "./rate-limit.ts";
import type { FakeChannel, FakeMessage, MessageMetadata, SlackState } from "./state.ts";

export interface FakeConfig {
  botToken: string;
  /** App-level token (xapp-…): the only token apps.connections.open accepts. */
  appToken: string;
  teamId: string;
  teamDomain: string;
  botUserId: string;
  botId: string;
  appId: string;
}

export interface MethodContext {
  state: SlackState;
  params: Params;
  badJson: ReadonlySet<string>;
  config: FakeConfig;
  now: () => number;
  /** Base URL of the fake, e.g. http://127.0.0.1:PORT */
  baseUrl: string;
}

export interface MethodSpec {
  tier: Tier;
  /** Whether Slack documents application/json for this method (write methods do). */
  acceptsJson: boolean;
  /** Arguments Slack takes as JSON values (JSON strings in forms). */
  jsonFields: readonly string[];
  /** Which token the method takes (default "bot"); the other kind gets not_allowed_token_type. */
  token?: "bot" | "app";
  /** Returns the success body (without `ok`), or throws ApiError. */
  run: (ctx: MethodContext) => Params;
}

/** A Slack `{ok:false, error}` answer; `extra` adds fields such as `errors` or `response_metadata`. */
export class ApiError extends Error {
  readonly code: string;
  readonly extra: Params;
  constructor(code: string, extra: Params = {}) {
    super(code);
    this.code = code;
    this.extra = extra;
  }
}

/** invalid_arguments with Slack's `response_metadata.messages` explanation. */
export function invalidArguments(...messages: string[]): ApiError {
  return new ApiError("invalid_arguments", {
    response_metadata: { messages: messages.map((m) => `[ERROR] ${m}`) },
  });
}

export function requireChannel(ctx: MethodContext, key = "channel"): FakeChannel {
  const id = str(ctx.params, key);
  const channel = id === undefined ? undefined : ctx.state.channels.get(id);
  if (!channel) throw new ApiError("channel_not_found");
  if (channel.isArchived) throw new ApiError("is_archived");
  return channel;
}

/**
 * Posting: a member may; a non-member only in a public channel (chat:write.public), and a private
 * channel it was not invited to does not exist for it.
 */
export function channelToWrite(ctx: MethodContext, key = "channel"): FakeChannel {
  const channel = requireChannel(ctx, key);
  if (!channel.botMember && channel.isPrivate) throw new ApiError("channel_not_found");
  return channel;
}

/** Reading a conversation's messages takes membership (conversations.replies/history). */
export function channelToRead(ctx: MethodContext): FakeChannel {
  const id = str(ctx.params, "channel");
  const channel = id === undefined ? undefined : ctx.state.channels.get(id);
  if (!channel) throw new ApiError("channel_not_found");
  if (!channel.botMember)
    throw new ApiError(channel.isPrivate ? "channel_not_found" : "not_in_channel");
  return channel;
}

const TS_PATTERN = /^\d{10}\.\d{6}$/;

/** Validates thread_ts: well-formed, and the ts of a top-level message in the channel. */
export function threadRoot(
  ctx: MethodContext,
  channel: string,
  key = "thread_ts",
): string | undefined {
  const threadTs = str(ctx.params, key);
  if (threadTs === undefined) return undefined;
  if (!TS_PATTERN.test(threadTs)) throw new ApiError("invalid_thread_ts");
  const root = ctx.state.findMessage(channel, threadTs);
  // Slack accepts an unknown thread_ts and the reply is never visible; the fake refuses it so
  // that bug shows up in tests.
  if (!root || root.threadTs !== undefined) throw new ApiError("thread_not_found");
  return threadTs;
}

/** Parses and validates `blocks` for a message; invalid_blocks carries Slack-style pointers. */
export function messageBlocks(
  ctx: MethodContext,
  surface: Surface = "message",
): unknown[] | undefined {
  if (ctx.badJson.has("blocks")) throw new ApiError("invalid_blocks_format");
  const blocks = ctx.params["blocks"];
  if (blocks === undefined) return undefined;
  if (!Array.isArray(blocks)) throw new ApiError("invalid_blocks_format");
  const issues = validateBlocks(blocks, surface);
  if (issues.length > 0) {
    throw new ApiError("invalid_blocks", {
      errors: issues.map((i) => `${i.problem} [json-pointer:${i.pointer}]`),
      response_metadata: { messages: issues.map(formatIssue) },
    });
  }
  return blocks;
}

export function messageAttachments(ctx: MethodContext): unknown[] | undefined {
  if (ctx.badJson.has("attachments")) throw new ApiError("invalid_attachments");
  const attachments = ctx.params["attachments"];
  if (attachments === undefined) return undefined;
  if (!Array.isArray(attachments)) throw new ApiError("invalid_attachments");
  return attachments;
}

export function messageMetadata(ctx: MethodContext): MessageMetadata | undefined {
  if (ctx.badJson.has("metadata")) throw new ApiError("invalid_metadata_format");
  const metadata = ctx.params["metadata"];
  if (metadata === undefined) return undefined;
  const ok =
    typeof metadata === "object" &&
    metadata !== null &&
    typeof (metadata as Params)["event_type"] === "string" &&
    typeof (metadata as Params)["event_payload"] === "object" &&
    (metadata as Params)["event_payload"] !== null;
  if (!ok) throw new ApiError("invalid_metadata_format");
  return metadata as MessageMetadata;
}

/** The message object Slack returns from chat.postMessage / chat.update. */
export function messageJson(ctx: MethodContext, message: FakeMessage): Params {
  const parent = message.threadTs
    ? ctx.state.findMessage(message.channel, message.threadTs)
    : undefined;
  return {
    type: "message",
    text: message.text,
    user: message.user,
    // A person's message has no bot_id nor app_id; it has a client_msg_id instead.
    ...(message.botId
      ? { bot_id: message.botId, app_id: ctx.config.appId }
      : { client_msg_id: `${message.ts}-client` }),
    team: ctx.config.teamId,
    ts: message.ts,
    ...(message.threadTs
      ? { thread_ts: message.threadTs, parent_user_id: parent?.user ?? ctx.config.botUserId }
      : {}),
    ...(message.blocks ? { blocks: message.blocks } : {}),
    ...(message.attachments ? { attachments: message.attachments } : {}),
    ...(message.metadata ? { metadata: message.metadata } : {}),
    ...(message.files.length > 0 ? { files: message.files.map((id) => ({ id })) } : {}),
    ...(message.reactions.length > 0
      ? {
          reactions: message.reactions.map((r) => ({
            name: r.name,
            users: [...r.users],
            count: r.users.length,
          })),
        }
      : {}),
  };
}
