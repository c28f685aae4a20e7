import { createHash } from "node:crypto";
import type { types, webApi } from "@slack/bolt";
import { isTransient, UpstreamError } from "../errors.ts";
import type { Logger } from "../logger.ts";
import type { Message } from "./blocks/types.ts";
import { type Edit, EditQueue, type EditStore } from "./edit-queue.ts";
import { slackCall } from "./errors.ts";
import type { SlackPacer } from "./pacer.ts";
import { permalinkOf } from "./permalinks.ts";
import { threadMessages } from "./replies.ts";

// The Slack side of a run's thread. Everything the bot posts for a run carries its identity (run
// and key) in message metadata, so that reading the thread tells what was already posted: the
// thread itself is the record, and a restarted or second replica never posts anything twice.

type WebClient = webApi.WebClient;

/** Metadata event type of every post the bot makes for a run. */
export const POST_EVENT = "autofix_post";
const PAGE_SIZE = 200;
/** A channel's history since a run began, read at most this far back (1,000 messages). */
const HISTORY_PAGES = 5;

export interface ThreadRef {
  channel: string;
  /** The run's root: the message the bot keeps up to date. */
  rootTs: string;
  /** The root is a reply in this person's thread (a mention asked); else it starts the thread. */
  threadTs?: string | undefined;
}

/** The thread_ts of replies in a run's thread. */
export function threadOf(t: ThreadRef): string {
  return t.threadTs ?? t.rootTs;
}

/** The identity of one post, plus what the record keeps there (decision, PR link...). */
export interface PostMeta {
  run: string;
  key: string;
  [field: string]: unknown;
}

export interface ThreadPost {
  ts: string;
  meta: PostMeta | undefined;
  fileNames: string[];
}

/** What a thread holds, as the bot reads it back. */
export class ThreadSnapshot {
  readonly posts: readonly ThreadPost[];
  private readonly rootTs: string | undefined;
  constructor(posts: readonly ThreadPost[], rootTs?: string) {
    this.posts = posts;
    this.rootTs = rootTs;
  }

  /** The run's root: the thread's parent, or the reply that is the root in a person's thread. */
  get root(): ThreadPost | undefined {
    if (this.rootTs === undefined) return this.posts[0];
    return this.posts.find((p) => p.ts === this.rootTs);
  }

  /** Every post of a run (the root included when it is the run's). */
  of(run: string): ThreadPost[] {
    return this.posts.filter((p) => p.meta?.run === run);
  }

  /** Whether the run's post `key` is there: by metadata, or by the name of its file. */
  has(run: string, key: string): boolean {
    const tag = fileTag(run, key);
    return this.posts.some(
      (p) =>
        (p.meta?.run === run && p.meta.key === key) ||
        p.fileNames.some((n) => n.endsWith(`-${tag}.diff`)),
    );
  }
}

/** Files cannot carry metadata: their name ends with a tag of the run and key instead. */
export function fileTag(run: string, key: string): string {
  return createHash("sha256").update(`${run}\n${key}`).digest("hex").slice(0, 10);
}

export interface FilePost {
  bytes: Buffer;
  /** The readable part of the file name, e.g. acme-api-42. */
  name: string;
  title: string;
  comment: string;
  /** A diff snippet (highlighted), or a plain file past Slack's snippet limit. */
  snippet: boolean;
}

/**
 * Where identified posts are remembered besides their threads (PostgreSQL with DATABASE_URL): a
 * write is noted before Slack is called and confirmed after, so a replica learns what was posted
 * without reading the thread, and reads it back only when a write is in doubt.
 */
export interface PostJournal {
  /** Before a write with an identity: until `done`, the write is in doubt. */
  intend(t: ThreadRef, meta: PostMeta): Promise<void>;
  /** Slack took the write (`ts`: the message; a file has its name instead). */
  done(t: ThreadRef, post: ThreadPost): Promise<void>;
  /** Slack refused the write: nothing was posted. */
  cancel(t: ThreadRef, meta: PostMeta): Promise<void>;
  /** Whether a post with this identity was made: undefined when it may be either. */
  posted(t: ThreadRef, meta: PostMeta): Promise<boolean | undefined>;
}

