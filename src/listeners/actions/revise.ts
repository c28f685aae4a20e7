import { loadRevisable } from "../../runs/revise.ts";
import type { Services } from "../../services.ts";
import { reviseModal } from "../../slack/blocks/revise-modal.ts";
import { userMessage } from "../../slack/error-messages.ts";
import { type ButtonArgs, clickOf } from "./click.ts";

/** Revise: checks the clicker against Kestra (not the button value), then opens the feedback modal. */
export const reviseAction =
  (s: Services) =>
  async (args: ButtonArgs): Promise<void> => {
    await args.ack();
    const click = clickOf(args);
    if (!click) return;
    const target = {
      executionId: click.executionId,
      channel: click.channel,
      messageTs: click.messageTs,
      threadTs: click.threadTs,
    };
    try {
      const run = await loadRevisable(s, target, click.user);
      // The trigger_id is valid for 3 s after the click: open the modal right after the checks.
      await s.slack.views.open({
        trigger_id: args.body.trigger_id,
        view: reviseModal(target, run.slug),
      });
    } catch (err) {
      s.logger.warn(
        { err, executionId: click.executionId, user: click.user },
        "revise refused or failed",
      );
      const base = { channel: click.channel, user: click.user, text: userMessage(err) };
      await s.slack.chat
        .postEphemeral(click.threadTs ? { ...base, thread_ts: click.threadTs } : base)
        .catch((e: unknown) => s.logger.warn({ err: e }, "cannot post ephemeral"));
    }
  };
