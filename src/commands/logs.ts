import type { KestraClient } from "../kestra/client.ts";
import type { Links } from "../runs/links.ts";
import { noSuchRun, type RunQueries } from "../runs/queries.ts";
import { logsMessage } from "../slack/blocks/logs-message.ts";
import { COMMAND } from "../slack/ids.ts";
import { parseExecutionIdArg } from "./run-args.ts";
import { subcommand, viewerOf } from "./types.ts";

/** Read from Kestra; only the newest that fit one message are shown. */
const LOG_LINES = 50;

export interface LogsDeps {
  queries: RunQueries;
  kestra: KestraClient;
  links: Links;
}

/** `/autofix logs <execution-id>`: the last WARN/ERROR lines, privately. */
export const logsCommand = subcommand<{ executionId: string }, LogsDeps>({
  name: "logs",
  usage: `${COMMAND} logs <execution-id>`,
  summary: "the run's last warning and error log lines, with a link to the full logs",
  examples: [`${COMMAND} logs 4Jx2bC9kQeLmN0pR7sTuVw`],
  parse: (words) => parseExecutionIdArg("logs", words),
  async run(d, ctx, { executionId }) {
    // Another channel's run answers like an unknown id unless the user may see it.
    const run = await d.queries.findVisibleRun(executionId, viewerOf(ctx));
    if (!run) {
      await ctx.respond({ response_type: "ephemeral", text: noSuchRun(executionId) });
      return;
    }
    const entries = await d.kestra.logsAtLeast(executionId, "WARN", LOG_LINES);
    const slug = run.ctx.repo && run.ctx.issue ? `${run.ctx.repo}#${run.ctx.issue}` : executionId;
    const message = logsMessage({
      slug,
      executionId,
      entries,
      logsUrl: d.links.logs(run.execution.flowId, executionId),
    });
    await ctx.respond({ response_type: "ephemeral", ...message });
  },
});
