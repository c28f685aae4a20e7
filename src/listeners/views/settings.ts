import type {
  AllMiddlewareArgs,
  SlackViewMiddlewareArgs,
  types,
  ViewSubmitAction,
} from "@slack/bolt";
import { type SettingsAccessDeps, settingsAccess } from "../../home/permissions.ts";
import type { HomeTab } from "../../home/publish.ts";
import { parseSettingsForm, type StateValues } from "../../home/settings-form.ts";
import type { ChannelSettings } from "../../settings/channel-settings.ts";
import { FIRST_PAGES, type HomeNotice } from "../../slack/blocks/home/model.ts";
import { noteModal, withNotice } from "../../slack/blocks/modal-notes.ts";
import { settingsModal } from "../../slack/blocks/settings-modal.ts";
import { userMessage } from "../../slack/error-messages.ts";
import { SETTINGS } from "../../slack/ids.ts";
import { teamOf } from "../../slack/workspace.ts";
import { SETTINGS_TITLE } from "../actions/home-settings.ts";

type Args = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

export interface SettingsSubmissionDeps extends SettingsAccessDeps {
  home: HomeTab;
  webHost: string;
}

export const savingText = (channel: string) => `⏳ Saving the settings of <#${channel}>…`;

interface Outcome {
  /** What the modal shows instead of "Saving…". */
  view: types.ModalView;
  /** What the submitter's Home says (it stays when the modal is closed). */
  notice: HomeNotice;
}

/**
 * Saves a channel's settings. Slack waits at most 3 s for the answer, so only the pure
 * validation runs before it (errors shown on their blocks); valid input is answered with a
 * "Saving…" modal. Then the submitter's right to edit that channel is checked again, the KV
 * store written, and the modal and the submitter's Home show the outcome.
 */
export function settingsSubmission(d: SettingsSubmissionDeps) {
  return async ({ ack, body, view, context }: Args): Promise<void> => {
    const user = body.user.id;
    const form = parseSettingsForm(view.state.values as StateValues, {
      webHost: d.webHost,
      defaults: d.settings.defaultPolicy,
    });
    if (!form.ok) {
      await ack({ response_action: "errors", errors: form.errors });
      return;
    }
    await ack({
      response_action: "update",
      view: noteModal({
        title: SETTINGS_TITLE,
        text: savingText(form.channel),
        callbackId: SETTINGS.callbackId,
      }),
    });
    const outcome = await save(d, user, form.channel, form.settings);
    try {
      await d.slack.views.update({ view_id: view.id, view: outcome.view });
    } catch (err) {
      // Closed meanwhile: the Home notice below still says what happened.
      d.logger.warn({ err, user }, "cannot show the settings outcome in the modal");
    }
    try {
      await d.home.publish({
        user,
        team: await teamOf(d.slack, context.teamId, body.team?.id, body.user.team_id),
        nav: { ...FIRST_PAGES, channel: form.channel },
        notice: outcome.notice,
      });
    } catch (err) {
      d.logger.warn({ err, user }, "cannot refresh the App Home after saving settings");
    }
  };
}

async function save(
  d: SettingsAccessDeps,
  user: string,
  channel: string,
  settings: ChannelSettings,
): Promise<Outcome> {
  const note = (text: string) =>
    noteModal({ title: SETTINGS_TITLE, text, callbackId: SETTINGS.callbackId });
  const access = await settingsAccess(d, user, channel);
  if (!access.ok) {
    d.logger.warn({ user, channel }, "settings submission refused");
    const text = `${access.refused ? "🔒" : "⚠️"} ${access.reason} Nothing was saved for <#${channel}>.`;
    return { view: note(text), notice: { kind: "error", text } };
  }
  try {
    await d.settings.put(channel, {
      ...settings,
      updatedBy: user,
      updatedAt: new Date().toISOString(),
    });
  } catch (err) {
    d.logger.error({ err, channel }, "cannot save channel settings");
    const why = userMessage(err);
    // The form again, filled with what was submitted, so that Save can simply be pressed again.
    const form = settingsModal({ channel, settings, defaults: d.settings.defaultPolicy });
    return {
      view: withNotice(form, `⚠️ *Not saved:* ${why} Press *Save* to try again.`),
      notice: { kind: "error", text: `The settings of <#${channel}> were not saved: ${why}` },
    };
  }
  d.logger.info({ user, channel }, "channel settings saved");
  return {
    view: note(`✅ Saved the settings of <#${channel}>. Your Home tab shows them.`),
    notice: { kind: "info", text: `Saved the settings of <#${channel}>.` },
  };
}
