import type { RunDecisions } from "../../runs/decisions.ts";
import type { RunOperations } from "../../runs/operations.ts";
import { type ClickDeps, clickHandler } from "./click.ts";

export interface RetryDeps extends ClickDeps {
  /** Loads and checks the run the button names. */
  decisions: RunDecisions;
  operations: RunOperations;
}

/** Retry on a failure reply: restarts the run the button names, re-read from Kestra. */
export const retryAction = (d: RetryDeps) =>
  clickHandler(d, async (click) => {
    const { execution, ctx } = await d.decisions.load(click);
    const result = await d.operations.retry({ execution, ctx }, click.user);
    return result.ok ? undefined : result.refusal;
  });
