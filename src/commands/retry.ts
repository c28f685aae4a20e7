import { COMMAND } from "../slack/ids.ts";
import { parseExecutionIdArg } from "./run-args.ts";
import { type RunOperationDeps, runOperationCommand } from "./run-operation.ts";
import { subcommand } from "./types.ts";

/** `/autofix retry <execution-id>`: what the Retry button does; requester or approver only. */
export const retryCommand = subcommand<{ executionId: string }, RunOperationDeps>({
  name: "retry",
  usage: `${COMMAND} retry <execution-id>`,
  summary:
    "restart a failed or cancelled run, like its Retry button (the requester or an approver)",
  examples: [`${COMMAND} retry 4Jx2bC9kQeLmN0pR7sTuVw`],
  parse: (words) => parseExecutionIdArg("retry", words),
  run: (d, ctx, { executionId }) =>
    runOperationCommand(
      d,
      ctx,
      executionId,
      (run) => d.operations.retry(run, ctx.user),
      (result) =>
        result.done === "rerun"
          ? `🔄 Started the cancelled run again as \`${result.executionId}\`; its thread follows the new run.`
          : `🔄 Restarted the run \`${executionId}\`; its thread follows it again.`,
    ),
});
