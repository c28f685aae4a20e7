import type { KestraClient } from "../kestra/client.ts";
import type { Links } from "../runs/links.ts";
import type { RunQueries } from "../runs/queries.ts";
import type { RunRef } from "../shared/run-ref.ts";
import { logsMessage } from "../slack/blocks/logs-message.ts";
import { COMMAND } from "../slack/ids.ts";
import { noSuchRunText } from "../slack/refusal-text.ts";
import { parseRunArg } from "./run-args.ts";
import { subcommand, viewerOf } from "./types.ts";

/** Read from Kestra; only the newest that fit one message are shown. */
const LOG_LINES = 50;

export interface LogsDeps {
  queries: RunQueries;
  kestra: KestraClient;
  links: Links;
}

/** `/autofix logs <issue | execution-id>`: the last WARN/ERROR lines, privately. */
export const logsCommand = subcommand<{ run: RunRef }, LogsDeps>({
  name: "logs",
  usage: `${COMMAND} logs <owner/repo#number | execution-id>`,
  summary: "the run's last warning and error log lines, with a link to the full logs",
  examples: [`${COMMAND} logs acme/api#42`],
  parse: (words, { webHost }) => parseRunArg("logs", words, webHost),
  async run(d, ctx, { run: ref }) {
    // Another channel's run answers like an unknown one unless the user may see it.
    const run = await d.queries.findRun(ref, viewerOf(ctx));
    if (!run) {
      await ctx.respond({ response_type: "ephemeral", text: noSuchRunText(ref) });
      return;
    }
    const { id, flowId } = run.execution;
    const entries = await d.kestra.logsAtLeast(id, "WARN", LOG_LINES);
    const message = logsMessage({
      slug: run.ctx.slug,
      entries,
      logsUrl: d.links.logs(flowId, id),
    });
    await ctx.respond({ response_type: "ephemeral", ...message });
  },
});
