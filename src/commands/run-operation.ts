import { NotAuthorizedError } from "../errors.ts";
import type { LoadedRun, OperationResult, RunOperations } from "../runs/operations.ts";
import type { RunQueries } from "../runs/queries.ts";
import type { RunRef } from "../shared/run-ref.ts";
import { noSuchRunText, refusalText } from "../slack/refusal-text.ts";
import { type CommandContext, viewerOf } from "./types.ts";

export interface RunOperationDeps {
  queries: RunQueries;
  operations: RunOperations;
}

/** `cancel` and `retry`: find the team's run, run the operation, answer privately. */
export async function runOperationCommand(
  d: RunOperationDeps,
  ctx: CommandContext,
  ref: RunRef,
  operate: (run: LoadedRun) => Promise<OperationResult>,
  done: (run: LoadedRun, result: Extract<OperationResult, { ok: true }>) => string,
): Promise<void> {
  // A run the person may not see answers like an unknown one: its existence is not leaked.
  const run = await d.queries.findRun(ref, viewerOf(ctx));
  let text: string;
  if (!run) {
    text = noSuchRunText(ref);
  } else {
    try {
      const result = await operate(run);
      text = result.ok ? done(run, result) : refusalText(result.refusal);
    } catch (err) {
      if (!(err instanceof NotAuthorizedError)) throw err;
      text = err.message;
    }
  }
  await ctx.respond({ response_type: "ephemeral", text });
}
