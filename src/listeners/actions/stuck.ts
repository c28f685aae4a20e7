import pRetry, { AbortError } from "p-retry";
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
    // The kill is asynchronous (KILLING, then KILLED): wait for the end, a few seconds at most.
    const ended = await pRetry(
      async () => {
        const r = await loadRun(d, click);
        if (!r) throw new AbortError("the run is gone");
        if (!isTerminal(r.execution.state.current)) throw new Error("still stopping");
        return r;
      },
      { retries: 20, minTimeout: 250, factor: 1.3, maxTimeout: 2000, maxRetryTime: KILL_WAIT_MS },
    ).catch(() => undefined);
    if (!ended) return "The run is still stopping; press Retry again in a moment.";
    const result = await d.operations.retry(ended, click.user);
    if (!result.ok) return result.message;
    await closeAlert(d, click, `🔁 Restarted by <@${click.user}>.`);
    return undefined;
  });
