// A strict local fake of the Slack Web API, for the real @slack/web-api WebClient
// (`new WebClient(token, { slackApiUrl: fake.apiUrl })`) and Bolt (`clientOptions.slackApiUrl`).
//
// Routes (all POST):
//   /api/<method>        Web API: HTTP 200 {ok:true,...} | {ok:false,error}; 404 unknown_method;
//                        429 + Retry-After when rate limited (injected or tier emulation)
//   /upload/v1/<fileId>  upload_url of files.getUploadURLExternal (multipart or raw bytes)
//   /response/<id>       response_url made by fake.responseUrl()
//   GET /link/?ticket=…  Socket Mode WebSocket (URL from apps.connections.open, ./slack/socket-mode.ts)
// Method behaviour lives in ./slack/{chat,directory,files,views}.ts, Block Kit limits in
// ./slack/block-kit.ts, rate limits in ./slack/rate-limit.ts.

import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import {
  type RunningServer,
  readBody,
  sendJson,
  sendText,
  startHttpServer,
} from "./http-server.ts";
import { type Params, parseApiRequest, str } from "./slack/api-request.ts";
import { CHAT_METHODS } from "./slack/chat.ts";
import { ApiError, type FakeConfig, type MethodSpec } from "./slack/context.ts";
import { DIRECTORY_METHODS } from "./slack/directory.ts";
import { FILE_METHODS, receiveUpload } from "./slack/files.ts";
import { HISTORY_METHODS } from "./slack/history.ts";
import { RateLimiter } from "./slack/rate-limit.ts";
import { REACTION_METHODS } from "./slack/reactions.ts";
import { receiveResponse } from "./slack/response-url.ts";
import { type FakeSocketMode, SocketModeServer } from "./slack/socket-mode.ts";
import {
  type FakeEphemeral,
  type FakeFile,
  type FakeMessage,
  type FakeView,
  SlackState,
} from "./slack/state.ts";
import { VIEW_METHODS } from "./slack/views.ts";

export type { FakeSocketMode } from "./slack/socket-mode.ts";
export type {
  FakeChannel,
  FakeEphemeral,
  FakeFile,
  FakeMessage,
  FakeReaction,
  FakeUser,
  FakeView,
  MessageMetadata,
  MessageVersion,
} from "./slack/state.ts";

export interface FakeSlackOptions {
  botToken?: string;
  /** App-level token for Socket Mode (apps.connections.open). */
  appToken?: string;
  teamId?: string;
  /** Workspace subdomain used in permalinks (https://<teamDomain>.slack.com/...). */
  teamDomain?: string;
  botUserId?: string;
  botId?: string;
  appId?: string;
  /** Known channel ids (default C0GENERAL, C0ALERTS). */
  channels?: string[];
  /** Emulate Slack's per-method tier quotas; `windowMs` shortens Slack's one-minute window. */
  tiers?: boolean | { windowMs?: number };
  /** Clock for trigger/response_url expiry and tier windows (default Date.now). */
  now?: () => number;
}

/** One request the fake received. Tokens are never recorded. */
export interface FakeCall {
  /** Web API method, or "upload" (upload_url) / "response_url". */
  method: string;
  /** Decoded arguments (JSON-string arguments parsed); the token is removed. */
  params: Record<string, unknown>;
  /** Request headers, lower-case; authorization is redacted. */
  headers: Record<string, string>;
  status: number;
  /** Slack error code of an {ok:false} answer (or "ratelimited"). */
  error: string | undefined;
  at: number;
}

/** A request the fake has applied but not answered yet (see FakeSlack.beforeReply). */
export interface PendingReply {
  /** 1-based count of the requests this fake received (API, upload and response_url). */
  n: number;
  method: string;
  params: Record<string, unknown>;
  headers: Record<string, string>;
  /** HTTP status of the answer about to be sent, and its Slack error, if any. */
  status: number;
  error: string | undefined;
}

export type ReplyHook = (pending: PendingReply) => void | Promise<void>;

export interface WaitForOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** Says what was awaited, for the timeout message. */
  description?: string;
}

export interface FakeSlack {
  /** Base URL, e.g. http://127.0.0.1:PORT (no trailing slash). */
  readonly url: string;
  /** Pass as `slackApiUrl`: `${url}/api/`. */
  readonly apiUrl: string;
  readonly botToken: string;
  readonly appToken: string;
  readonly teamId: string;
  readonly botUserId: string;
  readonly botId: string;

