import type { types } from "@slack/bolt";
import { canEditSettings, isWorkspaceAdmin, REFUSAL } from "../../home/permissions.ts";
import type { Services } from "../../services.ts";
import { CHANNEL_PATTERN, type ChannelSettings } from "../../settings/channel-settings.ts";
import { settingsMessageModal, settingsModal } from "../../slack/blocks/settings-modal.ts";
import { userMessage } from "../../slack/error-messages.ts";
import { type HomeArgs, homeState } from "./home-common.ts";

/** The modal for a channel: its fields when the user may edit them, a refusal otherwise. */
export async function settingsViewFor(
  s: Services,
  user: string,
  channel: string | undefined,
): Promise<types.ModalView> {
  const defaults = s.settings.defaultPolicy;
  const base = { defaults, settings: {} as ChannelSettings };
  if (!channel) return settingsModal({ ...base, channel: undefined });
  if (!(await canEditSettings(s, user, channel))) {
    return settingsModal({ ...base, channel, refusal: REFUSAL });
  }
  try {
    return settingsModal({ ...base, channel, settings: await s.settings.get(channel) });
  } catch (err) {
    return settingsModal({
      ...base,
      channel,
      refusal: `The settings cannot be read right now: ${userMessage(err)}`,
    });
  }
}

/**
 * The Home's Settings button. It opens for admins and owners, and for approvers of the channel
 * picked on the Home; anyone else gets a refusal instead of a form (and the submission is
 * checked again).
 */
export const homeSettingsAction = (s: Services) => async (args: HomeArgs) => {
  await args.ack();
  const { body } = args;
  const user = body.user.id;
  const { channel } = homeState(body).nav;
  let view: types.ModalView;
  if (channel) {
    view = await settingsViewFor(s, user, channel);
  } else {
    // Without a channel only an admin gets the picker; approvers are per channel.
    view = (await isWorkspaceAdmin(s, user))
      ? await settingsViewFor(s, user, undefined)
      : settingsMessageModal(
          `🔒 ${REFUSAL} Pick the channel in “Post runs in…” on the Home first, then press *Settings*.`,
        );
  }
  try {
    await s.slack.views.open({ trigger_id: body.trigger_id, view });
  } catch (err) {
    s.logger.warn({ err, user }, "cannot open the settings modal");
  }
};

/** Picking another channel in the modal reloads the form with that channel's settings. */
export const settingsChannelAction = (s: Services) => async (args: HomeArgs) => {
  await args.ack();
  const { body } = args;
  const picked = (args.action as { selected_conversation?: string | null }).selected_conversation;
  const channel = picked && CHANNEL_PATTERN.test(picked) ? picked : undefined;
  const viewId = body.view?.id;
  if (!viewId) return;
  const view = await settingsViewFor(s, body.user.id, channel);
  try {
    await s.slack.views.update({
      view_id: viewId,
      ...(body.view?.hash ? { hash: body.view.hash } : {}),
      view,
    });
  } catch (err) {
    s.logger.warn({ err, user: body.user.id }, "cannot reload the settings modal");
  }
};
