import { NotAuthorizedError } from "../errors.ts";
import type { LoadedRun, OperationResult } from "../runs/operations.ts";
import { findVisibleRun, noSuchRun } from "../runs/queries.ts";
import type { Services } from "../services.ts";
import type { CommandContext } from "./types.ts";

/** `cancel` and `retry` by id: find the team's run, run the operation, answer privately. */
export async function runOperationCommand(
  s: Services,
  ctx: CommandContext,
  executionId: string,
  operate: (run: LoadedRun) => Promise<OperationResult>,
  done: (result: Extract<OperationResult, { ok: true }>) => string,
): Promise<void> {
  // A run the person may not see answers like an unknown id: its existence is not leaked.
  const run = await findVisibleRun(s, executionId, {
    team: ctx.team,
    user: ctx.user,
    channel: ctx.channel,
  });
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