  readonly calls: readonly FakeCall[];
  /** Every stored message (top-level and replies), in post order. */
  readonly messages: readonly FakeMessage[];
  readonly ephemerals: readonly FakeEphemeral[];
  /** Completed uploads (files.completeUploadExternal succeeded), in upload order. */
  readonly files: readonly FakeFile[];
  readonly views: {
    readonly home: ReadonlyMap<string, FakeView>;
    readonly modals: readonly FakeView[];
  };
  /** The Socket Mode WebSocket side: hello control, drops, envelopes and acks. */
  readonly socketMode: FakeSocketMode;

  message(channel: string, ts: string): FakeMessage | undefined;
  /** Replies of a thread (not the root), including file shares, in ts order. */
  thread(channel: string, rootTs: string): FakeMessage[];
  /** Top-level messages of a channel plus replies sent with reply_broadcast, in ts order. */
  channelMessages(channel: string): FakeMessage[];
  callCount(method?: string): number;

  addUser(
    id: string,
    opts?: {
      name?: string;
      realName?: string;
      isAdmin?: boolean;
      isOwner?: boolean;
      deleted?: boolean;
      isBot?: boolean;
    },
  ): void;
  setUsergroup(id: string, userIds: string[]): void;
  /** A channel; the bot is a member unless `botMember: false` (it can join a public one). */
  addChannel(
    id: string,
    opts?: { name?: string; isPrivate?: boolean; isArchived?: boolean; botMember?: boolean },
  ): void;
  /**
   * A person writes in a channel (or a thread: `threadTs`): the message Slack then holds, whose
   * event the test delivers to the bot (test/support/slack-events.ts).
   */
  say(user: string, channel: string, text: string, opts?: { threadTs?: string }): FakeMessage;
  /** The direct message between the bot and a person (the app's Messages tab); made once. */
  openIm(user: string): string;
  /** Who reacted with what to a message: `name` → users. */
  reactionsOf(channel: string, ts: string): Record<string, string[]>;
  /** A trigger_id views.open accepts once, within `ttlMs` (default 3000, like Slack). */
  issueTriggerId(opts?: { userId?: string; ttlMs?: number }): string;
  /** A fresh response_url on the fake (5 uses within 30 minutes). */
  responseUrl(): string;
  /** Bodies POSTed to a response_url, in order. */
  responses(url: string): unknown[];

  /** The next `times` (default 1) calls to `method` get HTTP 429 with Retry-After (default 1). */
  rateLimit(method: string, opts?: { times?: number; retryAfterSec?: number }): void;
  /** The next `times` (default 1) calls to `method` answer {ok:false, error}. */
  failNext(method: string, error: string, times?: number): void;
  /**
   * Runs `hook` before each answer: the request's effect is applied and the caller has no answer
   * yet (fault tests kill the bot there). `undefined` removes it.
   */
  beforeReply(hook: ReplyHook | undefined): void;
  /** Polls until `predicate` returns a truthy value and resolves with it. */
  waitFor<T>(predicate: () => T | undefined | null | false, opts?: WaitForOptions): Promise<T>;
  /** Forgets traffic, calls and injections; keeps users, channels and user groups. */
  reset(): void;
  close(): Promise<void>;
}

const METHODS: Record<string, MethodSpec> = {
  ...CHAT_METHODS,
  ...DIRECTORY_METHODS,
  ...FILE_METHODS,
  ...HISTORY_METHODS,
  ...REACTION_METHODS,
  ...VIEW_METHODS,
};

/** Users every fake workspace has: the bot, and the default requester of slack-requests.ts. */
const SEED_USERS = [{ id: "U0REQ", name: "requester", realName: "Request Er" }] as const;

export async function startFakeSlack(options: FakeSlackOptions = {}): Promise<FakeSlack> {
  const fake = new FakeSlackServer(options);
  await fake.listen();
  return fake;
}

class FakeSlackServer implements FakeSlack {
  readonly #config: FakeConfig;
  readonly #state = new SlackState();
  readonly #now: () => number;
  readonly #limiter: RateLimiter;
  readonly #failures = new Map<string, { error: string; remaining: number }[]>();
  readonly #socket: SocketModeServer;
  readonly #methods: Record<string, MethodSpec>;
  #calls: FakeCall[] = [];
  #server: RunningServer | undefined;
  #received = 0;
  #beforeReply: ReplyHook | undefined;

