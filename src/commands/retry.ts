import { NotAuthorizedError } from "../errors.ts";
import { COMMAND } from "../slack/ids.ts";
import { parseExecutionIdArg } from "./run-args.ts";
import { findTeamRun, noSuchRun } from "./run-queries.ts";
import { subcommand } from "./types.ts";

/** `/autofix retry <execution-id>`: what the Retry button does; requester or approver only. */
export const retryCommand = subcommand<{ executionId: string }>({
  name: "retry",
  usage: `${COMMAND} retry <execution-id>`,
  summary:
    "restart a failed or cancelled run, like its Retry button (the requester or an approver)",
  examples: [`${COMMAND} retry 4Jx2bC9kQeLmN0pR7sTuVw`],
  parse: (words) => parseExecutionIdArg("retry", words),
  async run(s, ctx, { executionId }) {
    const run = await findTeamRun(s, executionId, ctx.team);
    if (!run) {
      await ctx.respond({ response_type: "ephemeral", text: noSuchRun(executionId) });
      return;
    }
    let text: string;
    try {
      const result = await s.decisions.operations.retry(run, ctx.user);
      if (!result.ok) text = result.message;
      else if (result.done === "refetching_patch") {
        text = "🔁 Fetching the patch again; it will appear in the run's thread.";
      } else text = `🔁 Restarted the run \`${executionId}\`; its thread follows it again.`;
    } catch (err) {
      if (!(err instanceof NotAuthorizedError)) throw err;
      text = err.message;
    }
    await ctx.respond({ response_type: "ephemeral", text });
  },
});
