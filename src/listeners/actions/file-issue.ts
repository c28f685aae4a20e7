import type { types } from "@slack/bolt";
import type { MentionService } from "../../mentions/service.ts";
import { fileIssueModal } from "../../slack/blocks/file-issue-modal.ts";
import { parsePlace } from "../../slack/blocks/mention-messages.ts";
import { noteModal } from "../../slack/blocks/modal-notes.ts";
import { FILE_ISSUE_FORM } from "../../slack/ids.ts";
import { loadingThen } from "../../slack/loading-modal.ts";
import { failedOutcome, outcomeMessage, type TellDeps, tell } from "../conversation/reply.ts";
import { type ButtonArgs, clickOf } from "./click.ts";

export interface FileIssueDeps extends TellDeps {
  mentions: MentionService;
}

export const FILE_ISSUE_TITLE = "File an issue";

/**
 * "File an issue & fix…" under the offer: a "Loading…" modal opens at once (the trigger_id lasts
 * 3 s), then becomes the form (repository, title, what the body holds), or says why not.
 */
export const fileIssueAction =
  (d: FileIssueDeps) =>
  async (args: ButtonArgs): Promise<void> => {
    await args.ack();
    const click = clickOf(args);
    const place = parsePlace(args.action.value);
    if (!click || !place) return;
    const where = { channel: click.channel, user: click.user, threadTs: place.threadTs };
    const shown = await loadingThen(
      { slack: args.client, logger: d.logger },
      {
        triggerId: args.body.trigger_id,
        title: FILE_ISSUE_TITLE,
        callbackId: FILE_ISSUE_FORM.callbackId,
        log: { user: click.user },
      },
      async () => {
        try {
          const botUserId = args.context.botUserId ?? (await d.conversations.botUserId());
          const form = await d.mentions.filingForm(
            {
              team: args.body.team?.id ?? args.context.teamId ?? "",
              channel: click.channel,
              user: click.user,
              ...place,
            },
            botUserId,
          );
          return form.ok
            ? fileIssueModal(form.form)
            : note(outcomeMessage(form.outcome, d.webHost)?.text);
        } catch (err) {
          const outcome = await failedOutcome(d, err, `the file-issue form in <#${click.channel}>`);
          return note(outcomeMessage(outcome, d.webHost)?.text);
        }
      },
    );
    if (shown === "unopened") {
      await tell(d, where, {
        kind: "refused",
        text: "Slack did not open the form in time. Press *File an issue & fix…* again.",
      });
    }
  };

function note(text: string | undefined): types.ModalView {
  return noteModal({
    title: FILE_ISSUE_TITLE,
    text: `⚠️ ${text ?? "The issue cannot be filed."}`,
    callbackId: FILE_ISSUE_FORM.callbackId,
  });
}
