import type { KestraClient } from "../../kestra/client.ts";
import { contextOf } from "../../runs/context.ts";
import type { Click } from "../../runs/decisions.ts";
import type { RunOperations } from "../../runs/operations.ts";
import { type ClickDeps, clickHandler } from "./click.ts";

export interface StuckDeps extends ClickDeps {
  kestra: KestraClient;
  operations: RunOperations;
}

async function loadRun(d: StuckDeps, click: Click) {
  const execution = await d.kestra.findExecution(click.executionId);
  const ctx = execution ? contextOf(execution) : undefined;
  return execution && ctx ? { execution, ctx } : undefined;
}

/** The alert clicked: the operation closes it (with who did what) when it records the request. */
const alertOf = (click: Click) => ({ channel: click.channel, ts: click.messageTs });

/** Cancel on a stuck-run alert: kill the run (requester or approver of the run's channel). */
export const stuckCancelAction = (d: StuckDeps) =>
  clickHandler(d, async (click) => {
    const run = await loadRun(d, click);
    if (!run) return { code: "gone" } as const;
    const result = await d.operations.cancel(run, click.user, { alert: alertOf(click) });
    return result.ok ? undefined : result.refusal;
  });

/** Retry on a stuck-run alert: kill, wait for the end, start it again (RunOperations.retryStuck). */
export const stuckRetryAction = (d: StuckDeps) =>
  clickHandler(d, async (click) => {
    const run = await loadRun(d, click);
    if (!run) return { code: "gone" } as const;
    const result = await d.operations.retryStuck(run, click.user, alertOf(click));
    return result.ok ? undefined : result.refusal;
  });
