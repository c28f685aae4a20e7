// Requests as Slack sends them to a Bolt HTTP endpoint (POST <appUrl>/slack/events), signed with
// x-slack-signature = "v0=" + hex(HMAC-SHA256(signingSecret, "v0:" + timestamp + ":" + rawBody))
// and x-slack-request-timestamp. Commands and interactivity are form-encoded (interactivity as a
// single `payload` field holding JSON); the Events API sends a JSON envelope.

import { createHmac } from "node:crypto";

export const DEFAULTS = {
  teamId: "T0TEST",
  teamDomain: "fake",
  channelId: "C0GENERAL",
  channelName: "general",
  userId: "U0REQ",
  userName: "requester",
  command: "/autofix",
  appId: "A0APP",
  botUserId: "U0BOT",
  /** Deprecated verification token Slack still sends in bodies; Bolt ignores it. */
  verificationToken: "fake-verification-token",
  /** Nothing listens on port 9: a listener that uses an unset response_url fails loudly. */
  responseUrl: "http://127.0.0.1:9/response/unset",
  triggerId: "0000000000.0000000000.unset",
} as const;

export interface SlashCommandFields {
  command: string;
  text: string;
  user_id: string;
  user_name: string;
  team_id: string;
  team_domain: string;
  channel_id: string;
  channel_name: string;
  response_url: string;
  trigger_id: string;
  api_app_id: string;
  /** Only sent for Enterprise Grid workspaces; omitted when undefined. */
  enterprise_id: string;
  is_enterprise_install: "true" | "false";
}

export interface SendOptions {
  /** x-slack-retry-num (Slack's redelivery counter). */
  retryNum?: number;
  /** x-slack-retry-reason, e.g. "http_timeout". */
  retryReason?: string;
  /** Request timestamp in seconds (default: now). */
  timestamp?: number;
  /** Replaces the computed x-slack-signature (to forge or corrupt it). */
  signature?: string;
  /** Replaces the content type Slack uses. */
  contentType?: string;
  /** Path of the Bolt endpoint (default /slack/events). */
  path?: string;
}

export interface SlackHttpResponse {
  status: number;
  /** Parsed JSON when the body is JSON, else the text ("" when empty). */
  body: unknown;
  headers: Record<string, string>;
}

/** The x-slack-signature value for a raw body. */
export function signSlackRequest(secret: string, body: string, timestamp: number): string {
  const hmac = createHmac("sha256", secret).update(`v0:${timestamp}:${body}`).digest("hex");
  return `v0=${hmac}`;
}

async function send(
  appUrl: string,
  secret: string,
  body: string,
  contentType: string,
  opts: SendOptions,
): Promise<SlackHttpResponse> {
  const timestamp = opts.timestamp ?? Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = {
    "content-type": opts.contentType ?? contentType,
    "user-agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
    "x-slack-request-timestamp": String(timestamp),
    "x-slack-signature": opts.signature ?? signSlackRequest(secret, body, timestamp),
  };
  if (opts.retryNum !== undefined) headers["x-slack-retry-num"] = String(opts.retryNum);
  if (opts.retryReason !== undefined) headers["x-slack-retry-reason"] = opts.retryReason;
  const url = `${appUrl.replace(/\/$/, "")}${opts.path ?? "/slack/events"}`;
  const response = await fetch(url, { method: "POST", headers, body });
  const text = await response.text();
  let parsed: unknown = text;
  if (text !== "") {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
  }
  return { status: response.status, body: parsed, headers: Object.fromEntries(response.headers) };
}

function form(fields: Record<string, string | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(fields))
    if (value !== undefined) params.append(key, value);
  return params.toString();
}

/** A slash command, form-encoded with Slack's fields (defaults: /autofix by U0REQ in C0GENERAL). */
export function sendCommand(
  appUrl: string,
  secret: string,
  fields: Partial<SlashCommandFields> & { text: string },
  opts: SendOptions = {},
): Promise<SlackHttpResponse> {
  const body = form(commandPayload(fields));
  return send(appUrl, secret, body, "application/x-www-form-urlencoded", opts);
}

