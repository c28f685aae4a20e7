import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from "@slack/bolt";
import { mentionsBot } from "../../mentions/parse.ts";
import { type AskDeps, answerAsk } from "../conversation/ask.ts";

type Args = SlackEventMiddlewareArgs<"message"> & AllMiddlewareArgs;

export type DirectMessageDeps = AskDeps;

/**
 * A person's message in the bot's DM (the app's Messages tab), which Slack sends as message.im,
 * never as app_mention. A new message there is addressed to the bot; a reply in a thread only when
 * it mentions the bot, as in channels.
 */
export function directMessage(d: DirectMessageDeps) {
  return async ({ event, body, context }: Args): Promise<void> => {
    if (event.channel_type !== "im" || event.subtype !== undefined) return;
    if (event.bot_id || !event.user) return;
    const botUserId = context.botUserId ?? (await d.conversations.botUserId());
    const text = event.text ?? "";
    if (event.thread_ts && event.thread_ts !== event.ts && !mentionsBot(text, botUserId)) {
      d.logger.debug(
        { channel: event.channel, ts: event.ts },
        "ignored: a reply without a mention",
      );
      return;
    }
    await answerAsk(
      d,
      {
        team: event.team ?? body.team_id,
        channel: event.channel,
        user: event.user,
        ts: event.ts,
        threadTs: event.thread_ts && event.thread_ts !== event.ts ? event.thread_ts : undefined,
        text,
        botUserId,
      },
      context.retryNum,
    );
  };
}
