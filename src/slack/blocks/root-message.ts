import type { RunStatus, Verdict } from "../../shared/run-status.ts";
import { ACTIONS, BLOCKS } from "../ids.ts";
import { escapeText, link, prLink, truncate } from "../mrkdwn.ts";
import { button, viewInKestraButton } from "./buttons.ts";
import { context, section } from "./parts.ts";
import { STATUS_TEXT, statusLabel } from "./status-text.ts";
import type { KnownBlock, Message } from "./types.ts";

export interface RootMessageInput {
  slug: string;
  issueUrl: string;
  title: string | undefined;
  requester: string;
  status: RunStatus;
  kestraUrl: string | undefined;
  prUrl: string | undefined;
  note: string | undefined;
  /** Awaiting approval: the buttons. The value names the run; who may click is checked server-side. */
  approval?: ApprovalButtons | undefined;
  /** Who decided, once someone did. */
  decision?: { verdict: Verdict; by: string } | undefined;
  /** A run that never started: Retry starts the issue again. */
  retryIssueUrl?: string | undefined;
}

const DECIDED: Record<Verdict, string> = {
  approve: "✅ Approved by",
  reject: "🚫 Rejected by",
  revise: "✏️ Revision requested by",
};

/** The run's root message in the channel: its status, links and, while it waits, its buttons. */
export function rootMessage(input: RootMessageInput): Message {
  const title = input.title ? ` — ${escapeText(truncate(input.title, 200))}` : "";
  const meta = [`Requested by <@${input.requester}>`, statusLabel(input.status)];
  if (input.kestraUrl) meta.push(link(input.kestraUrl, "Kestra execution"));
  if (input.prUrl) meta.push(prLink(input.prUrl));
  const blocks: KnownBlock[] = [
    section(`*Autofix for ${link(input.issueUrl, input.slug)}*${title}`),
    context(meta.join("  ·  ")),
  ];
  if (input.decision) {
    blocks.push(context(`${DECIDED[input.decision.verdict]} <@${input.decision.by}>`));
  }
  if (input.approval)
    blocks.push(...approvalBlocks(input.approval, input.requester, input.kestraUrl));
  if (input.note) {
    blocks.push(context(escapeText(truncate(input.note, 1000))));
  }
  if (input.retryIssueUrl) {
    blocks.push({
      type: "actions",
      block_id: BLOCKS.failureActions,
      elements: [button("Retry", ACTIONS.retryStart, { value: input.retryIssueUrl })],
    });
  }
  return {
    text: truncate(
      // The fallback text feeds notifications: escaped like the blocks, so no title can @-mention.
      `Autofix for ${input.slug}${input.title ? ` — ${escapeText(input.title)}` : ""}: ${STATUS_TEXT[input.status]}`,
      3000,
    ),
    blocks,
  };
}

export interface ApprovalButtons {
  executionId: string;
  approverHint: string;
  /** A follow-up run: approving pushes its commit to this open PR instead of opening one. */
  pushTo?: number | undefined;
}

/** What approving does: open a PR, or push to the run's PR. */
export function approveLabel(pushTo: number | undefined): string {
  return pushTo === undefined ? "Approve & create PR" : `Approve & push to PR #${pushTo}`;
}

/** "Review the patch in the thread" and Approve / Reject / Revise. */
export function approvalBlocks(
  approval: ApprovalButtons,
  requester: string,
  kestraUrl: string | undefined,
  where = "in the thread",
): KnownBlock[] {
  const label = approveLabel(approval.pushTo);
  const effect =
    approval.pushTo === undefined
      ? "opens a pull request"
      : `pushes the commit to PR #${approval.pushTo}`;
  return [
    section(
      `<@${requester}>, review the patch ${where}. *${label}* ${effect}; *Reject* pushes nothing.\n_${approval.approverHint}_`,
    ),
    {
      type: "actions",
      block_id: BLOCKS.patchActions,
      elements: [
        button(label, ACTIONS.approve, {
          style: "primary",
          value: approval.executionId,
        }),
        button("Reject", ACTIONS.reject, { style: "danger", value: approval.executionId }),
        button("Revise", ACTIONS.revise, { value: approval.executionId }),
        ...(kestraUrl ? [viewInKestraButton(kestraUrl)] : []),
      ],
    },
  ];
}
