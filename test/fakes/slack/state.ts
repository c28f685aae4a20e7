// What the fake Slack workspace holds: directory (users, channels, user groups) and traffic
// (messages, ephemerals, files, views, trigger ids, response URLs).

export interface MessageVersion {
  text: string;
  blocks: unknown[] | undefined;
  attachments: unknown[] | undefined;
  metadata: MessageMetadata | undefined;
}

export interface MessageMetadata {
  event_type: string;
  event_payload: Record<string, unknown>;
}

export interface FakeMessage {
  channel: string;
  ts: string;
  /** Root ts for replies; undefined for top-level messages. */
  threadTs: string | undefined;
  text: string;
  blocks: unknown[] | undefined;
  attachments: unknown[] | undefined;
  metadata: MessageMetadata | undefined;
  /** Posting user: the bot user for everything the app posts, a person's id for theirs. */
  user: string;
  /** The app's bot id on its own posts; "" on a person's message. */
  botId: string;
  replyBroadcast: boolean;
  /** Ids of files shared by this message (files.completeUploadExternal). */
  files: string[];
  /** Number of successful chat.update calls. */
  updates: number;
  /** Every version, oldest first; the last one is the current content. */
  versions: MessageVersion[];
  /** Reactions, in the order they were first added, each with who added it. */
  reactions: FakeReaction[];
}

export interface FakeReaction {
  name: string;
  users: string[];
}

export interface FakeEphemeral {
  channel: string;
  user: string;
  ts: string;
  threadTs: string | undefined;
  text: string;
  blocks: unknown[] | undefined;
}

export interface FakeFile {
  id: string;
  filename: string;
  title: string;
  snippetType: string | undefined;
  /** Declared byte length (files.getUploadURLExternal `length`). */
  length: number;
  /** UTF-8 text of the uploaded bytes ("" until they arrive). */
  content: string;
  /** The uploaded bytes; undefined until they arrive at the upload URL. */
  bytes: Buffer | undefined;
  completed: boolean;
  channel: string | undefined;
  threadTs: string | undefined;
  initialComment: string | undefined;
  /** ts of the message that shares the file in `channel`. */
  messageTs: string | undefined;
}

export interface FakeView {
  id: string;
  type: "modal" | "home";
  /** Home tab owner (views.publish) or the user who opened the modal (when known). */
  userId: string | undefined;
  triggerId: string | undefined;
  externalId: string | undefined;
  hash: string;
  view: Record<string, unknown>;
  /** Every submitted payload, oldest first. */
  versions: Record<string, unknown>[];
}

export interface FakeUser {
  id: string;
  name: string;
  realName: string;
  isAdmin: boolean;
  isOwner: boolean;
  isBot: boolean;
  deleted: boolean;
}

export interface FakeChannel {
  id: string;
  name: string;
  isPrivate: boolean;
  isArchived: boolean;
  /** The bot is a member: it reads the history only then; it posts in a public channel anyway. */
  botMember: boolean;
  /** A direct message between the bot and this person (the app's Messages tab). */
  imUser?: string;
}

export interface ResponseUrlRecord {
  id: string;
  createdAt: number;
  bodies: unknown[];
}

export interface TriggerRecord {
  expiresAt: number;
  used: boolean;
  userId: string | undefined;
}

/** Message timestamps: unique, increasing, Slack-shaped ("1764000000.000100"). */
export class TsSequence {
  #micros = 1_764_000_000_000_000;
  next(): string {
    this.#micros += 100;
    const seconds = Math.floor(this.#micros / 1_000_000);
    const fraction = String(this.#micros % 1_000_000).padStart(6, "0");
    return `${seconds}.${fraction}`;
  }
}

export class SlackState {
  readonly users = new Map<string, FakeUser>();
  readonly channels = new Map<string, FakeChannel>();
  readonly usergroups = new Map<string, string[]>();

  messages: FakeMessage[] = [];
  ephemerals: FakeEphemeral[] = [];
  files = new Map<string, FakeFile>();
  homeViews = new Map<string, FakeView>();
  modals: FakeView[] = [];
  triggers = new Map<string, TriggerRecord>();
  responseUrls = new Map<string, ResponseUrlRecord>();
  ts = new TsSequence();
  #ids = 0;

  /** Slack-looking ids: a prefix letter and upper-case alphanumerics. */
  newId(prefix: string): string {
    this.#ids += 1;
    return `${prefix}0FAKE${String(this.#ids).padStart(5, "0")}`;
  }

  /** Forgets traffic; keeps the directory (users, channels, user groups). */
  clearTraffic(): void {
    this.messages = [];
    this.ephemerals = [];
    this.files = new Map();
    this.homeViews = new Map();
    this.modals = [];
    this.triggers = new Map();
    this.responseUrls = new Map();
    this.ts = new TsSequence();
  }

  /** Messages by channel and ts, indexed as `messages` grows (messages are only ever appended). */
  #byTs = new Map<string, FakeMessage>();
  #indexedOf: FakeMessage[] | undefined;
  #indexed = 0;

  findMessage(channel: string, ts: string): FakeMessage | undefined {
    if (this.#indexedOf !== this.messages) {
      this.#byTs = new Map();
      this.#indexedOf = this.messages;
      this.#indexed = 0;
    }
    for (; this.#indexed < this.messages.length; this.#indexed++) {
      const m = this.messages[this.#indexed];
      const key = m ? `${m.channel} ${m.ts}` : "";
      if (m && !this.#byTs.has(key)) this.#byTs.set(key, m);
    }
    return this.#byTs.get(`${channel} ${ts}`);
  }

  findView(id: string): FakeView | undefined {
    return (
      this.modals.find((v) => v.id === id) ?? [...this.homeViews.values()].find((v) => v.id === id)
    );
  }

  findViewByExternalId(externalId: string): FakeView | undefined {
    const all = [...this.modals, ...this.homeViews.values()];
    return all.find((v) => v.externalId === externalId);
  }
}