/** Where the journal keeps alerts (posts outside any run thread), per channel. */
export function alertsOf(channel: string): ThreadRef {
  return { channel, rootTs: "alerts" };
}

export interface SlackThreadsOptions {
  /** A client that rejects rate-limited calls (rejectRateLimitedCalls): the pacer retries them. */
  client: WebClient;
  pacer: SlackPacer;
  /** Where edits wait for chat.update's budget. */
  edits: EditStore;
  logger: Logger;
  journal?: PostJournal | undefined;
  /** A queued edit Slack refused (EditQueueOptions.failed). */
  editFailed: (edit: Edit, err: unknown) => Promise<void>;
  /** Aborted at shutdown: ends the waits. */
  signal?: AbortSignal;
}

/**
 * Slack I/O for runs: posts with identity, edits, and thread reads, every call paced (SlackPacer).
 * New messages are posted before the caller goes on (they notify people and carry the record);
 * edits of a message are queued (EditQueue) unless the caller must know they are made (update).
 */
export class SlackThreads {
  private readonly client: WebClient;
  private readonly pacer: SlackPacer;
  private readonly logger: Logger;
  private readonly journal: PostJournal | undefined;
  /** Edits waiting for chat.update's budget; app.ts starts and stops its sender. */
  readonly edits: EditQueue;
  /** Channels this process joined (or found it cannot join: private ones need an invitation). */
  private readonly joined = new Set<string>();

