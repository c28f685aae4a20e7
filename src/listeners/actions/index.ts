import type { App, BlockAction, ButtonAction } from "@slack/bolt";
import type { Services } from "../../services.ts";
import { ACTIONS } from "../../slack/ids.ts";
import { approveAction } from "./approve.ts";
import { registerHomeActions } from "./home-register.ts";
import { listPageAction } from "./list-page.ts";
import { rejectAction } from "./reject.ts";
import { retryAction } from "./retry.ts";
import { retryStartAction } from "./retry-start.ts";
import { reviseAction } from "./revise.ts";
import { stuckCancelAction, stuckRetryAction } from "./stuck.ts";

export function registerActions(app: App, s: Services): void {
  app.action<BlockAction<ButtonAction>>(ACTIONS.approve, approveAction(s));
  app.action<BlockAction<ButtonAction>>(ACTIONS.reject, rejectAction(s));
  app.action<BlockAction<ButtonAction>>(ACTIONS.retry, retryAction(s));
  app.action<BlockAction<ButtonAction>>(ACTIONS.retryStart, retryStartAction(s));
  app.action<BlockAction<ButtonAction>>(ACTIONS.revise, reviseAction(s));
  app.action<BlockAction<ButtonAction>>(ACTIONS.listPrevious, listPageAction(s));
  app.action<BlockAction<ButtonAction>>(ACTIONS.listNext, listPageAction(s));
  app.action<BlockAction<ButtonAction>>(ACTIONS.stuckCancel, stuckCancelAction(s));
  app.action<BlockAction<ButtonAction>>(ACTIONS.stuckRetry, stuckRetryAction(s));
  registerHomeActions(app, s);
  // Link buttons still send an action; ack it so Slack shows no error.
  app.action(ACTIONS.viewInKestra, async ({ ack }) => {
    await ack();
  });
}
