import type { DiffStats } from "../../shared/diff-stats.ts";
import { plural } from "../../shared/plural.ts";
import { BLOCKS } from "../ids.ts";
import { escapeText, truncate } from "../mrkdwn.ts";
import { viewInKestraButton } from "./buttons.ts";
import { mentions, section } from "./parts.ts";
import { approvalBlocks, approveLabel } from "./root-message.ts";
import type { Message } from "./types.ts";

const MAX_FILES_LISTED = 10;

/** The comment attached to the patch snippet: what changed, and the agent's own explanation. */
export function patchComment(
  stats: DiffStats,
  explanation: string | undefined,
  extra: { metrics?: string; model?: string; slug?: string; unreadable?: string } = {},
): string {
  const files = stats.files
    .slice(0, MAX_FILES_LISTED)
    .map((f) => `• ${escapeText(f.path)} (+${f.additions} −${f.deletions})`);
  if (stats.files.length > MAX_FILES_LISTED) {
    files.push(`• …and ${stats.files.length - MAX_FILES_LISTED} more`);
  }
  const forIssue = extra.slug ? ` for ${escapeText(extra.slug)}` : "";
  const head = `*Patch ready${forIssue}*: ${plural(stats.files.length, "file")} changed, +${stats.additions} −${stats.deletions}`;
  const parts = [head, files.join("\n")];
  const figures = [
    extra.metrics,
    extra.model ? `model \`${escapeText(extra.model.replace(/`/g, "'"))}\`` : undefined,
  ].filter((p) => p);
  if (figures.length > 0) parts.push(figures.join(" · "));
  if (extra.unreadable) {
    parts.push(`_No time, tokens or cost: ${escapeText(extra.unreadable)}._`);
  }
  if (explanation?.trim())
    parts.push(`> ${escapeText(truncate(explanation.trim(), 1500)).replace(/\n/g, "\n> ")}`);
  return parts.join("\n");
}

export function emptyPatchMessage(): Message {
  return {
    text: "The agent finished without changing any file: there is no patch to review.",
    blocks: [
      section(
        "⚠️ *Empty patch* — the agent finished without changing any file, so there is nothing to review or approve.",
      ),
    ],
  };
}

export interface ApprovalInput {
  // approverHint is built by Approvers.describe from validated ids: it carries real mentions.
  executionId: string;
  kestraUrl: string;
  requester: string;
  approverHint: string;
  /** The issue: a batch thread holds several patches, so the buttons name theirs. */
  slug: string;
  /** A follow-up run: approving pushes to this PR. */
  pushTo?: number | undefined;
}

/** A batch child's buttons, right under its patch in the batch thread. */
export function approvalMessage(input: ApprovalInput): Message {
  const slug = escapeText(input.slug);
  return {
    text: `Review the patch for ${input.slug} above, then approve or reject it.`,
    blocks: [
      section(`*${slug}*`),
      ...approvalBlocks(input, input.requester, input.kestraUrl, `for *${slug}* above`),
    ],
  };
}

/** Replaces a batch child's buttons once a decision is made or the run moved on without one. */
export function decisionMessage(text: string, kestraUrl: string): Message {
  return {
    text,
    blocks: [
      section(text),
      {
        type: "actions",
        block_id: BLOCKS.patchActions,
        elements: [viewInKestraButton(kestraUrl)],
      },
    ],
  };
}

/**
 * A new reply (edits notify nobody) naming who must act on a patch: the requester and the
 * approvers, people and user groups.
 */
export function approvalPing(input: {
  slug: string;
  requester: string;
  approvers: { users: string[]; groups: string[] };
  pushTo?: number | undefined;
}): Message {
  const who = mentions(input.requester, input.approvers);
  const slug = escapeText(input.slug);
  const text = `👋 ${who}: the patch for *${slug}* waits for a decision. Review it above, then *${approveLabel(input.pushTo)}*, *Reject* or *Revise* at the top of this thread.`;
  return { text: `The patch for ${input.slug} waits for a decision`, blocks: [section(text)] };
}
