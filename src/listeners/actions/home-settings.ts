import type { types } from "@slack/bolt";
import {
  isWorkspaceAdmin,
  REFUSAL,
  type SettingsAccessDeps,
  settingsAccess,
} from "../../home/permissions.ts";
import { CHANNEL_PATTERN, type ChannelSettings } from "../../settings/channel-settings.ts";
import { settingsMessageModal, settingsModal } from "../../slack/blocks/settings-modal.ts";
import { userMessage } from "../../slack/error-messages.ts";
import { SETTINGS } from "../../slack/ids.ts";
import { loadingThen } from "../../slack/loading-modal.ts";
import { type HomeArgs, type HomeRefreshDeps, homeState, refreshHome } from "./home-common.ts";

export const SETTINGS_TITLE = "Autofix settings";

/** The modal for a channel: its fields when the user may edit them, a refusal otherwise. */
export async function settingsViewFor(
  d: SettingsAccessDeps,
  user: string,
  channel: string | undefined,
): Promise<types.ModalView> {
  const defaults = d.settings.defaultPolicy;
  const base = { defaults, settings: {} as ChannelSettings };
  if (!channel) return settingsModal({ ...base, channel: undefined });
  const access = await settingsAccess(d, user, channel);
  if (!access.ok) return settingsModal({ ...base, channel, refusal: access.reason });
  try {
    return settingsModal({ ...base, channel, settings: await d.settings.get(channel) });
  } catch (err) {
    return settingsModal({
      ...base,
      channel,
      refusal: `The settings cannot be read right now: ${userMessage(err)}`,
    });
  }
}

/** What the Settings button shows once the checks are done. */
async function settingsViewFromHome(
  d: SettingsAccessDeps,
  user: string,
  channel: string | undefined,
): Promise<types.ModalView> {
  if (channel) return settingsViewFor(d, user, channel);
  // Without a channel only an admin gets the picker; approvers are per channel.
  return (await isWorkspaceAdmin(d, user))
    ? settingsViewFor(d, user, undefined)
    : settingsMessageModal(
        `🔒 ${REFUSAL} Pick the channel in “Post runs in…” on the Home first, then press *Settings*.`,
      );
}

/**
 * The Home's Settings button. The trigger_id expires 3 s after the click, and the checks read
 * Slack and Kestra: a "Loading…" modal opens first, then becomes the form (for admins and owners,
 * and approvers of the channel picked on the Home) or a refusal. The submission checks again.
 */
export const homeSettingsAction =
  (d: HomeRefreshDeps & SettingsAccessDeps) => async (args: HomeArgs) => {
    await args.ack();
    const { body } = args;
    const user = body.user.id;
    const { nav } = homeState(body);
    const outcome = await loadingThen(
      d,
      {
        triggerId: body.trigger_id,
        title: SETTINGS_TITLE,
        callbackId: SETTINGS.callbackId,
        log: { user },
      },
      async () => {
        try {
          return await settingsViewFromHome(d, user, nav.channel);
        } catch (err) {
          d.logger.warn({ err, user }, "cannot prepare the settings modal");
          return settingsMessageModal(`⚠️ The settings cannot be shown: ${userMessage(err)}`);
        }
      },
    );
    if (outcome === "unopened") {
      await refreshHome(d, args, nav, {
        kind: "error",
        text: "Slack did not open the settings in time. Press *Settings* again.",
      });
    }
  };

/** Picking another channel in the modal reloads the form with that channel's settings. */
export const settingsChannelAction = (d: SettingsAccessDeps) => async (args: HomeArgs) => {
  await args.ack();
  const { body } = args;
  const picked = (args.action as { selected_conversation?: string | null }).selected_conversation;
  const channel = picked && CHANNEL_PATTERN.test(picked) ? picked : undefined;
  const viewId = body.view?.id;
  if (!viewId) return;
  const view = await settingsViewFor(d, body.user.id, channel);
  try {
    await d.slack.views.update({
      view_id: viewId,
      ...(body.view?.hash ? { hash: body.view.hash } : {}),
      view,
    });
  } catch (err) {
    d.logger.warn({ err, user: body.user.id }, "cannot reload the settings modal");
  }
};
