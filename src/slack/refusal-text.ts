import { issueSlug } from "../shared/issue-url.ts";
import type { DropReason, Refusal } from "../shared/refusal.ts";
import type { RunRef } from "../shared/run-ref.ts";
import { alreadyDecidedText } from "./blocks/run-notes.ts";
import { STATUS_TEXT } from "./blocks/status-text.ts";
import { cannotPostMessage, shortReason, userMessage } from "./error-messages.ts";
import { escapeText, link } from "./mrkdwn.ts";

/** What the person who asked is told, privately, when run logic did not do it. */
export function refusalText(r: Refusal): string {
  switch (r.code) {
    case "busy":
      return `A run for ${escapeText(r.slug)} is already in progress (${link(r.kestraUrl, "in Kestra")}): follow it in its thread, or \`/autofix cancel ${escapeText(r.slug)}\` first.`;
    case "not_started": {
      const what = r.batch ? "the batch for" : "the run for";
      const next = r.retry
        ? " press *Retry* on its message once they have fixed it."
        : " try again once they have fixed it.";
      return `Couldn't start ${what} ${escapeText(r.slug)}: ${shortReason(r.cause)}. The admins have been told;${next}`;
    }
    case "revision_unconfirmed":
      return `Kestra did not confirm the revision of ${escapeText(r.slug)}: ${shortReason(r.cause)}. The admins have been told; the bot tries again by itself, and the thread follows the revision once it runs.`;
    case "issue_refused":
      return userMessage(r.cause);
    case "cannot_post":
      return cannotPostMessage(r.cause);
    case "already_decided":
      return alreadyDecidedText(r.decision);
    case "not_decidable":
      return `This patch can no longer be decided: the run is now *${STATUS_TEXT[r.status]}*.`;
    case "resume_refused":
      return "The run no longer waits for a decision, so nothing was changed; its thread shows what happened.";
    case "already_ended":
      return r.status
        ? `The run has already finished (*${STATUS_TEXT[r.status]}*), so there is nothing to cancel.`
        : "The run no longer exists in Kestra, so there is nothing to cancel.";
    case "already_cancelled":
      if (r.by && r.ended) {
        return `<@${r.by}> already cancelled this run; it is now *${STATUS_TEXT[r.ended]}*.`;
      }
      return r.by
        ? `<@${r.by}> already cancelled this run; its thread says when it has stopped.`
        : "This run is already being cancelled; its thread says when it has stopped.";
    case "already_rerun":
      return `<@${r.by}> already started this run again; its thread follows the new run.`;
    case "already_restarted":
      return `<@${r.by}> already restarted this run; its thread follows it.`;
    case "restart_refused":
      return r.status
        ? `The run could not be restarted: it is now *${STATUS_TEXT[r.status]}*.`
        : "The run could not be restarted: it no longer exists in Kestra.";
    case "nothing_to_retry":
      return `There is nothing to retry: the run is *${STATUS_TEXT[r.status]}*.`;
    case "batch_not_rerun":
      return "A cancelled batch cannot be started again from here: run `/autofix batch` again with the same repository and labels.";
    case "still_stopping":
      return "The run is still stopping; press Retry again in a moment.";
    case "gone":
      return "This run no longer exists in Kestra.";
    case "thread_taken":
      return "This thread already follows a run: reply `@autofix <what to change>` here to revise its patch, or ask in another thread for another issue.";
    case "no_followed_pr":
      return "This thread has no open pull request that the bot follows.";
    case "several_followed_prs":
      return "This thread follows several pull requests: use the button under the one to fix.";
    case "follow_up_asked":
      return "A fix for this was already asked for: its run is in this thread.";
  }
}

/** Why a recorded cancel or retry was not done, as its note in the thread says it. */
export function droppedText(r: DropReason): string {
  switch (r.code) {
    case "ended":
      return r.status
        ? `the run had already ended (*${STATUS_TEXT[r.status]}*)`
        : "the run had already ended";
    case "moved_on":
      return r.status ? `the run is now *${STATUS_TEXT[r.status]}*` : "the run is gone from Kestra";
    case "busy":
      return `another run of ${escapeText(r.slug)} is in progress`;
    case "refused":
      return shortReason(r.cause);
  }
}

/** Unknown ids, other teams' runs and hidden ones alike, so nothing leaks. */
export function noSuchRunText(ref: RunRef): string {
  return ref.kind === "execution"
    ? `No such run: \`${escapeText(ref.executionId)}\`. Name a run by its issue (owner/repo#number), or copy its id from \`/autofix list\`.`
    : `No autofix run found for ${escapeText(issueSlug(ref.issue))}.`;
}
