import { COMMAND } from "../slack/ids.ts";
import { parseExecutionIdArg } from "./run-args.ts";
import { type RunOperationDeps, runOperationCommand } from "./run-operation.ts";
import { subcommand } from "./types.ts";

/** `/autofix cancel <execution-id>`: kills the run in Kestra; requester or approver only. */
export const cancelCommand = subcommand<{ executionId: string }, RunOperationDeps>({
  name: "cancel",
  usage: `${COMMAND} cancel <execution-id>`,
  summary: "stop a run that has not finished (the requester or an approver)",
  examples: [`${COMMAND} cancel 4Jx2bC9kQeLmN0pR7sTuVw`],
  parse: (words) => parseExecutionIdArg("cancel", words),
  run: (d, ctx, { executionId }) =>
    runOperationCommand(
      d,
      ctx,
      executionId,
      (run) => d.operations.cancel(run, ctx.user),
      () => `⏹️ Cancelled the run \`${executionId}\`; its thread says so.`,
    ),
});
