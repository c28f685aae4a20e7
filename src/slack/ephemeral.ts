import type { webApi } from "@slack/bolt";
import type { Logger } from "../logger.ts";
import type { Message } from "./blocks/types.ts";

export interface PrivateTo {
  channel: string;
  user: string;
  /** Said in this thread when Slack allows it, else in the channel. */
  threadTs?: string | undefined;
}

/**
 * Tells one person something only they see: in the thread they acted in, else in its channel (the
 * thread ts comes from a payload and may be gone). A message Slack refuses twice is logged.
 */
export async function tellPrivately(
  d: { slack: webApi.WebClient; logger: Logger },
  to: PrivateTo,
  said: string | Message,
): Promise<void> {
  const base = {
    channel: to.channel,
    user: to.user,
    ...(typeof said === "string" ? { text: said } : said),
  };
  if (to.threadTs) {
    try {
      await d.slack.chat.postEphemeral({ ...base, thread_ts: to.threadTs });
      return;
    } catch (err) {
      d.logger.warn({ err, channel: to.channel }, "cannot post ephemeral in the thread");
    }
  }
  await d.slack.chat
    .postEphemeral(base)
    .catch((err: unknown) => d.logger.warn({ err, channel: to.channel }, "cannot post ephemeral"));
}
