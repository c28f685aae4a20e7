import type { KestraClient } from "../../kestra/client.ts";
import { isTerminal } from "../../kestra/types.ts";
import { contextOf } from "../../runs/context.ts";
import type { Click } from "../../runs/decisions.ts";
import type { RunOperations } from "../../runs/operations.ts";
import { section } from "../../slack/blocks/parts.ts";
import { type ClickDeps, clickHandler } from "./click.ts";

export interface StuckDeps extends ClickDeps {
  kestra: KestraClient;
  operations: RunOperations;
}

const KILL_WAIT_MS = 10_000;

async function loadRun(d: StuckDeps, click: Click) {
  const execution = await d.kestra.findExecution(click.executionId);
  const ctx = execution ? contextOf(execution) : undefined;
  return execution && ctx ? { execution, ctx } : undefined;
}

async function closeAlert(d: StuckDeps, click: Click, text: string): Promise<void> {
  await d.slack.chat
    .update({
      channel: click.channel,
      ts: click.messageTs,
      text,
      blocks: [section(text)],
    })
    .catch((err: unknown) => d.logger.warn({ err }, "cannot close the stuck-run alert"));
}

/** Cancel on a stuck-run alert: kill the run (requester or approver of the run's channel). */
export const stuckCancelAction = (d: StuckDeps) =>
  clickHandler(d, async (click) => {
    const run = await loadRun(d, click);
    if (!run) return "This run no longer exists in Kestra.";
    const result = await d.operations.cancel(run, click.user);
    if (!result.ok) return result.message;
    await closeAlert(d, click, `⏹️ Cancelled by <@${click.user}>.`);
    return undefined;
  });

/** Retry on a stuck-run alert: Kestra restarts only ended runs, so kill it, wait for the end, restart. */
export const stuckRetryAction = (d: StuckDeps) =>
  clickHandler(d, async (click) => {
    const run = await loadRun(d, click);
    if (!run) return "This run no longer exists in Kestra.";
    if (!isTerminal(run.execution.state.current)) {
      const killed = await d.operations.cancel(run, click.user);
      if (!killed.ok) return killed.message;
    }
    const deadline = Date.now() + KILL_WAIT_MS;
    let ended = await loadRun(d, click);
    while (ended && !isTerminal(ended.execution.state.current) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      ended = await loadRun(d, click);
    }
    if (!ended || !isTerminal(ended.execution.state.current)) {
      return "The run is still stopping; press Retry again in a moment.";
    }
    const result = await d.operations.retry(ended, click.user);
    if (!result.ok) return result.message;
    await closeAlert(d, click, `🔁 Restarted by <@${click.user}>.`);
    return undefined;
  });
