import type { webApi } from "@slack/bolt";
import type { Logger } from "../logger.ts";
import type { SettingsStore } from "../settings/settings-store.ts";
import type { Approvers } from "../slack/approvers.ts";
import { userMessage } from "../slack/error-messages.ts";

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

export async function isWorkspaceAdmin(d: AdminDeps, user: string): Promise<boolean> {
  try {
    const info = await d.slack.users.info({ user });
    return info.user?.is_admin === true || info.user?.is_owner === true;
  } catch (err) {
    d.logger.warn({ err, user }, "cannot read the user's admin status");
    return false;
  }
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
  if (await isWorkspaceAdmin(d, user)) return { ok: true };
  if (!channel) return { ok: false, refused: true, reason: REFUSAL };
  try {
    const { approvers } = await d.settings.policy(channel);
    const configured = approvers.users.length > 0 || approvers.groups.length > 0;
    // With no approvers configured, canApprove means "the requester": nobody here.
    if (configured && (await d.approvers.canApprove(user, "", approvers))) return { ok: true };
    return { ok: false, refused: true, reason: REFUSAL };
  } catch (err) {
    d.logger.warn({ err, user, channel }, "cannot read the channel's approvers");
    return {
      ok: false,
      refused: false,
      reason: `Who may edit these settings cannot be checked right now: ${userMessage(err)}`,
    };
  }
}
