import type { webApi } from "@slack/bolt";
import { slackCall } from "./errors.ts";

// conversations.replies, paged: a thread's messages (its parent first), oldest first, with the
// metadata of the bot's posts.

const PAGE_SIZE = 200;

type ReplyMessage = NonNullable<
  Awaited<ReturnType<webApi.WebClient["conversations"]["replies"]>>["messages"]
>[number];

/** Makes one call of a page: the runs' own client goes through its pacer (SlackPacer). */
type Through = <T>(call: () => Promise<T>) => Promise<T>;

export async function* threadMessages(
  client: webApi.WebClient,
  channel: string,
  ts: string,
  through: Through = (call) => call(),
): AsyncGenerator<ReplyMessage & { ts: string }> {
  let cursor: string | undefined;
  do {
    const page = cursor;
    const res = await slackCall("conversations.replies", () =>
      through(() =>
        client.conversations.replies({
          channel,
          ts,
          include_all_metadata: true,
          limit: PAGE_SIZE,
          ...(page ? { cursor: page } : {}),
        }),
      ),
    );
    for (const m of res.messages ?? []) if (m.ts) yield { ...m, ts: m.ts };
    cursor = res.has_more ? res.response_metadata?.next_cursor || undefined : undefined;
  } while (cursor);
}
