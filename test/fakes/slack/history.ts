// conversations.replies of the fake Slack: a thread's parent and replies, oldest first, paged by
// cursor. Metadata comes back only with include_all_metadata (docs.slack.dev/reference/methods/
// conversations.replies); file shares carry their files' id, name and title.
// conversations.history: a channel's top-level messages (and broadcast replies), newest first,
// between oldest and latest (both exclusive unless inclusive=true), paged by cursor
// (docs.slack.dev/reference/methods/conversations.history).

import { bool, int, str } from "./api-request.ts";
import {
  ApiError,
  channelToRead,
  type MethodContext,
  type MethodSpec,
  messageJson,
} from "./context.ts";

/** Slack documents 1000 as the largest page; it may return fewer. */
const MAX_LIMIT = 1000;
const DEFAULT_LIMIT = 1000;
/** conversations.history: 100 by default, at most 999. */
const HISTORY_DEFAULT_LIMIT = 100;
const HISTORY_MAX_LIMIT = 999;

function replies(ctx: MethodContext) {
  const channel = channelToRead(ctx);
  const ts = str(ctx.params, "ts");
  if (ts === undefined) throw new ApiError("invalid_arguments");
  const parent = ctx.state.findMessage(channel.id, ts);
  if (!parent) throw new ApiError("thread_not_found");
  const rootTs = parent.threadTs ?? parent.ts;
  const root = ctx.state.findMessage(channel.id, rootTs);
  const thread = [
    ...(root ? [root] : []),
    ...ctx.state.messages.filter((m) => m.channel === channel.id && m.threadTs === rootTs),
  ].sort((a, b) => a.ts.localeCompare(b.ts));

  const limit = Math.min(Math.max(int(ctx.params, "limit") ?? DEFAULT_LIMIT, 1), MAX_LIMIT);
  const cursor = str(ctx.params, "cursor");
  const start = cursor === undefined ? 0 : decodeCursor(cursor);
  const page = thread.slice(start, start + limit);
  const more = start + limit < thread.length;
  const withMetadata = bool(ctx.params, "include_all_metadata");
  return {
    messages: page.map((m) => {
      const { metadata: _metadata, files: _files, ...json } = messageJson(ctx, m);
      return {
        ...json,
        ...(withMetadata && m.metadata ? { metadata: m.metadata } : {}),
        ...(m.files.length > 0
          ? {
              files: m.files.map((id) => {
                const f = ctx.state.files.get(id);
                return { id, name: f?.filename, title: f?.title };
              }),
            }
          : {}),
        ...(m.ts === rootTs ? { reply_count: thread.length - 1 } : {}),
      };
    }),
    has_more: more,
    response_metadata: { next_cursor: more ? encodeCursor(start + limit) : "" },
  };
}

function history(ctx: MethodContext) {
  const channel = channelToRead(ctx);
  const oldest = str(ctx.params, "oldest");
  const latest = str(ctx.params, "latest");
  const inclusive = bool(ctx.params, "inclusive");
  const after = (ts: string) =>
    oldest === undefined ? true : inclusive ? ts >= oldest : ts > oldest;
  const before = (ts: string) =>
    latest === undefined ? true : inclusive ? ts <= latest : ts < latest;
  const messages = ctx.state.messages
    .filter(
      (m) =>
        m.channel === channel.id &&
        (m.threadTs === undefined || m.replyBroadcast) &&
        after(m.ts) &&
        before(m.ts),
    )
    .sort((a, b) => b.ts.localeCompare(a.ts));
  const limit = Math.min(
    Math.max(int(ctx.params, "limit") ?? HISTORY_DEFAULT_LIMIT, 1),
    HISTORY_MAX_LIMIT,
  );
  const cursor = str(ctx.params, "cursor");
  const start = cursor === undefined ? 0 : decodeCursor(cursor);
  const page = messages.slice(start, start + limit);
  const more = start + limit < messages.length;
  const withMetadata = bool(ctx.params, "include_all_metadata");
  return {
    messages: page.map((m) => {
      const { metadata: _metadata, ...json } = messageJson(ctx, m);
      return { ...json, ...(withMetadata && m.metadata ? { metadata: m.metadata } : {}) };
    }),
    has_more: more,
    pin_count: 0,
    response_metadata: { next_cursor: more ? encodeCursor(start + limit) : "" },
  };
}

function encodeCursor(offset: number): string {
  return Buffer.from(`offset:${offset}`).toString("base64");
}

function decodeCursor(cursor: string): number {
  const match = /^offset:(\d+)$/.exec(Buffer.from(cursor, "base64").toString("utf8"));
  if (!match) throw new ApiError("invalid_cursor");
  return Number(match[1]);
}

export const HISTORY_METHODS: Record<string, MethodSpec> = {
  "conversations.replies": { tier: 3, acceptsJson: false, jsonFields: [], run: replies },
  "conversations.history": { tier: 3, acceptsJson: false, jsonFields: [], run: history },
};