/** A slash command's fields (a form over HTTP, a `slash_commands` envelope over Socket Mode). */
export function commandPayload(
  fields: Partial<SlashCommandFields> & { text: string },
): Record<string, string | undefined> {
  return {
    token: DEFAULTS.verificationToken,
    team_id: fields.team_id ?? DEFAULTS.teamId,
    team_domain: fields.team_domain ?? DEFAULTS.teamDomain,
    enterprise_id: fields.enterprise_id,
    channel_id: fields.channel_id ?? DEFAULTS.channelId,
    channel_name: fields.channel_name ?? DEFAULTS.channelName,
    user_id: fields.user_id ?? DEFAULTS.userId,
    user_name: fields.user_name ?? DEFAULTS.userName,
    command: fields.command ?? DEFAULTS.command,
    text: fields.text,
    api_app_id: fields.api_app_id ?? DEFAULTS.appId,
    is_enterprise_install: fields.is_enterprise_install ?? "false",
    response_url: fields.response_url ?? DEFAULTS.responseUrl,
    trigger_id: fields.trigger_id ?? DEFAULTS.triggerId,
  };
}

function sendPayload(
  appUrl: string,
  secret: string,
  payload: Record<string, unknown>,
  opts: SendOptions,
): Promise<SlackHttpResponse> {
  const body = form({ payload: JSON.stringify(payload) });
  return send(appUrl, secret, body, "application/x-www-form-urlencoded", opts);
}

function userObject(id: string, name: string | undefined) {
  const username = name ?? (id === DEFAULTS.userId ? DEFAULTS.userName : id.toLowerCase());
  return { id, username, name: username, team_id: DEFAULTS.teamId };
}

export interface BlockActionInput {
  user: string;
  userName?: string;
  channel: string;
  channelName?: string;
  /** ts of the message holding the button. */
  messageTs: string;
  /** Root ts when the message is a thread reply. */
  threadTs?: string;
  actionId: string;
  /** Defaults to the block_id of the block (in `messageBlocks`) that holds `actionId`. */
  blockId?: string;
  value?: string;
  /** Element type (default "button"). */
  actionType?: string;
  /** Button label echoed in the action (default "Button"). */
  buttonText?: string;
  /** The message's blocks as Slack echoes them (e.g. fake.message(...).blocks). */
  messageBlocks?: unknown[];
  messageText?: string;
  responseUrl?: string;
  triggerId?: string;
}

function findBlockId(blocks: unknown[] | undefined, actionId: string): string | undefined {
  for (const block of blocks ?? []) {
    const b = block as {
      block_id?: string;
      elements?: { action_id?: string }[];
      accessory?: { action_id?: string };
    };
    const ids = [...(b.elements ?? []).map((e) => e.action_id), b.accessory?.action_id];
    if (ids.includes(actionId)) return b.block_id;
  }
  return undefined;
}

/** A block_actions interaction on a message, as Slack posts it. */
export function sendBlockAction(
  appUrl: string,
  secret: string,
  input: BlockActionInput,
  opts: SendOptions = {},
): Promise<SlackHttpResponse> {
  return sendPayload(appUrl, secret, blockActionPayload(input), opts);
}

/** The block_actions payload (a form field over HTTP, an `interactive` envelope over Socket Mode). */
export function blockActionPayload(input: BlockActionInput): Record<string, unknown> {
  const blockId = input.blockId ?? findBlockId(input.messageBlocks, input.actionId) ?? "block";
  const actionTs = (Date.now() / 1000).toFixed(6);
  const payload = {
    type: "block_actions",
    user: userObject(input.user, input.userName),
    api_app_id: DEFAULTS.appId,
    token: DEFAULTS.verificationToken,
    container: {
      type: "message",
      message_ts: input.messageTs,
      channel_id: input.channel,
      is_ephemeral: false,
      ...(input.threadTs ? { thread_ts: input.threadTs } : {}),
    },
    trigger_id: input.triggerId ?? DEFAULTS.triggerId,
    team: { id: DEFAULTS.teamId, domain: DEFAULTS.teamDomain },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: input.channel, name: input.channelName ?? DEFAULTS.channelName },
    message: {
      type: "message",
      subtype: "bot_message",
      text: input.messageText ?? "",
      user: DEFAULTS.botUserId,
      ts: input.messageTs,
      ...(input.threadTs ? { thread_ts: input.threadTs } : {}),
      ...(input.messageBlocks ? { blocks: input.messageBlocks } : {}),
    },
    state: { values: {} },
    response_url: input.responseUrl ?? DEFAULTS.responseUrl,
    actions: [
      {
        type: input.actionType ?? "button",
        action_id: input.actionId,
        block_id: blockId,
        text: { type: "plain_text", text: input.buttonText ?? "Button", emoji: true },
        ...(input.value !== undefined ? { value: input.value } : {}),
        action_ts: actionTs,
      },
    ],
  };
  return payload;
}

