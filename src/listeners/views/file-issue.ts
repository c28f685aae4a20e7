import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from "@slack/bolt";
import type { MentionService } from "../../mentions/service.ts";
import type { EventClaims } from "../../runs/event-claims.ts";
import {
  filingText,
  MAX_TITLE_CHARS,
  parseFileIssueTarget,
} from "../../slack/blocks/file-issue-modal.ts";
import { noteModal } from "../../slack/blocks/modal-notes.ts";
import { FILE_ISSUE_FORM } from "../../slack/ids.ts";
import { FILE_ISSUE_TITLE } from "../actions/file-issue.ts";
import { failedOutcome, outcomeMessage, type TellDeps, tell } from "../conversation/reply.ts";

type Args = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

export interface FileIssueSubmissionDeps extends TellDeps {
  mentions: MentionService;
  claims: EventClaims;
}

/**
 * File & fix. Bad input is answered on its field; then the form says "Filing…", and the issue is
 * filed by Kestra (the bot holds no GitHub write token): its run starts in the thread once Kestra
 * reports the issue. One issue per asking message, however often the form is sent.
 */
export function fileIssueSubmission(d: FileIssueSubmissionDeps) {
  return async ({ ack, body, view, context }: Args): Promise<void> => {
    const values = view.state.values;
    const title = (values[FILE_ISSUE_FORM.titleBlock]?.[FILE_ISSUE_FORM.input]?.value ?? "")
      .replace(/\s+/g, " ")
      .trim();
    const repo = values[FILE_ISSUE_FORM.repoBlock]?.[FILE_ISSUE_FORM.input]?.selected_option?.value;
    const errors: Record<string, string> = {};
    if (title === "") errors[FILE_ISSUE_FORM.titleBlock] = "Give the issue a title.";
    else if (title.length > MAX_TITLE_CHARS) {
      errors[FILE_ISSUE_FORM.titleBlock] = `Keep it under ${MAX_TITLE_CHARS} characters.`;
    }
    if (!repo) errors[FILE_ISSUE_FORM.repoBlock] = "Pick the repository.";
    if (Object.keys(errors).length > 0 || !repo) {
      await ack({ response_action: "errors", errors });
      return;
    }
    const target = parseFileIssueTarget(view.private_metadata);
    if (!target) {
      await ack();
      d.logger.warn({ user: body.user.id }, "file-issue submission without a valid target");
      return;
    }
    const note = (text: string) =>
      noteModal({ title: FILE_ISSUE_TITLE, text, callbackId: FILE_ISSUE_FORM.callbackId });
    await ack({ response_action: "update", view: note(filingText(repo)) });
    const user = body.user.id;
    const where = { channel: target.channel, user, threadTs: target.threadTs };
    let outcome: Awaited<ReturnType<MentionService["file"]>>;
    try {
      if (!(await d.claims.claim(`file:${target.channel}:${target.askTs}`))) {
        outcome = {
          kind: "refused",
          text: "An issue is already being filed from that message: its run starts in the thread. To file another, mention me again.",
        };
      } else {
        const botUserId = context.botUserId ?? (await d.conversations.botUserId());
        outcome = await d.mentions.file(
          {
            team: body.team?.id ?? context.teamId ?? "",
            channel: target.channel,
            user,
            threadTs: target.threadTs,
            askTs: target.askTs,
          },
          botUserId,
          repo,
          title,
        );
      }
    } catch (err) {
      outcome = await failedOutcome(d, err, `filing an issue in <#${target.channel}>`);
    }
    const message = outcomeMessage(outcome, d.webHost);
    if (!message) return;
    // The form may be closed by now: the thread hears it too.
    await d.conversations
      .updateModal(view.id, note(`⚠️ ${message.text}`))
      .catch((err: unknown) => d.logger.warn({ err, user }, "cannot update the form"));
    await tell(d, where, outcome);
  };
}
