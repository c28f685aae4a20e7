import { NotAuthorizedError } from "../errors.ts";
import type { LoadedRun, OperationResult, RunOperations } from "../runs/operations.ts";
import { noSuchRun, type RunQueries } from "../runs/queries.ts";
import { type CommandContext, viewerOf } from "./types.ts";

export interface RunOperationDeps {
  queries: RunQueries;
  operations: RunOperations;
}

/** `cancel` and `retry` by id: find the team's run, run the operation, answer privately. */
export async function runOperationCommand(
  d: RunOperationDeps,
  ctx: CommandContext,
  executionId: string,
  operate: (run: LoadedRun) => Promise<OperationResult>,
  done: (result: Extract<OperationResult, { ok: true }>) => string,
): Promise<void> {
  // A run the person may not see answers like an unknown id: its existence is not leaked.
  const run = await d.queries.findVisibleRun(executionId, viewerOf(ctx));
  let text: string;
  if (!run) {
    text = noSuchRun(executionId);
  } else {
    try {
      const result = await operate(run);
      text = result.ok ? done(result) : result.message;
    } catch (err) {
      if (!(err instanceof NotAuthorizedError)) throw err;
      text = err.message;
    }
  }
  await ctx.respond({ response_type: "ephemeral", text });
}
