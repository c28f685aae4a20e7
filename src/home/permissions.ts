import type { webApi } from "@slack/bolt";
import type { Logger } from "../logger.ts";
import type { SettingsStore } from "../settings/settings-store.ts";
import type { Approvers } from "../slack/approvers.ts";
import { userMessage } from "../slack/error-messages.ts";
import { slackCall } from "../slack/errors.ts";

// Who may change a channel's settings: workspace admins and owners (users.info, which needs the
// users:read scope), or the approvers configured for that channel. Everything fails closed.

export interface AdminDeps {
  slack: webApi.WebClient;
  logger: Logger;
}

export interface SettingsAccessDeps extends AdminDeps {
  settings: SettingsStore;
  approvers: Approvers;
}

/** Throws when Slack will not tell: "cannot check" is not "not an admin". */
export async function isWorkspaceAdmin(d: AdminDeps, user: string): Promise<boolean> {
  const info = await slackCall("users.info", () => d.slack.users.info({ user }));
  return info.user?.is_admin === true || info.user?.is_owner === true;
}

export const REFUSAL =
  "Only workspace admins and owners, or this channel's approvers, can change its settings.";

/** May edit, or why not: refused, or the approvers could not be read (said as such). */
export type SettingsAccess = { ok: true } | { ok: false; refused: boolean; reason: string };

export async function settingsAccess(
  d: SettingsAccessDeps,
  user: string,
  channel: string | undefined,
): Promise<SettingsAccess> {
  try {
    if (await isWorkspaceAdmin(d, user)) return { ok: true };
    if (!channel) return { ok: false, refused: true, reason: REFUSAL };
    const { approvers } = await d.settings.policy(channel);
    const configured = approvers.users.length > 0 || approvers.groups.length > 0;
    // With no approvers configured, canApprove means "the requester": nobody here.
    if (configured && (await d.approvers.canApprove(user, "", approvers))) return { ok: true };
    return { ok: false, refused: true, reason: REFUSAL };
  } catch (err) {
    d.logger.warn({ err, user, channel }, "cannot check who may edit the settings");
    return {
      ok: false,
      refused: false,
      reason: `Who may edit these settings cannot be checked right now: ${userMessage(err)}`,
    };
  }
}
