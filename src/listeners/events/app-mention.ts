import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from "@slack/bolt";
import { type AskDeps, answerAsk } from "../conversation/ask.ts";

type Args = SlackEventMiddlewareArgs<"app_mention"> & AllMiddlewareArgs;

export type AppMentionDeps = AskDeps;

/** `@autofix …` in a channel or a thread (Slack sends no app_mention for DMs). */
export function appMention(d: AppMentionDeps) {
  return async ({ event, body, context }: Args): Promise<void> => {
    // Other apps mentioning the bot ask nothing.
    if (event.bot_id || !event.user) return;
    const botUserId = context.botUserId ?? (await d.conversations.botUserId());
    await answerAsk(
      d,
      {
        team: event.team ?? body.team_id,
        channel: event.channel,
        user: event.user,
        ts: event.ts,
        threadTs: event.thread_ts,
        text: event.text,
        botUserId,
      },
      context.retryNum,
    );
  };
}
