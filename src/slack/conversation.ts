import type { types, webApi } from "@slack/bolt";
import type { Logger } from "../logger.ts";
import type { Message } from "./blocks/types.ts";
import { type PrivateTo, tellPrivately } from "./ephemeral.ts";
import { slackCall } from "./errors.ts";
import { permalinkOf } from "./permalinks.ts";
import { threadMessages } from "./replies.ts";
import { type PostMeta, postMeta } from "./thread.ts";

// What people wrote where the bot was asked: a thread's messages with their authors, and the
// names Slack shows for them. Replies to the asker are private (chat.postEphemeral).

const NAME_CACHE_MS = 10 * 60_000;

/** What a read of a person's thread keeps at most. */
const MAX_THREAD_MESSAGES = 1000;

export interface SaidMessage {
  ts: string;
  /** The author; an app's post has its bot user here, or none. */
  user: string | undefined;
  /** Set on an app's post (the bot's own included). */
  botId: string | undefined;
  text: string;
  /** The identity of one of this bot's own posts. */
  meta: PostMeta | undefined;
}

interface ReadThread {
  messages: SaidMessage[];
  /** More messages than were read: the rest was left out. */
  cut: boolean;
}

export class SlackConversations {
  private readonly client: webApi.WebClient;
  private readonly logger: Logger;
  private readonly names = new Map<string, { name: string; until: number }>();
  private self: Promise<string> | undefined;

  constructor(client: webApi.WebClient, logger: Logger) {
    this.client = client;
    this.logger = logger;
  }

  /** A thread's messages (its parent first), oldest first, at most MAX_THREAD_MESSAGES. */
  async thread(channel: string, threadTs: string): Promise<ReadThread> {
    const messages: SaidMessage[] = [];
    for await (const m of threadMessages(this.client, channel, threadTs)) {
      if (messages.length >= MAX_THREAD_MESSAGES) return { messages, cut: true };
      messages.push({
        ts: m.ts,
        user: m.user,
        botId: m.bot_id,
        text: m.text ?? "",
        meta: postMeta(m.metadata),
      });
    }
    return { messages, cut: false };
  }

  /** The bot's own user id (auth.test, asked once). */
  async botUserId(): Promise<string> {
    this.self ??= slackCall("auth.test", () => this.client.auth.test()).then(
      (r) => r.user_id ?? "",
    );
    try {
      return await this.self;
    } catch (err) {
      this.self = undefined;
      throw err;
    }
  }

  /** The name Slack shows for a person: display name, else real name, else user name. */
  async displayName(user: string): Promise<string> {
    const cached = this.names.get(user);
    if (cached && cached.until > Date.now()) return cached.name;
    const res = await slackCall("users.info", () => this.client.users.info({ user }));
    const u = res.user;
    const name = u?.profile?.display_name || u?.real_name || u?.name || user;
    this.names.set(user, { name, until: Date.now() + NAME_CACHE_MS });
    return name;
  }

  /** A message's link, or undefined when Slack will not tell. */
  permalink(channel: string, ts: string): Promise<string | undefined> {
    return permalinkOf({ slack: this.client, logger: this.logger }, channel, ts);
  }

  async updateModal(viewId: string, view: types.ModalView): Promise<void> {
    await slackCall("views.update", () => this.client.views.update({ view_id: viewId, view }));
  }

  /** Only `user` sees it, in the thread when there is one. */
  tell(to: PrivateTo, message: Message): Promise<void> {
    return tellPrivately({ slack: this.client, logger: this.logger }, to, message);
  }
}
