// reactions.add of the fake Slack (docs.slack.dev/reference/methods/reactions.add): `channel`,
// `name` (without colons) and `timestamp` of the message. The bot's second identical reaction is
// `already_reacted`; an unknown message `message_not_found`; a name that is no emoji `invalid_name`.
// Reactions come back on messages of conversations.replies and conversations.history.

import { str } from "./api-request.ts";
import { ApiError, type MethodContext, type MethodSpec, requireChannel } from "./context.ts";

/** Emoji names as Slack knows them by default (the ones the tests use, and a few more). */
const KNOWN_EMOJI = new Set([
  "eyes",
  "white_check_mark",
  "x",
  "heavy_check_mark",
  "thumbsup",
  "+1",
  "tada",
  "warning",
]);

function add(ctx: MethodContext) {
  const channel = requireChannel(ctx);
  const name = str(ctx.params, "name");
  const ts = str(ctx.params, "timestamp");
  if (name === undefined || ts === undefined) throw new ApiError("no_item_specified");
  if (!KNOWN_EMOJI.has(name)) throw new ApiError("invalid_name");
  const message = ctx.state.findMessage(channel.id, ts);
  if (!message) throw new ApiError("message_not_found");
  const user = ctx.config.botUserId;
  const reaction = message.reactions.find((r) => r.name === name);
  if (reaction?.users.includes(user)) throw new ApiError("already_reacted");
  if (reaction) reaction.users.push(user);
  else message.reactions.push({ name, users: [user] });
  return {};
}

export const REACTION_METHODS: Record<string, MethodSpec> = {
  "reactions.add": { tier: 3, acceptsJson: true, jsonFields: [], run: add },
};
