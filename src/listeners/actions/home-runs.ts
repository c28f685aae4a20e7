import type { HomeNotice } from "../../home/model.ts";
import { teamOf } from "../../home/publish.ts";
import { findTeamRun, noSuchRun } from "../../runs/queries.ts";
import type { Services } from "../../services.ts";
import { userMessage } from "../../slack/error-messages.ts";
import { escapeText } from "../../slack/mrkdwn.ts";
import { actionValue, type HomeArgs, homeState, refreshHome } from "./home-common.ts";

/**
 * Retry and Cancel on the dashboard's run rows. The value is only an id: the run is re-read
 * from Kestra, must belong to the clicker's team, and the shared RunOperations authorize the
 * clicker against the policy of the run's own channel.
 */
export const homeRunAction = (s: Services, verb: "retry" | "cancel") => async (args: HomeArgs) => {
  await args.ack();
  const { nav } = homeState(args.body);
  const notice = await operate(s, args, verb);
  await refreshHome(s, args, nav, notice);
};

async function operate(s: Services, args: HomeArgs, verb: "retry" | "cancel"): Promise<HomeNotice> {
  const executionId = actionValue(args) ?? "";
  const user = args.body.user.id;
  try {
    const team = await teamOf(s, args.context.teamId, args.body.team?.id, args.body.user.team_id);
    const run = await findTeamRun(s, executionId, team);
    if (!run) return { kind: "error", text: noSuchRun(executionId) };
    const ops = s.operations;
    const result = verb === "retry" ? await ops.retry(run, user) : await ops.cancel(run, user);
    if (!result.ok) return { kind: "error", text: result.message };
    const done = result.done === "cancelled" ? "Cancelled" : "Restarted";
    return {
      kind: "info",
      text: `${done} ${escapeText(run.ctx.slug)}; its thread in <#${run.ctx.channel}> says so.`,
    };
  } catch (err) {
    s.logger.warn({ err, executionId, user, verb }, "home run action refused or failed");
    return { kind: "error", text: userMessage(err) };
  }
}
