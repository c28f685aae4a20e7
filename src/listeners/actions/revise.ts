import type { types } from "@slack/bolt";
import { NotAuthorizedError } from "../../errors.ts";
import type { RunRevisions } from "../../runs/revise.ts";
import { loadingModal, noteModal } from "../../slack/blocks/modal-notes.ts";
import { reviseModal } from "../../slack/blocks/revise-modal.ts";
import { userMessage } from "../../slack/error-messages.ts";
import { REVISE } from "../../slack/ids.ts";
import { type ButtonArgs, type ClickDeps, clickOf } from "./click.ts";

export interface ReviseDeps extends ClickDeps {
  revisions: RunRevisions;
}

const TITLE = "Revise the patch";

/**
 * Revise. The trigger_id expires 3 s after the click, and the checks read Kestra (which may be
 * slower): a "Loading…" modal opens first, then becomes the feedback form once the clicker is
 * checked against Kestra (not the button value), or says why not.
 */
export const reviseAction =
  (d: ReviseDeps) =>
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
    const log = { executionId: click.executionId, user: click.user };
    const tell = async (text: string) => {
      const base = { channel: click.channel, user: click.user, text };
      await d.slack.chat
        .postEphemeral(click.threadTs ? { ...base, thread_ts: click.threadTs } : base)
        .catch((e: unknown) => d.logger.warn({ err: e }, "cannot post ephemeral"));
    };

    let viewId: string | undefined;
    try {
      const opened = await d.slack.views.open({
        trigger_id: args.body.trigger_id,
        view: loadingModal(TITLE, REVISE.callbackId),
      });
      viewId = opened.view?.id;
    } catch (err) {
      d.logger.warn({ err, ...log }, "cannot open the revise modal");
    }
    if (!viewId) {
      await tell("Slack did not open the feedback form in time. Press *Revise* again.");
      return;
    }

    let view: types.ModalView;
    let refusal: string | undefined;
    try {
      const run = await d.revisions.load(target, click.user);
      view = reviseModal(target, run.slug);
    } catch (err) {
      d.logger.warn({ err, ...log }, "revise refused or failed");
      refusal = userMessage(err);
      const icon = err instanceof NotAuthorizedError ? "🔒" : "⚠️";
      view = noteModal({ title: TITLE, text: `${icon} ${refusal}`, callbackId: REVISE.callbackId });
    }
    try {
      await d.slack.views.update({ view_id: viewId, view });
    } catch (err) {
      // Closed meanwhile: a refusal is still worth saying.
      d.logger.warn({ err, ...log }, "cannot show the revise modal");
      if (refusal) await tell(refusal);
    }
  };
