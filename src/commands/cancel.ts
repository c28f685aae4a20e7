import { COMMAND } from "../slack/ids.ts";
import { parseExecutionIdArg } from "./run-args.ts";
import { runOperationCommand } from "./run-operation.ts";
import { subcommand } from "./types.ts";

/** `/autofix cancel <execution-id>`: kills the run in Kestra; requester or approver only. */
export const cancelCommand = subcommand<{ executionId: string }>({
  name: "cancel",
  usage: `${COMMAND} cancel <execution-id>`,
  summary: "stop a run that has not finished (the requester or an approver)",
  examples: [`${COMMAND} cancel 4Jx2bC9kQeLmN0pR7sTuVw`],
  parse: (words) => parseExecutionIdArg("cancel", words),
  run: (s, ctx, { executionId }) =>
    runOperationCommand(
      s,
      ctx,
      executionId,
      (run) => s.operations.cancel(run, ctx.user),
      () => `⏹️ Cancelled the run \`${executionId}\`; its thread says so.`,
    ),
});
