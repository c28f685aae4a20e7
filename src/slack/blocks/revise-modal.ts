import type { types } from "@slack/bolt";
import { REVISE } from "../ids.ts";
import { escapeText } from "../mrkdwn.ts";
import { section } from "./parts.ts";

/** Longest feedback the modal accepts (Slack's plain_text_input max_length caps it at 3000). */
export const MAX_FEEDBACK_CHARS = 3000;

/** Where a revision was asked from. Echoed back in private_metadata: never trusted, re-checked. */
export interface ReviseTarget {
  executionId: string;
  channel: string;
  messageTs: string;
  threadTs: string | undefined;
}

export function reviseModal(target: ReviseTarget, slug: string): types.ModalView {
  return {
    type: "modal",
    callback_id: REVISE.callbackId,
    private_metadata: JSON.stringify(target),
    title: { type: "plain_text", text: "Revise the patch" },
    submit: { type: "plain_text", text: "Start new run" },
    close: { type: "plain_text", text: "Cancel" },
    blocks: [
      section(
        `Tell the agent what to change in the patch for *${escapeText(slug)}*. This patch will not be pushed; a new run starts in the same thread with your feedback and the previous patch as context.`,
      ),
      {
        type: "input",
        block_id: REVISE.feedbackBlock,
        label: { type: "plain_text", text: "Feedback" },
        element: {
          type: "plain_text_input",
          action_id: REVISE.feedbackAction,
          multiline: true,
          max_length: MAX_FEEDBACK_CHARS,
          placeholder: {
            type: "plain_text",
            text: "e.g. Keep the public API; fix it in the parser instead.",
          },
        },
      },
    ],
  };
}

/** The target from private_metadata, or undefined when it is not one of ours. */
export function parseReviseTarget(metadata: string): ReviseTarget | undefined {
  try {
    const v = JSON.parse(metadata) as Partial<Record<keyof ReviseTarget, unknown>>;
    const str = (x: unknown) => (typeof x === "string" && x.length > 0 ? x : undefined);
    const executionId = str(v.executionId);
    const channel = str(v.channel);
    const messageTs = str(v.messageTs);
    if (!executionId || !channel || !messageTs) return undefined;
    return { executionId, channel, messageTs, threadTs: str(v.threadTs) };
  } catch {
    return undefined;
  }
}
