import type { Services } from "../services.ts";
import { userMessage } from "../slack/error-messages.ts";

// Who may change a channel's settings: workspace admins and owners (users.info, which needs the
// users:read scope), or the approvers configured for that channel. Everything fails closed.

export async function isWorkspaceAdmin(s: Services, user: string): Promise<boolean> {
  try {
    const info = await s.slack.users.info({ user });
    return info.user?.is_admin === true || info.user?.is_owner === true;
  } catch (err) {
    s.logger.warn({ err, user }, "cannot read the user's admin status");
    return false;
  }
}

export const REFUSAL =
  "Only workspace admins and owners, or this channel's approvers, can change its settings.";

/** May edit, or why not: refused, or the approvers could not be read (said as such). */
export type SettingsAccess = { ok: true } | { ok: false; refused: boolean; reason: string };

export async function settingsAccess(
  s: Services,
  user: string,
  channel: string | undefined,
): Promise<SettingsAccess> {
  if (await isWorkspaceAdmin(s, user)) return { ok: true };
  if (!channel) return { ok: false, refused: true, reason: REFUSAL };
  try {
    const { approvers } = await s.settings.policy(channel);
    const configured = approvers.users.length > 0 || approvers.groups.length > 0;
    // With no approvers configured, canApprove means "the requester": nobody here.
    if (configured && (await s.approvers.canApprove(user, "", approvers))) return { ok: true };
    return { ok: false, refused: true, reason: REFUSAL };
  } catch (err) {
    s.logger.warn({ err, user, channel }, "cannot read the channel's approvers");
    return {
      ok: false,
      refused: false,
      reason: `Who may edit these settings cannot be checked right now: ${userMessage(err)}`,
    };
  }
}

export async function canEditSettings(
  s: Services,
  user: string,
  channel: string | undefined,
): Promise<boolean> {
  return (await settingsAccess(s, user, channel)).ok;
}
