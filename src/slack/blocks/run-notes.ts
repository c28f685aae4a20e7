import { hasPr, type RunStatus, type Verdict } from "../../shared/run-status.ts";
import { escapeText, link, prLink, truncate } from "../mrkdwn.ts";
import { section } from "./parts.ts";
import { STATUS_TEXT } from "./status-text.ts";
import type { Message } from "./types.ts";

// Short thread replies about a run. In a batch thread they name their issue (`slug`).

function note(text: string, slug?: string): Message {
  const full = slug ? `*${escapeText(slug)}*: ${text}` : text;
  return { text: full, blocks: [section(full)] };
}

export function prOpenedNote(opts: {
  requester: string;
  prUrl: string | undefined;
  kestraUrl: string;
  slug?: string | undefined;
  /** A follow-up run (Fix the failing checks, Address the review) pushed to this PR instead. */
  pushedTo?: number | undefined;
}): Message {
  if (opts.pushedTo !== undefined) {
    const pr = opts.prUrl ? prLink(opts.prUrl) : `PR #${opts.pushedTo}`;
    return note(`⬆️ <@${opts.requester}> a new commit was pushed to ${pr}.`, opts.slug);
  }
  return note(
    opts.prUrl
      ? `🎉 <@${opts.requester}> pull request opened: ${prLink(opts.prUrl)}`
      : `🎉 <@${opts.requester}> pull request opened (see ${link(opts.kestraUrl, "the execution")} for its link).`,
    opts.slug,
  );
}

export function closingNote(
  status: "rejected" | "expired" | "cancelled",
  decision: { verdict: Verdict; by: string } | undefined,
  slug?: string,
): Message {
  if (status === "rejected") {
    const by = decision && decision.verdict !== "approve" ? ` by <@${decision.by}>` : "";
    return note(`🚫 Patch rejected${by}. Nothing was pushed.`, slug);
  }
  if (status === "expired") {
    return note(
      "⌛ Nobody approved the patch in time; the run expired and nothing was pushed.",
      slug,
    );
  }
  return note("⏹️ The run was cancelled.", slug);
}

export function cancelledNote(user: string, slug?: string): Message {
  return note(`⏹️ Cancelled by <@${user}>.`, slug);
}

export function restartedNote(user: string, slug?: string): Message {
  return note(`🔄 <@${user}> restarted the run.`, slug);
}

/** A cancelled run cannot be restarted: a new one took its place in this thread. */
export function rerunNote(user: string, slug?: string): Message {
  return note(`🔄 <@${user}> started the run again; this thread follows the new run.`, slug);
}

/**
 * A cancel or a retry whose note was posted before Kestra was asked, and that could not be done
 * after all (the run had ended, another run of the issue was going, Kestra refused): the note
 * says so instead. `why` is mrkdwn, escaped by the caller.
 */
export function operationDroppedText(
  kind: "cancel" | "rerun" | "restart",
  user: string,
  why: string,
): string {
  const asked = {
    cancel: "asked to cancel the run",
    rerun: "asked to start the run again",
    restart: "asked to restart the run",
  }[kind];
  return `↩️ <@${user}> ${asked}, but ${truncate(why, 300)}.`;
}

export function operationDroppedNote(
  kind: "cancel" | "rerun" | "restart",
  user: string,
  why: string,
  slug?: string,
): Message {
  return note(operationDroppedText(kind, user, why), slug);
}

/** Revise: the request, shown shortened; the new run gets all of it. */
export function revisionNote(user: string, feedback: string): Message {
  return note(`✏️ Revision requested by <@${user}>: ${escapeText(truncate(feedback.trim(), 1500))}`);
}

/** How a verdict reads: "approved" / "an approval". */
const VERDICT_WORDS: Record<Verdict, { done: string; noun: string }> = {
  approve: { done: "approved", noun: "approval" },
  reject: { done: "rejected", noun: "rejection" },
  revise: { done: "sent back for a revision", noun: "revision" },
};

/** Told to a second clicker. */
export function alreadyDecidedText(decision: { verdict: Verdict; by: string }): string {
  return `This patch was already ${VERDICT_WORDS[decision.verdict].done} by <@${decision.by}>.`;
}

/** A recorded decision that Kestra refused: the buttons are back. */
export function decisionLostNote(
  decision: { verdict: Verdict; by: string },
  reason: string,
  slug?: string,
): Message {
  const what = VERDICT_WORDS[decision.verdict].noun;
  return note(
    `⚠️ The ${what} by <@${decision.by}> could not be applied (${escapeText(truncate(reason, 300))}); the buttons are back, please decide again.`,
    slug,
  );
}

/** What replaces the buttons of a batch child once someone decided. */
export function decidedText(verdict: Verdict, by: string, slug?: string): string {
  const who = `<@${by}>`;
  const forWhat = slug ? ` for *${escapeText(slug)}*` : "";
  if (verdict === "approve") return `✅ Approved by ${who} — opening the PR${forWhat}…`;
  if (verdict === "reject") return `🚫 Rejected by ${who} — nothing was pushed${forWhat}.`;
  return `✏️ ${who} asked for a revision — this patch${forWhat} will not be pushed.`;
}

/**
 * A batch child's buttons message, where its decision and outcome are said once (no separate
 * note repeats it): who decided, then the PR once it is open, or how the run ended.
 */
export function approvalOutcomeText(input: {
  slug: string;
  status: RunStatus;
  decision: { verdict: Verdict; by: string } | undefined;
  prUrl: string | undefined;
}): string {
  const slug = escapeText(input.slug);
  const d = input.decision;
  if (d?.verdict === "approve" && hasPr(input.status)) {
    const state = { pr_merged: "merged", pr_closed: "closed without merging" }[
      input.status as "pr_merged" | "pr_closed"
    ];
    return `✅ Approved by <@${d.by}> — ${input.prUrl ? prLink(input.prUrl) : "the pull request"} is ${state ?? "open"} for *${slug}*.`;
  }
  if (d && (input.status === "creating_pr" || d.verdict !== "approve")) {
    return decidedText(d.verdict, d.by, input.slug);
  }
  const by = d ? ` (approved by <@${d.by}>)` : "";
  return `*${slug}*: the run is now *${STATUS_TEXT[input.status]}*${by}.`;
}

/** A root whose run couldn't start: one line; the details are the admins'. */
export function notStartedText(why: string): string {
  return `Couldn't start: ${why}. The admins have been told.`;
}