export interface ViewSubmissionInput {
  user: string;
  userName?: string;
  callbackId: string;
  /** state.values: block_id -> action_id -> element state (e.g. {type:"plain_text_input", value}). */
  values?: Record<string, Record<string, Record<string, unknown>>>;
  privateMetadata?: string;
  viewId?: string;
  /** Extra view fields (title, blocks, ...) echoed back as Slack does. */
  view?: Record<string, unknown>;
  triggerId?: string;
}

/** A view_submission interaction (a modal's submit button). */
export function sendViewSubmission(
  appUrl: string,
  secret: string,
  input: ViewSubmissionInput,
  opts: SendOptions = {},
): Promise<SlackHttpResponse> {
  return sendPayload(appUrl, secret, viewSubmissionPayload(input), opts);
}

/** The view_submission payload. */
export function viewSubmissionPayload(input: ViewSubmissionInput): Record<string, unknown> {
  const viewId = input.viewId ?? "V0SUBMITTED";
  const payload = {
    type: "view_submission",
    team: { id: DEFAULTS.teamId, domain: DEFAULTS.teamDomain },
    user: userObject(input.user, input.userName),
    api_app_id: DEFAULTS.appId,
    token: DEFAULTS.verificationToken,
    trigger_id: input.triggerId ?? DEFAULTS.triggerId,
    view: {
      id: viewId,
      team_id: DEFAULTS.teamId,
      type: "modal",
      blocks: [],
      private_metadata: input.privateMetadata ?? "",
      callback_id: input.callbackId,
      external_id: "",
      hash: "1764000000.abcdef01",
      root_view_id: viewId,
      previous_view_id: null,
      app_id: DEFAULTS.appId,
      bot_id: "B0BOT",
      ...input.view,
      state: { values: input.values ?? {} },
    },
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
  };
  return payload;
}

let eventCounter = 0;

/** An event id as Slack makes them; a retry of a delivery carries the first one's. */
export function newEventId(): string {
  eventCounter += 1;
  return `Ev0FAKE${String(eventCounter).padStart(6, "0")}`;
}

/** The event_callback envelope Slack wraps an event in (HTTP body, or Socket Mode payload). */
export function eventEnvelope(
  event: Record<string, unknown>,
  eventId = newEventId(),
): Record<string, unknown> {
  const now = Date.now() / 1000;
  return {
    token: DEFAULTS.verificationToken,
    team_id: DEFAULTS.teamId,
    api_app_id: DEFAULTS.appId,
    event: { event_ts: now.toFixed(6), ...event },
    type: "event_callback",
    event_id: eventId,
    event_time: Math.floor(now),
    authorizations: [
      {
        enterprise_id: null,
        team_id: DEFAULTS.teamId,
        user_id: DEFAULTS.botUserId,
        is_bot: true,
        is_enterprise_install: false,
      },
    ],
    is_ext_shared_channel: false,
  };
}

/** An Events API event_callback envelope around `event` (event_ts added when missing). */
export function sendEvent(
  appUrl: string,
  secret: string,
  event: Record<string, unknown>,
  opts: SendOptions & { eventId?: string } = {},
): Promise<SlackHttpResponse> {
  const envelope = eventEnvelope(event, opts.eventId);
  return send(appUrl, secret, JSON.stringify(envelope), "application/json", opts);
}

/** The url_verification handshake Slack sends when the Events URL is configured. */
export function sendUrlVerification(
  appUrl: string,
  secret: string,
  challenge: string,
  opts: SendOptions = {},
): Promise<SlackHttpResponse> {
  const body = JSON.stringify({
    token: DEFAULTS.verificationToken,
    challenge,
    type: "url_verification",
  });
  return send(appUrl, secret, body, "application/json", opts);
}
