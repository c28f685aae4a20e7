// Home tab and modal interactions as Slack sends them: block_actions from a view carry
// `container: {type: "view", view_id}` and the view (with its state) instead of a channel and a
// message (docs.slack.dev, block_actions payload; view state since the 2020-09 changelog).

import { type Harness, SIGNING_SECRET } from "../support/harness.ts";
import { DEFAULTS, sendEvent, signSlackRequest } from "../support/slack-requests.ts";

export type StateValues = Record<string, Record<string, Record<string, unknown>>>;

export interface ViewRecord {
  id: string;
  hash: string;
  view: Record<string, unknown>;
}

export async function postInteraction(
  h: Harness,
  payload: Record<string, unknown>,
): Promise<{ status: number; body: unknown }> {
  const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
  const ts = Math.floor(Date.now() / 1000);
  const res = await fetch(`${h.url}/slack/events`, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      "x-slack-request-timestamp": String(ts),
      "x-slack-signature": signSlackRequest(SIGNING_SECRET, body, ts),
    },
    body,
  });
  const text = await res.text();
  return { status: res.status, body: text ? safeJson(text) : "" };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The block_actions payload of a click or selection in a Home tab or modal. */
export function viewAction(
  h: Harness,
  input: {
    user: string;
    view: ViewRecord;
    actionId: string;
    blockId?: string;
    value?: string;
    actionType?: string;
    extra?: Record<string, unknown>;
    state?: StateValues;
    triggerId?: string;
  },
): Promise<{ status: number; body: unknown }> {
  const type = input.view.view["type"];
  const payload = {
    type: "block_actions",
    user: {
      id: input.user,
      username: input.user.toLowerCase(),
      name: input.user.toLowerCase(),
      team_id: DEFAULTS.teamId,
    },
    api_app_id: DEFAULTS.appId,
    token: DEFAULTS.verificationToken,
    container: { type: "view", view_id: input.view.id },
    trigger_id: input.triggerId ?? h.slack.issueTriggerId({ userId: input.user }),
    team: { id: DEFAULTS.teamId, domain: DEFAULTS.teamDomain },
    enterprise: null,
    is_enterprise_install: false,
    view: {
      id: input.view.id,
      team_id: DEFAULTS.teamId,
      app_id: DEFAULTS.appId,
      bot_id: "B0BOT",
      callback_id: "",
      private_metadata: "",
      external_id: "",
      root_view_id: input.view.id,
      previous_view_id: null,
      ...input.view.view,
      type,
      hash: input.view.hash,
      state: { values: input.state ?? {} },
    },
    actions: [
      {
        type: input.actionType ?? "button",
        action_id: input.actionId,
        block_id: input.blockId ?? blockIdOf(input.view.view, input.actionId) ?? "block",
        ...(input.value !== undefined ? { value: input.value } : {}),
        ...input.extra,
        action_ts: (Date.now() / 1000).toFixed(6),
      },
    ],
  };
  return postInteraction(h, payload);
}

export function blocksOf(view: Record<string, unknown>): Record<string, unknown>[] {
  return (view["blocks"] as Record<string, unknown>[] | undefined) ?? [];
}

/** Every interactive element of a view, with the block that holds it. */
export function elementsOf(
  view: Record<string, unknown>,
): { blockId: string | undefined; element: Record<string, unknown> }[] {
  const out: { blockId: string | undefined; element: Record<string, unknown> }[] = [];
  for (const block of blocksOf(view)) {
    const blockId = block["block_id"] as string | undefined;
    const els = [
      ...((block["elements"] as Record<string, unknown>[] | undefined) ?? []),
      ...(block["accessory"] ? [block["accessory"] as Record<string, unknown>] : []),
      ...(block["element"] ? [block["element"] as Record<string, unknown>] : []),
    ];
    for (const element of els) if (element["action_id"]) out.push({ blockId, element });
  }
  return out;
}

export function blockIdOf(view: Record<string, unknown>, actionId: string): string | undefined {
  return elementsOf(view).find((e) => e.element["action_id"] === actionId)?.blockId;
}

/** The values of every element with this action id (e.g. every Fix button's issue). */
export function valuesOf(view: Record<string, unknown>, actionId: string): string[] {
  return elementsOf(view)
    .filter((e) => e.element["action_id"] === actionId)
    .map((e) => e.element["value"] as string);
}

export function viewText(view: Record<string, unknown>): string {
  return JSON.stringify(view["blocks"]);
}

/** The text of the Setup check section, as a person reads it (mrkdwn of its blocks). */
export function setupText(view: ViewRecord): string | undefined {
  const blocks = blocksOf(view.view);
  const at = blocks.findIndex((b) => JSON.stringify(b).includes('"text":"Setup check"'));
  if (at < 0) return undefined;
  return blocks
    .slice(at)
    .map((b) => {
      const text = b["text"] as { text?: string } | undefined;
      const elements = (b["elements"] as { text?: string | { text: string } }[] | undefined) ?? [];
      return [
        text?.text,
        ...elements.map((e) => (typeof e.text === "string" ? e.text : e.text?.text)),
      ]
        .filter(Boolean)
        .join("\n");
    })
    .join("\n");
}

/** Publishes through app_home_opened and waits for the new Home version of `user`. */
export async function openHome(
  h: Harness,
  user: string,
  previous?: ViewRecord,
): Promise<ViewRecord> {
  const before = h.slack.views.home.get(user)?.versions.length ?? 0;
  await sendSigned(h, {
    type: "app_home_opened",
    user,
    channel: "D0HOME",
    tab: "home",
    ...(previous ? { view: { ...previous.view, id: previous.id, hash: previous.hash } } : {}),
  });
  return nextHome(h, user, before);
}

/** Waits for the Home of `user` to have more than `before` versions and returns the latest. */
export async function nextHome(h: Harness, user: string, before: number): Promise<ViewRecord> {
  const record = await h.slack.waitFor(
    () => {
      const r = h.slack.views.home.get(user);
      return r && r.versions.length > before ? r : undefined;
    },
    { description: `a new Home for ${user}` },
  );
  return { id: record.id, hash: record.hash, view: record.view };
}

export function homeVersions(h: Harness, user: string): number {
  return h.slack.views.home.get(user)?.versions.length ?? 0;
}

async function sendSigned(h: Harness, event: Record<string, unknown>): Promise<void> {
  const res = await sendEvent(h.url, SIGNING_SECRET, event);
  if (res.status !== 200) throw new Error(`event refused: ${res.status}`);
}
