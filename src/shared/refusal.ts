import type { RunStatus, Verdict } from "../shared/run-status.ts";

// Why run logic did not do what a person asked. Run logic says what happened; the words are the
// Slack layer's (slack/refusal-text.ts), so every surface says it the same way.

export type Refusal =
  /** Another run of the issue has not ended. */
  | { code: "busy"; slug: string; executionId: string; kestraUrl: string }
  /**
   * The run could not start: the alerts channel has the details; `retry` when its root in the
   * channel says so and offers Retry.
   */
  | { code: "not_started"; slug: string; cause: unknown; retry: boolean; batch?: boolean }
  /**
   * A revision's create failed or got no answer: the request is recorded in its thread, and the
   * bot starts it again by itself (RevisionStarter.ensureStarted).
   */
  | { code: "revision_unconfirmed"; slug: string; cause: unknown }
  /** The issue could not be read, or is not an issue: nothing was posted. */
  | { code: "issue_refused"; cause: unknown }
  /** Slack would not take the run's root message. */
  | { code: "cannot_post"; cause: unknown }
  | { code: "already_decided"; decision: { verdict: Verdict; by: string } }
  /** The run no longer waits for a decision. */
  | { code: "not_decidable"; status: RunStatus }
  /** Kestra refused the resume (409): the thread shows what happened instead. */
  | { code: "resume_refused"; cause: unknown }
  | { code: "already_ended"; status: RunStatus | undefined }
  /** A cancel is recorded in the thread already (by whom), or Kestra is already killing the run. */
  | { code: "already_cancelled"; by: string | undefined; ended?: RunStatus | undefined }
  /** This cancelled run was started again already: its thread follows the new run. */
  | { code: "already_rerun"; by: string }
  | { code: "already_restarted"; by: string }
  | { code: "restart_refused"; status: RunStatus | undefined }
  | { code: "nothing_to_retry"; status: RunStatus }
  | { code: "batch_not_rerun" }
  | { code: "still_stopping" }
  | { code: "gone" }
  /** Fix the failing checks / Address the review typed in a thread: no PR, or several, to fix. */
  | { code: "no_followed_pr" }
  | { code: "several_followed_prs" }
  | { code: "follow_up_asked" }
  /** A thread follows one run: another ask in it is refused. */
  | { code: "thread_taken" };

/** Why a cancel or a retry, recorded in its thread before Kestra was asked, was not done. */
export type DropReason =
  /** The run ended by itself before the kill. */
  | { code: "ended"; status: RunStatus | undefined }
  /** The run is no longer in a state the operation applies to. */
  | { code: "moved_on"; status: RunStatus | undefined }
  /** Another run of the issue is going. */
  | { code: "busy"; slug: string }
  /** Kestra refused it for good. */
  | { code: "refused"; cause: unknown };
