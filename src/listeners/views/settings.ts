import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from "@slack/bolt";
import { FIRST_PAGES } from "../../home/model.ts";
import { canEditSettings, REFUSAL } from "../../home/permissions.ts";
import { publishHome, teamOf } from "../../home/publish.ts";
import { parseSettingsForm, type StateValues } from "../../home/settings-form.ts";
import type { Services } from "../../services.ts";
import { userMessage } from "../../slack/error-messages.ts";
import { SETTINGS } from "../../slack/ids.ts";

type Args = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

/**
 * Saves a channel's settings. Every field is validated (errors shown on their blocks), the
 * submitter's right to edit the submitted channel is checked again, and only then is the KV
 * store written; the modal closes and the submitter's Home shows that channel.
 */
export function settingsSubmission(s: Services) {
  return async ({ ack, body, view, context }: Args): Promise<void> => {
    const user = body.user.id;
    const form = parseSettingsForm(view.state.values as StateValues, {
      webHost: s.webHost,
      defaults: s.settings.defaultPolicy,
    });
    if (!form.ok) {
      await ack({ response_action: "errors", errors: form.errors });
      return;
    }
    if (!(await canEditSettings(s, user, form.channel))) {
      s.logger.warn({ user, channel: form.channel }, "settings submission refused");
      await ack({ response_action: "errors", errors: { [SETTINGS.channelBlock]: REFUSAL } });
      return;
    }
    try {
      await s.settings.put(form.channel, {
        ...form.settings,
        updatedBy: user,
        updatedAt: new Date().toISOString(),
      });
    } catch (err) {
      s.logger.error({ err, channel: form.channel }, "cannot save channel settings");
      await ack({
        response_action: "errors",
        errors: { [SETTINGS.channelBlock]: `Not saved: ${userMessage(err)}`.slice(0, 2000) },
      });
      return;
    }
    await ack();
    s.logger.info({ user, channel: form.channel }, "channel settings saved");
    try {
      await publishHome(s, {
        user,
        team: await teamOf(s, context.teamId, body.team?.id, body.user.team_id),
        nav: { ...FIRST_PAGES, channel: form.channel },
        notice: { kind: "info", text: `Saved the settings of <#${form.channel}>.` },
      });
    } catch (err) {
      s.logger.warn({ err, user }, "cannot refresh the App Home after saving settings");
    }
  };
}
