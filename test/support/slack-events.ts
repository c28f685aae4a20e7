// What Slack sends when a person writes to the bot: the message is in Slack first (fake.say),
// then its event reaches the bot, signed over HTTP or as an events_api envelope over Socket Mode.
//   app_mention  a message in a channel that mentions the bot (never sent for DMs)
//   message.im   a message in the bot's DM (channel_type "im"), mention or not
// A retry (x-slack-retry-num over HTTP, retry_attempt over Socket Mode) keeps the first event_id.

import type { FakeMessage, FakeSlack } from "../fakes/slack.ts";
import { eventEnvelope, newEventId, type SlackHttpResponse, sendEvent } from "./slack-requests.ts";

export interface EventTarget {
  slack: FakeSlack;
  /** The bot's HTTP URL (HTTP mode). */
  url: string;
  secret: string;
  /** Deliver over the fake's Socket Mode connection instead of HTTP. */
  socketMode?: boolean;
}

export interface Delivery {
  eventId?: string;
  retryNum?: number;
  retryReason?: string;
}

export interface Delivered {
  eventId: string;
  /** HTTP mode: Bolt's answer (events are acked at once). */
  response?: SlackHttpResponse;
  /** Socket Mode: the envelope's id, acked on the socket. */
  envelopeId?: string;
}

/** The app_mention event of a message that mentions the bot. */
export function mentionEvent(m: FakeMessage, team: string): Record<string, unknown> {
  return {
    type: "app_mention",
    user: m.user,
    text: m.text,
    ts: m.ts,
    channel: m.channel,
    team,
    client_msg_id: `${m.ts}-client`,
    ...(m.threadTs ? { thread_ts: m.threadTs } : {}),
  };
}

/** The message.im event of a person's message in the bot's DM. */
export function imEvent(m: FakeMessage, team: string): Record<string, unknown> {
  return {
    type: "message",
    channel: m.channel,
    user: m.user,
    text: m.text,
    ts: m.ts,
    team,
    client_msg_id: `${m.ts}-client`,
    channel_type: "im",
    ...(m.threadTs ? { thread_ts: m.threadTs } : {}),
  };
}

export async function deliverEvent(
  t: EventTarget,
  event: Record<string, unknown>,
  d: Delivery = {},
): Promise<Delivered> {
  const eventId = d.eventId ?? newEventId();
  if (t.socketMode) {
    await greeted(t.slack);
    const envelopeId = t.slack.socketMode.deliver(
      "events_api",
      eventEnvelope(event, eventId),
      d.retryNum === undefined
        ? { retry_attempt: 0, retry_reason: "" }
        : { retry_attempt: d.retryNum, retry_reason: d.retryReason ?? "timeout" },
    );
    return { eventId, envelopeId };
  }
  const response = await sendEvent(t.url, t.secret, event, {
    eventId,
    ...(d.retryNum !== undefined ? { retryNum: d.retryNum } : {}),
    ...(d.retryReason !== undefined ? { retryReason: d.retryReason } : {}),
  });
  if (response.status !== 200) {
    throw new Error(`event answered ${response.status}: ${JSON.stringify(response.body)}`);
  }
  return { eventId, response };
}

/** A person mentions the bot (`<@bot> …text`) in a channel or a thread; the event follows. */
export async function mention(
  t: EventTarget,
  input: { user: string; channel: string; text: string; threadTs?: string },
  d: Delivery = {},
): Promise<{ message: FakeMessage } & Delivered> {
  const message = t.slack.say(input.user, input.channel, `<@${t.slack.botUserId}> ${input.text}`, {
    ...(input.threadTs ? { threadTs: input.threadTs } : {}),
  });
  const delivered = await deliverEvent(t, mentionEvent(message, t.slack.teamId), d);
  return { message, ...delivered };
}

/** A person writes in the bot's DM (`text` as typed: with or without a mention). */
export async function direct(
  t: EventTarget,
  input: { user: string; text: string; threadTs?: string },
  d: Delivery = {},
): Promise<{ message: FakeMessage; channel: string } & Delivered> {
  const channel = t.slack.openIm(input.user);
  const message = t.slack.say(input.user, channel, input.text, {
    ...(input.threadTs ? { threadTs: input.threadTs } : {}),
  });
  const delivered = await deliverEvent(t, imEvent(message, t.slack.teamId), d);
  return { message, channel, ...delivered };
}

/** Socket Mode: until the bot holds a connection Slack has said hello on. */
export function greeted(slack: FakeSlack): Promise<boolean> {
  return slack.waitFor(() => slack.socketMode.open - slack.socketMode.waitingForHello > 0, {
    description: "a greeted Socket Mode connection",
  });
}
