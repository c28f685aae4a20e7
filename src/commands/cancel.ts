import { NotAuthorizedError } from "../errors.ts";
import { COMMAND } from "../slack/ids.ts";
import { parseExecutionIdArg } from "./run-args.ts";
import { findTeamRun, noSuchRun } from "./run-queries.ts";
import { subcommand } from "./types.ts";

/** `/autofix cancel <execution-id>`: kills the run in Kestra; requester or approver only. */
export const cancelCommand = subcommand<{ executionId: string }>({
  name: "cancel",
  usage: `${COMMAND} cancel <execution-id>`,
  summary: "stop a run that has not finished (the requester or an approver)",
  examples: [`${COMMAND} cancel 4Jx2bC9kQeLmN0pR7sTuVw`],
  parse: (words) => parseExecutionIdArg("cancel", words),
  async run(s, ctx, { executionId }) {
    const run = await findTeamRun(s, executionId, ctx.team);
    if (!run) {
      await ctx.respond({ response_type: "ephemeral", text: noSuchRun(executionId) });
      return;
    }
    let text: string;
    try {
      const result = await s.decisions.operations.cancel(run, ctx.user);
      text = result.ok
        ? `⏹️ Cancelled the run \`${executionId}\`; its thread says so.`
        : result.message;
    } catch (err) {
      if (!(err instanceof NotAuthorizedError)) throw err;
      text = err.message;
    }
    await ctx.respond({ response_type: "ephemeral", text });
  },
});