  constructor(opts: SlackThreadsOptions) {
    this.client = opts.client;
    this.pacer = opts.pacer;
    this.logger = opts.logger;
    this.journal = opts.journal;
    const failed = opts.editFailed;
    this.edits = new EditQueue({
      store: opts.edits,
      pacer: opts.pacer,
      send: (edit) => this.sendEdit(edit),
      failed,
      logger: opts.logger,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  }

  /**
   * Joins a public channel before the bot starts a thread there: it must read the thread back
   * later (conversations.replies needs membership, chat:write.public does not give it). Private
   * channels need an invitation, which the post then tells. A DM needs nothing.
   */
  async join(channel: string): Promise<void> {
    if (this.joined.has(channel) || channel.startsWith("D")) return;
    try {
      await this.call("conversations.join", channel, () =>
        this.client.conversations.join({ channel }),
      );
    } catch (err) {
      if (
        !(err instanceof UpstreamError && err.detail === "method_not_supported_for_channel_type")
      ) {
        throw err;
      }
    }
    this.joined.add(channel);
  }

  /** Reads the whole thread with its metadata (conversations.replies, paged). */
  async read(t: ThreadRef): Promise<ThreadSnapshot> {
    const posts: ThreadPost[] = [];
    for await (const m of threadMessages(this.client, t.channel, threadOf(t), (call) =>
      this.pacer.call("conversations.replies", t.channel, call),
    )) {
      posts.push({ ts: m.ts, meta: postMeta(m.metadata), fileNames: fileNames(m.files) });
    }
    return new ThreadSnapshot(posts, t.rootTs);
  }

  /**
   * A run's or a batch's root; its ts keys the run. A top-level message, or a reply in `threadTs`
   * (a person's thread, where a mention asked for the run). Its command was answered already: in
   * a busy channel it lets the replies that notifications wait on go first.
   */
  async postRoot(
    channel: string,
    message: Message,
    meta?: PostMeta,
    threadTs?: string,
  ): Promise<string> {
    const res = await slackCall("chat.postMessage", () =>
      this.pacer.call(
        "chat.postMessage",
        channel,
        () =>
          this.client.chat.postMessage({
            channel,
            ...(threadTs ? { thread_ts: threadTs } : {}),
            ...message,
            ...metadata(meta),
            unfurl_links: false,
            unfurl_media: false,
          }),
        { yielding: true },
      ),
    );
    return res.ts ?? "";
  }

  async reply(t: ThreadRef, message: Message, meta?: PostMeta): Promise<string | undefined> {
    return this.recorded(t, meta, [], async () => {
      const res = await this.call("chat.postMessage", t.channel, () =>
        this.client.chat.postMessage({
          channel: t.channel,
          thread_ts: threadOf(t),
          ...message,
          ...metadata(meta),
          unfurl_links: false,
          unfurl_media: false,
        }),
      );
      return res.ts;
    });
  }

  /**
   * chat.update of message `ts` of thread `t`, made before this resolves: for a write the caller
   * goes on from (a decision, recorded before Kestra hears of it). A waiting edit of the message
   * gives way to it, and one being sent lands first.
   */
  async update(t: ThreadRef, ts: string, message: Message, meta?: PostMeta): Promise<void> {
    await this.edits.exclusive({ channel: t.channel, ts, rootTs: t.rootTs });
    await this.recorded(t, meta, [], async () => {
      await this.call("chat.update", t.channel, () =>
        this.client.chat.update({ channel: t.channel, ts, ...message, ...metadata(meta) }),
      );
      return ts;
    });
  }

  /**
   * An edit of message `ts` that only has to be shown (a status, a digest row): sent now when
   * chat.update's budget allows, else queued, where a newer edit of the message replaces it.
   * Resolves once it is sent or queued; throws when sending it now failed.
   */
  edit(t: ThreadRef, ts: string, message: Message, meta?: PostMeta): Promise<void> {
    return this.edits.edit({ channel: t.channel, ts, rootTs: t.rootTs, message, meta });
  }

  /** A file in the thread (files.uploadV2); its name carries the post's identity. */
  async upload(t: ThreadRef, file: FilePost, run: string, key: string): Promise<void> {
    const filename = `${file.name.replace(/[^A-Za-z0-9._-]+/g, "-")}-${fileTag(run, key)}.diff`;
    await this.recorded(t, { run, key }, [filename], async () => {
      await this.call("files.uploadV2", t.channel, () =>
        this.client.filesUploadV2({
          channel_id: t.channel,
          thread_ts: threadOf(t),
          initial_comment: file.comment,
          file: file.bytes,
          filename,
          title: file.title,
          ...(file.snippet ? { snippet_type: "diff" } : {}),
        }),
      );
      return undefined;
    });
  }

  /**
   * The bot's reaction `name` on message `ts` of the run's channel (the message that asked), made
   * once: with its identity in the journal, and Slack's already_reacted taken as done.
   */
  async react(t: ThreadRef, ts: string, name: string, meta: PostMeta): Promise<void> {
    await this.recorded(t, meta, [], async () => {
      try {
        await this.call("reactions.add", t.channel, () =>
          this.client.reactions.add({ channel: t.channel, timestamp: ts, name }),
        );
      } catch (err) {
        if (!(err instanceof UpstreamError && err.detail === "already_reacted")) throw err;
      }
      return ts;
    });
  }

  /** A message outside any run thread (alerts), with an identity when it must be posted once. */
  async post(channel: string, message: Message, meta?: PostMeta): Promise<void> {
    await this.recorded(alertsOf(channel), meta, [], async () => {
      const res = await this.call("chat.postMessage", channel, () =>
        this.client.chat.postMessage({
          channel,
          ...message,
          ...metadata(meta),
          unfurl_links: false,
        }),
      );
      return res.ts;
    });
  }

  /**
   * Whether a top-level post with this identity is in the channel since `since` (a ts): how a
   * post outside its run's thread (an alert) is found again. The journal answers when it knows;
   * else conversations.history, newest first, HISTORY_PAGES pages at most.
   */
  async hasPost(channel: string, since: string, meta: PostMeta): Promise<boolean> {
    const known = await this.journal?.posted(alertsOf(channel), meta);
    if (known !== undefined) return known;
    let cursor: string | undefined;
    for (let page = 0; page < HISTORY_PAGES; page++) {
      const from = cursor;
      const res = await this.call("conversations.history", channel, () =>
        this.client.conversations.history({
          channel,
          oldest: since,
          include_all_metadata: true,
          limit: PAGE_SIZE,
          ...(from ? { cursor: from } : {}),
        }),
      );
      for (const m of res.messages ?? []) {
        const found = postMeta(m.metadata);
        if (found?.run === meta.run && found.key === meta.key) return true;
      }
      cursor = res.has_more ? res.response_metadata?.next_cursor || undefined : undefined;
      if (!cursor) return false;
    }
    return false;
  }

  /** The thread's link, or undefined when Slack will not tell (the alert goes without it). */
  permalink(t: ThreadRef): Promise<string | undefined> {
    return permalinkOf(
      { slack: this.client, logger: this.logger },
      t.channel,
      t.rootTs,
      t.threadTs,
    );
  }

  /** One Web API call, paced, its 429s retried alone; failures classified (slackCall). */
  private call<T>(method: string, channel: string | undefined, call: () => Promise<T>): Promise<T> {
    return slackCall(method, () => this.pacer.call(method, channel, call));
  }

  /**
   * A queued edit, sent (EditQueue took its budget): made, then journaled as done. It records
   * nothing new (decisions go through update), so it is not noted as in doubt before.
   */
  private async sendEdit(e: Edit): Promise<void> {
    await slackCall("chat.update", () =>
      this.client.chat.update({ channel: e.channel, ts: e.ts, ...e.message, ...metadata(e.meta) }),
    );
    const meta = e.meta;
    if (meta)
      await this.journal?.done(
        { channel: e.channel, rootTs: e.rootTs },
        { ts: e.ts, meta, fileNames: [] },
      );
  }

  /**
   * A write with an identity, through the journal: noted before, confirmed after; a refusal
   * (Slack answered) cancels it, while a call whose fate is unknown stays in doubt.
   */
  private async recorded(
    t: ThreadRef,
    meta: PostMeta | undefined,
    fileNames: string[],
    write: () => Promise<string | undefined>,
  ): Promise<string | undefined> {
    const journal = this.journal;
    if (!journal || !meta) return write();
    await journal.intend(t, meta);
    let ts: string | undefined;
    try {
      ts = await write();
    } catch (err) {
      if (!isTransient(err)) await journal.cancel(t, meta);
      throw err;
    }
    await journal.done(t, { ts: ts ?? "", meta, fileNames });
    return ts;
  }
}

/** Spread into a call: `metadata` only when there is some (exactOptionalPropertyTypes). */
function metadata(meta: PostMeta | undefined): { metadata?: types.MessageMetadata } {
  if (!meta) return {};
  // Post identities hold JSON values only (ids, keys, the decision, links, numbers).
  const event_payload = meta as unknown as types.MessageMetadata["event_payload"];
  return { metadata: { event_type: POST_EVENT, event_payload } };
}

/** The identity of one of the bot's posts, from a message's metadata. */
export function postMeta(raw: unknown): PostMeta | undefined {
  if (!raw || typeof raw !== "object") return undefined;
  const { event_type, event_payload } = raw as { event_type?: unknown; event_payload?: unknown };
  if (event_type !== POST_EVENT || !event_payload || typeof event_payload !== "object") {
    return undefined;
  }
  const p = event_payload as Record<string, unknown>;
  return typeof p["run"] === "string" && typeof p["key"] === "string" ? (p as PostMeta) : undefined;
}

function fileNames(files: unknown): string[] {
  if (!Array.isArray(files)) return [];
  return files
    .map((f) => (f && typeof f === "object" ? (f as { name?: unknown }).name : undefined))
    .filter((n): n is string => typeof n === "string");
}
