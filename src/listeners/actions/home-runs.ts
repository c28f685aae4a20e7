import type { RunOperations } from "../../runs/operations.ts";
import type { RunQueries } from "../../runs/queries.ts";
import type { HomeNotice } from "../../slack/blocks/home/model.ts";
import { userMessage } from "../../slack/error-messages.ts";
import { escapeText } from "../../slack/mrkdwn.ts";
import { noSuchRunText, refusalText } from "../../slack/refusal-text.ts";
import {
  actionValue,
  clickerTeam,
  type HomeArgs,
  type HomeRefreshDeps,
  homeState,
  refreshHome,
} from "./home-common.ts";

export interface HomeRunDeps extends HomeRefreshDeps {
  queries: RunQueries;
  operations: RunOperations;
}

/**
 * Retry and Cancel on the dashboard's run rows. The value is only an id: the run is re-read
 * from Kestra, must belong to the clicker's team, and the shared RunOperations authorize the
 * clicker against the policy of the run's own channel.
 */
export const homeRunAction =
  (d: HomeRunDeps, verb: "retry" | "cancel") => async (args: HomeArgs) => {
    await args.ack();
    const { nav } = homeState(args.body);
    const notice = await operate(d, args, verb);
    await refreshHome(d, args, nav, notice);
  };

async function operate(
  d: HomeRunDeps,
  args: HomeArgs,
  verb: "retry" | "cancel",
): Promise<HomeNotice> {
  const executionId = actionValue(args) ?? "";
  const user = args.body.user.id;
  try {
    const team = await clickerTeam(d.slack, args);
    const run = await d.queries.findTeamRun(executionId, team);
    if (!run) return { kind: "error", text: noSuchRunText({ kind: "execution", executionId }) };
    const ops = d.operations;
    const result = verb === "retry" ? await ops.retry(run, user) : await ops.cancel(run, user);
    if (!result.ok) return { kind: "error", text: refusalText(result.refusal) };
    const done = { cancelled: "Cancelled", restarted: "Restarted", rerun: "Started again" }[
      result.done
    ];
    return {
      kind: "info",
      text: `${done} ${escapeText(run.ctx.slug)}; its thread in <#${run.ctx.channel}> says so.`,
    };
  } catch (err) {
    d.logger.warn({ err, executionId, user, verb }, "home run action refused or failed");
    return { kind: "error", text: userMessage(err) };
  }
}
