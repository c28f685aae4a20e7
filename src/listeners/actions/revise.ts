import { NotAuthorizedError } from "../../errors.ts";
import type { RunRevisions } from "../../runs/revise.ts";
import { noteModal } from "../../slack/blocks/modal-notes.ts";
import { reviseModal } from "../../slack/blocks/revise-modal.ts";
import { tellPrivately } from "../../slack/ephemeral.ts";
import { userMessage } from "../../slack/error-messages.ts";
import { REVISE } from "../../slack/ids.ts";
import { loadingThen } from "../../slack/loading-modal.ts";
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
    const to = { channel: click.channel, user: click.user, threadTs: click.threadTs };
    let refusal: string | undefined;
    const outcome = await loadingThen(
      d,
      { triggerId: args.body.trigger_id, title: TITLE, callbackId: REVISE.callbackId, log },
      async () => {
        try {
          const run = await d.revisions.load(target, click.user);
          return reviseModal(target, run.slug);
        } catch (err) {
          d.logger.warn({ err, ...log }, "revise refused or failed");
          refusal = userMessage(err);
          const icon = err instanceof NotAuthorizedError ? "🔒" : "⚠️";
          return noteModal({
            title: TITLE,
            text: `${icon} ${refusal}`,
            callbackId: REVISE.callbackId,
          });
        }
      },
    );
    if (outcome === "unopened") {
      await tellPrivately(
        d,
        to,
        "Slack did not open the feedback form in time. Press *Revise* again.",
      );
    } else if (outcome === "closed" && refusal) {
      // Closed meanwhile: a refusal is still worth saying.
      await tellPrivately(d, to, refusal);
    }
  };
