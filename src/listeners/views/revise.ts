import type {
  AllMiddlewareArgs,
  SlackViewMiddlewareArgs,
  ViewSubmitAction,
  webApi,
} from "@slack/bolt";
import type { Logger } from "../../logger.ts";
import type { RunRevisions } from "../../runs/revise.ts";
import { MAX_FEEDBACK_CHARS, parseReviseTarget } from "../../slack/blocks/revise-modal.ts";
import { tellPrivately } from "../../slack/ephemeral.ts";
import { userMessage } from "../../slack/error-messages.ts";
import { REVISE } from "../../slack/ids.ts";
import { refusalText } from "../../slack/refusal-text.ts";

type Args = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

export interface ReviseSubmissionDeps {
  revisions: RunRevisions;
  slack: webApi.WebClient;
  logger: Logger;
}

/**
 * The feedback modal's submission. Bad input is answered inline; everything else happens after the
 * ack, with authorization checked again against Kestra (private_metadata only names the run).
 */
export function reviseSubmission(d: ReviseSubmissionDeps) {
  return async ({ ack, body, view }: Args): Promise<void> => {
    const feedback = (
      view.state.values[REVISE.feedbackBlock]?.[REVISE.feedbackAction]?.value ?? ""
    ).trim();
    const problem =
      feedback === ""
        ? "Say what the agent should change."
        : feedback.length > MAX_FEEDBACK_CHARS
          ? `Keep it under ${MAX_FEEDBACK_CHARS} characters (this is ${feedback.length}).`
          : undefined;
    if (problem) {
      await ack({ response_action: "errors", errors: { [REVISE.feedbackBlock]: problem } });
      return;
    }
    const target = parseReviseTarget(view.private_metadata);
    await ack();
    if (!target) {
      d.logger.warn({ user: body.user.id }, "revise submission without a valid target");
      return;
    }
    const user = body.user.id;
    let text: string | undefined;
    try {
      const refusal = await d.revisions.submit(
        target,
        { user, userName: body.user.name },
        feedback,
      );
      text = refusal ? refusalText(refusal) : undefined;
    } catch (err) {
      d.logger.warn({ err, executionId: target.executionId, user }, "revision refused or failed");
      text = userMessage(err);
    }
    if (text)
      await tellPrivately(d, { channel: target.channel, user, threadTs: target.threadTs }, text);
  };
}
