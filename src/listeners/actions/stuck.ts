import { isTerminal } from "../../kestra/types.ts";
import { contextOf } from "../../runs/context.ts";
import type { Click } from "../../runs/decisions.ts";
import type { Services } from "../../services.ts";
import { clickHandler } from "./click.ts";

const KILL_WAIT_MS = 10_000;

async function loadRun(s: Services, click: Click) {
  const execution = await s.kestra.findExecution(click.executionId);
  const ctx = execution ? contextOf(execution) : undefined;
  return execution && ctx ? { execution, ctx } : undefined;
}

async function closeAlert(s: Services, click: Click, text: string): Promise<void> {
  await s.slack.chat
    .update({
      channel: click.channel,
      ts: click.messageTs,
      text,
      blocks: [{ type: "section", text: { type: "mrkdwn", text } }],
    })
    .catch((err: unknown) => s.logger.warn({ err }, "cannot close the stuck-run alert"));
}

/** Cancel on a stuck-run alert: kill the run (requester or approver of the run's channel). */
export const stuckCancelAction = (s: Services) =>
  clickHandler(s, async (click) => {
    const run = await loadRun(s, click);
    if (!run) return "This run no longer exists in Kestra.";
    const result = await s.operations.cancel(run, click.user);
    if (!result.ok) return result.message;
    await closeAlert(s, click, `⏹️ Cancelled by <@${click.user}>.`);
    return undefined;
  });

/** Retry on a stuck-run alert: Kestra restarts only ended runs, so kill it, wait for the end, restart. */
export const stuckRetryAction = (s: Services) =>
  clickHandler(s, async (click) => {
    const run = await loadRun(s, click);
    if (!run) return "This run no longer exists in Kestra.";
    if (!isTerminal(run.execution.state.current)) {
      const killed = await s.operations.cancel(run, click.user);
      if (!killed.ok) return killed.message;
    }
    const deadline = Date.now() + KILL_WAIT_MS;
    let ended = await loadRun(s, click);
    while (ended && !isTerminal(ended.execution.state.current) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      ended = await loadRun(s, click);
    }
    if (!ended || !isTerminal(ended.execution.state.current)) {
      return "The run is still stopping; press Retry again in a moment.";
    }
    const result = await s.operations.retry(ended, click.user);
    if (!result.ok) return result.message;
    await closeAlert(s, click, `🔁 Restarted by <@${click.user}>.`);
    return undefined;
  });
