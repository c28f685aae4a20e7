// views.open / views.update / views.publish of the fake Slack.
// Invalid views get invalid_arguments with Slack-style pointers; over 250 kB gets view_too_large.

import { randomBytes } from "node:crypto";
import { str } from "./api-request.ts";
import { formatIssue, type ViewType, validateView } from "./block-kit.ts";
import { ApiError, invalidArguments, type MethodContext, type MethodSpec } from "./context.ts";
import type { FakeView } from "./state.ts";

/** views.* refuse views over 250 kB. */
export const MAX_VIEW_BYTES = 250_000;

function readView(ctx: MethodContext, allowed: readonly ViewType[]): Record<string, unknown> {
  if (ctx.params["view"] === undefined) throw invalidArguments("missing required field: view");
  if (ctx.badJson.has("view")) throw invalidArguments("invalid `view`: not JSON");
  const view = ctx.params["view"];
  if (Buffer.byteLength(JSON.stringify(view)) > MAX_VIEW_BYTES)
    throw new ApiError("view_too_large");
  const issues = validateView(view, allowed);
  if (issues.length > 0) {
    throw new ApiError("invalid_arguments", {
      response_metadata: { messages: issues.map(formatIssue) },
    });
  }
  return view as Record<string, unknown>;
}

function newHash(ctx: MethodContext): string {
  return `${Math.floor(ctx.now() / 1000)}.${randomBytes(4).toString("hex")}`;
}

function viewJson(ctx: MethodContext, record: FakeView) {
  return {
    id: record.id,
    team_id: ctx.config.teamId,
    private_metadata: "",
    callback_id: "",
    external_id: record.externalId ?? "",
    state: { values: {} },
    clear_on_close: false,
    notify_on_close: false,
    ...record.view,
    hash: record.hash,
    root_view_id: record.id,
    previous_view_id: null,
    app_id: ctx.config.appId,
    bot_id: ctx.config.botId,
  };
}

function checkHash(ctx: MethodContext, record: FakeView | undefined): void {
  const hash = str(ctx.params, "hash");
  if (hash !== undefined && record && hash !== record.hash) throw new ApiError("hash_conflict");
}

function open(ctx: MethodContext) {
  const triggerId = str(ctx.params, "trigger_id");
  if (triggerId === undefined) throw invalidArguments("missing required field: trigger_id");
  const trigger = ctx.state.triggers.get(triggerId);
  if (!trigger) throw new ApiError("invalid_trigger_id");
  if (trigger.used) throw new ApiError("exchanged_trigger_id");
  if (ctx.now() > trigger.expiresAt) throw new ApiError("expired_trigger_id");
  const view = readView(ctx, ["modal"]);
  trigger.used = true;
  const record: FakeView = {
    id: ctx.state.newId("V"),
    type: "modal",
    userId: trigger.userId,
    triggerId,
    externalId:
      typeof view["external_id"] === "string" && view["external_id"]
        ? view["external_id"]
        : undefined,
    hash: newHash(ctx),
    view,
    versions: [view],
  };
  ctx.state.modals.push(record);
  return { view: viewJson(ctx, record) };
}

function publish(ctx: MethodContext) {
  const userId = str(ctx.params, "user_id");
  if (userId === undefined) throw invalidArguments("missing required field: user_id");
  if (!ctx.state.users.has(userId)) throw invalidArguments("invalid `user_id`");
  const previous = ctx.state.homeViews.get(userId);
  checkHash(ctx, previous);
  const view = readView(ctx, ["home"]);
  const record: FakeView = {
    id: previous?.id ?? ctx.state.newId("V"),
    type: "home",
    userId,
    triggerId: undefined,
    externalId:
      typeof view["external_id"] === "string" && view["external_id"]
        ? view["external_id"]
        : undefined,
    hash: newHash(ctx),
    view,
    versions: [...(previous?.versions ?? []), view],
  };
  ctx.state.homeViews.set(userId, record);
  return { view: viewJson(ctx, record) };
}

function update(ctx: MethodContext) {
  const viewId = str(ctx.params, "view_id");
  const externalId = str(ctx.params, "external_id");
  if (viewId === undefined && externalId === undefined)
    throw invalidArguments("one of view_id or external_id is required");
  const record =
    viewId !== undefined
      ? ctx.state.findView(viewId)
      : ctx.state.findViewByExternalId(externalId ?? "");
  if (!record) throw new ApiError("not_found");
  checkHash(ctx, record);
  const view = readView(ctx, [record.type]);
  record.view = view;
  record.versions.push(view);
  record.hash = newHash(ctx);
  return { view: viewJson(ctx, record) };
}

export const VIEW_METHODS: Record<string, MethodSpec> = {
  "views.open": { tier: 4, acceptsJson: true, jsonFields: ["view"], run: open },
  "views.publish": { tier: 4, acceptsJson: true, jsonFields: ["view"], run: publish },
  "views.update": { tier: 4, acceptsJson: true, jsonFields: ["view"], run: update },
};