  constructor(options: FakeSlackOptions) {
    this.#config = {
      botToken: options.botToken ?? "xoxb-test-bot-token",
      appToken: options.appToken ?? "xapp-1-A0APP-test-app-token",
      teamId: options.teamId ?? "T0TEST",
      teamDomain: options.teamDomain ?? "fake",
      botUserId: options.botUserId ?? "U0BOT",
      botId: options.botId ?? "B0BOT",
      appId: options.appId ?? "A0APP",
    };
    this.#now = options.now ?? Date.now;
    this.#socket = new SocketModeServer(this.#config.appId);
    this.#methods = { ...METHODS, ...this.#socket.methods(() => this.url) };
    const tiers = options.tiers ?? false;
    this.#limiter = new RateLimiter({
      tiers: tiers !== false,
      windowMs: typeof tiers === "object" ? (tiers.windowMs ?? 60_000) : 60_000,
      now: this.#now,
    });
    for (const id of options.channels ?? ["C0GENERAL", "C0ALERTS"]) this.addChannel(id);
    this.addUser(this.#config.botUserId, { name: "autofix", realName: "Autofix", isBot: true });
    for (const user of SEED_USERS) this.addUser(user.id, user);
  }

  async listen(): Promise<void> {
    this.#server = await startHttpServer((req, res) => this.#route(req, res));
    this.#server.server.on("upgrade", (req, socket, head) =>
      this.#socket.upgrade(req, socket, head),
    );
  }

  get url(): string {
    if (!this.#server) throw new Error("fake Slack is not listening");
    return this.#server.url;
  }
  get apiUrl(): string {
    return `${this.url}/api/`;
  }
  get botToken(): string {
    return this.#config.botToken;
  }
  get appToken(): string {
    return this.#config.appToken;
  }
  get socketMode(): FakeSocketMode {
    return this.#socket;
  }
  get teamId(): string {
    return this.#config.teamId;
  }
  get botUserId(): string {
    return this.#config.botUserId;
  }
  get botId(): string {
    return this.#config.botId;
  }
  get calls(): readonly FakeCall[] {
    return this.#calls;
  }
  get messages(): readonly FakeMessage[] {
    return this.#state.messages;
  }
  get ephemerals(): readonly FakeEphemeral[] {
    return this.#state.ephemerals;
  }
  get files(): readonly FakeFile[] {
    return [...this.#state.files.values()].filter((f) => f.completed);
  }
  get views() {
    return { home: this.#state.homeViews, modals: this.#state.modals };
  }

  message(channel: string, ts: string): FakeMessage | undefined {
    return this.#state.findMessage(channel, ts);
  }
  thread(channel: string, rootTs: string): FakeMessage[] {
    return this.#state.messages
      .filter((m) => m.channel === channel && m.threadTs === rootTs)
      .sort(byTs);
  }
  channelMessages(channel: string): FakeMessage[] {
    return this.#state.messages
      .filter((m) => m.channel === channel && (m.threadTs === undefined || m.replyBroadcast))
      .sort(byTs);
  }
  callCount(method?: string): number {
    return method === undefined
      ? this.#calls.length
      : this.#calls.filter((c) => c.method === method).length;
  }

  addUser(
    id: string,
    opts: {
      name?: string;
      realName?: string;
      isAdmin?: boolean;
      isOwner?: boolean;
      deleted?: boolean;
      isBot?: boolean;
    } = {},
  ): void {
    const name = opts.name ?? id.toLowerCase();
    this.#state.users.set(id, {
      id,
      name,
      realName: opts.realName ?? name,
      isAdmin: opts.isAdmin ?? false,
      isOwner: opts.isOwner ?? false,
      isBot: opts.isBot ?? false,
      deleted: opts.deleted ?? false,
    });
  }
  setUsergroup(id: string, userIds: string[]): void {
    this.#state.usergroups.set(id, [...userIds]);
  }
  addChannel(
    id: string,
    opts: { name?: string; isPrivate?: boolean; isArchived?: boolean; botMember?: boolean } = {},
  ): void {
    this.#state.channels.set(id, {
      id,
      name: opts.name ?? id.replace(/^C0?/, "").toLowerCase(),
      isPrivate: opts.isPrivate ?? false,
      isArchived: opts.isArchived ?? false,
      botMember: opts.botMember ?? true,
    });
  }
  say(user: string, channel: string, text: string, opts: { threadTs?: string } = {}): FakeMessage {
    if (!this.#state.users.has(user)) throw new Error(`fake Slack: unknown user ${user}`);
    if (!this.#state.channels.has(channel))
      throw new Error(`fake Slack: unknown channel ${channel}`);
    const parent = opts.threadTs ? this.message(channel, opts.threadTs) : undefined;
    if (opts.threadTs && (!parent || parent.threadTs !== undefined)) {
      throw new Error(`fake Slack: no thread ${opts.threadTs} in ${channel}`);
    }
    const version = { text, blocks: undefined, attachments: undefined, metadata: undefined };
    const message: FakeMessage = {
      channel,
      ts: this.#state.ts.next(),
      threadTs: opts.threadTs,
      ...version,
      user,
      botId: "",
      replyBroadcast: false,
      files: [],
      updates: 0,
      versions: [version],
      reactions: [],
    };
    this.#state.messages.push(message);
    return message;
  }
  openIm(user: string): string {
    const id = `D0${user.replace(/^[UW]0?/, "")}`;
    if (!this.#state.channels.has(id)) {
      this.#state.channels.set(id, {
        id,
        name: id,
        isPrivate: true,
        isArchived: false,
        botMember: true,
        imUser: user,
      });
    }
    return id;
  }
  reactionsOf(channel: string, ts: string): Record<string, string[]> {
    const message = this.message(channel, ts);
    return Object.fromEntries((message?.reactions ?? []).map((r) => [r.name, [...r.users]]));
  }
  issueTriggerId(opts: { userId?: string; ttlMs?: number } = {}): string {
    const id = `${this.#state.triggers.size + 1}${Date.now() % 100_000}.${this.#config.teamId}.${randomBytes(8).toString("hex")}`;
    this.#state.triggers.set(id, {
      expiresAt: this.#now() + (opts.ttlMs ?? 3000),
      used: false,
      userId: opts.userId,
    });
    return id;
  }
  responseUrl(): string {
    const id = randomBytes(12).toString("hex");
    this.#state.responseUrls.set(id, { id, createdAt: this.#now(), bodies: [] });
    return `${this.url}/response/${id}`;
  }
  responses(url: string): unknown[] {
    const id = url.split("/response/")[1] ?? "";
    return [...(this.#state.responseUrls.get(id)?.bodies ?? [])];
  }

  rateLimit(method: string, opts: { times?: number; retryAfterSec?: number } = {}): void {
    this.#limiter.inject(method, opts.times ?? 1, opts.retryAfterSec ?? 1);
  }
  failNext(method: string, error: string, times = 1): void {
    const queue = this.#failures.get(method) ?? [];
    queue.push({ error, remaining: times });
    this.#failures.set(method, queue);
  }

  beforeReply(hook: ReplyHook | undefined): void {
    this.#beforeReply = hook;
  }

  async waitFor<T>(
    predicate: () => T | undefined | null | false,
    opts: WaitForOptions = {},
  ): Promise<T> {
    const { timeoutMs = 5000, intervalMs = 20, description } = opts;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = predicate();
      if (value) return value;
      if (Date.now() > deadline) {
        const recent = this.#calls
          .slice(-10)
          .map((c) => `${c.method} ${c.status}${c.error ? ` ${c.error}` : ""}`)
          .join(", ");
        throw new Error(
          `fake Slack: waitFor${description ? ` (${description})` : ""} timed out after ${timeoutMs} ms; ` +
            `last calls: ${recent || "none"}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }

  reset(): void {
    this.#state.clearTraffic();
    this.#calls = [];
    this.#failures.clear();
    this.#limiter.reset();
  }

  async close(): Promise<void> {
    this.#socket.close();
    await this.#server?.close();
    this.#server = undefined;
  }

  // ---------- HTTP ----------

  async #route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const n = ++this.#received;
    const answer = await this.#answer(req);
    const call = answer.call;
    if (this.#beforeReply && call) {
      const { method, params, headers, status, error } = call;
      await this.#beforeReply({ n, method, params, headers, status, error });
    }
    if (answer.json !== undefined) sendJson(res, answer.status, answer.json, answer.headers);
    else sendText(res, answer.status, answer.text ?? "", answer.headers);
  }

  async #answer(req: IncomingMessage): Promise<Answer> {
    const path = new URL(req.url ?? "/", "http://fake").pathname;
    if (req.method !== "POST") return { status: 405, text: "method not allowed" };
    const [, kind, ...rest] = path.split("/");
    const id = rest.join("/");
    if (kind === "api") return this.#api(decodeURIComponent(id), req);
    if (kind === "upload" && rest[0] === "v1" && rest[1]) return this.#upload(rest[1], req);
    if (kind === "response" && id) return this.#response(id, req);
    return { status: 404, text: "not found" };
  }

  async #api(method: string, req: IncomingMessage): Promise<Answer> {
    const spec = this.#methods[method];
    const body = await readBody(req);
    if (!spec) {
      const call = this.#record(method, req, {}, 404, "unknown_method");
      return {
        status: 404,
        json: { ok: false, error: "unknown_method", req_method: method },
        call,
      };
    }
    const parsed = await parseApiRequest(req, body, spec);
    if (!parsed.ok) return this.#answerError(method, req, {}, parsed.error);
    const { params } = parsed;
    if (parsed.token === undefined) return this.#answerError(method, req, params, "not_authed");
    const tokenError = this.#checkToken(parsed.token, spec.token ?? "bot");
    if (tokenError) return this.#answerError(method, req, params, tokenError);

    const retryAfter = this.#limiter.check(method, spec.tier, str(params, "channel"));
    if (retryAfter !== undefined) {
      return {
        call: this.#record(method, req, params, 429, "ratelimited"),
        status: 429,
        json: { ok: false, error: "ratelimited" },
        headers: { "retry-after": String(retryAfter) },
      };
    }
    const injected = this.#takeFailure(method);
    if (injected !== undefined) return this.#answerError(method, req, params, injected);

    try {
      const result = spec.run({
        state: this.#state,
        params,
        badJson: parsed.badJson,
        config: this.#config,
        now: this.#now,
        baseUrl: this.url,
      });
      const call = this.#record(method, req, params, 200, undefined);
      return { status: 200, json: { ok: true, ...result }, call };
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      return this.#answerError(method, req, params, error.code, error.extra);
    }
  }

  async #upload(fileId: string, req: IncomingMessage): Promise<Answer> {
    const body = await readBody(req, 1024 * 1024 * 1024);
    const outcome = await receiveUpload(this.#state, fileId, req, body);
    const params = { file_id: fileId, bytes: body.length };
    const call = this.#record("upload", req, params, outcome.status, undefined);
    return { status: outcome.status, text: outcome.text, call };
  }

  async #response(id: string, req: IncomingMessage): Promise<Answer> {
    const body = await readBody(req);
    const outcome = receiveResponse(this.#state, id, req, body, this.#now());
    const error = typeof outcome.body["error"] === "string" ? outcome.body["error"] : undefined;
    const call = this.#record("response_url", req, { id }, outcome.status, error);
    return { status: outcome.status, json: outcome.body, call };
  }

  #answerError(
    method: string,
    req: IncomingMessage,
    params: Params,
    error: string,
    extra: Params = {},
  ): Answer {
    const call = this.#record(method, req, params, 200, error);
    return { status: 200, json: { ok: false, error, ...extra }, call };
  }

  /** Slack refuses a token of the wrong kind (bot vs app-level) as such, any other as invalid. */
  #checkToken(token: string, kind: "bot" | "app"): string | undefined {
    const expected = kind === "app" ? this.#config.appToken : this.#config.botToken;
    if (token === expected) return undefined;
    const wrongKind = kind === "app" ? /^xox[bpa]-/.test(token) : token.startsWith("xapp-");
    return wrongKind ? "not_allowed_token_type" : "invalid_auth";
  }

  #takeFailure(method: string): string | undefined {
    const queue = this.#failures.get(method);
    const head = queue?.[0];
    if (!queue || !head) return undefined;
    head.remaining -= 1;
    if (head.remaining <= 0) queue.shift();
    return head.error;
  }

  #record(
    method: string,
    req: IncomingMessage,
    params: Params,
    status: number,
    error: string | undefined,
  ): FakeCall {
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(req.headers)) {
      if (value === undefined) continue;
      headers[key] =
        key === "authorization" ? "[redacted]" : Array.isArray(value) ? value.join(", ") : value;
    }
    const call = { method, params, headers, status, error, at: this.#now() };
    this.#calls.push(call);
    return call;
  }
}

/** What a route answers; sent after the beforeReply hook. */
interface Answer {
  status: number;
  json?: unknown;
  text?: string;
  headers?: Record<string, string>;
  /** The request as recorded, for the beforeReply hook. */
  call?: FakeCall;
}

function byTs(a: FakeMessage, b: FakeMessage): number {
  return a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0;
}
