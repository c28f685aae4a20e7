import type { App, BlockAction, ButtonAction } from "@slack/bolt";
import { ACTIONS } from "../../slack/ids.ts";
import { addressReviewAction } from "./address-review.ts";
import { approveAction, type DecideDeps } from "./approve.ts";
import { type FileIssueDeps, fileIssueAction } from "./file-issue.ts";
import { type FollowUpActionDeps, fixChecksAction } from "./fix-checks.ts";
import { type HomeActionDeps, registerHomeActions } from "./home-register.ts";
import { type ListPageDeps, listPageAction } from "./list-page.ts";
import { type PickIssueDeps, pickIssueAction } from "./pick-issue.ts";
import { rejectAction } from "./reject.ts";
import { type RetryDeps, retryAction } from "./retry.ts";
import { type RetryStartDeps, retryStartAction } from "./retry-start.ts";
import { type ReviseDeps, reviseAction } from "./revise.ts";
import { type StuckDeps, stuckCancelAction, stuckRetryAction } from "./stuck.ts";

/** What the actions use between them; each listener takes only its own part. */
export type ActionDeps = DecideDeps &
  RetryDeps &
  RetryStartDeps &
  ReviseDeps &
  ListPageDeps &
  StuckDeps &
  FollowUpActionDeps &
  HomeActionDeps &
  PickIssueDeps &
  FileIssueDeps;

export function registerActions(app: App, d: ActionDeps): void {
  app.action<BlockAction<ButtonAction>>(ACTIONS.approve, approveAction(d));
  app.action<BlockAction<ButtonAction>>(ACTIONS.reject, rejectAction(d));
  app.action<BlockAction<ButtonAction>>(ACTIONS.retry, retryAction(d));
  app.action<BlockAction<ButtonAction>>(ACTIONS.retryStart, retryStartAction(d));
  app.action<BlockAction<ButtonAction>>(ACTIONS.revise, reviseAction(d));
  app.action<BlockAction<ButtonAction>>(ACTIONS.listPrevious, listPageAction(d));
  app.action<BlockAction<ButtonAction>>(ACTIONS.listNext, listPageAction(d));
  app.action<BlockAction<ButtonAction>>(ACTIONS.stuckCancel, stuckCancelAction(d));
  app.action<BlockAction<ButtonAction>>(ACTIONS.stuckRetry, stuckRetryAction(d));
  app.action<BlockAction<ButtonAction>>(ACTIONS.fixChecks, fixChecksAction(d));
  app.action<BlockAction<ButtonAction>>(ACTIONS.addressReview, addressReviewAction(d));
  app.action<BlockAction<ButtonAction>>(
    new RegExp(`^${ACTIONS.pickIssue}:\\d+$`),
    pickIssueAction(d),
  );
  app.action<BlockAction<ButtonAction>>(ACTIONS.fileIssue, fileIssueAction(d));
  registerHomeActions(app, d);
  // Link buttons still send an action; ack it so Slack shows no error.
  app.action(ACTIONS.viewInKestra, async ({ ack }) => {
    await ack();
  });
}
