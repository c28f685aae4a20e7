import type { RunRef } from "../shared/run-ref.ts";
import { COMMAND } from "../slack/ids.ts";
import { escapeText } from "../slack/mrkdwn.ts";
import { parseRunArg } from "./run-args.ts";
import { type RunOperationDeps, runOperationCommand } from "./run-operation.ts";
import { subcommand } from "./types.ts";

/** `/autofix retry <issue | execution-id>`: what the Retry button does; requester or approver only. */
export const retryCommand = subcommand<{ run: RunRef }, RunOperationDeps>({
  name: "retry",
  usage: `${COMMAND} retry <owner/repo#number | execution-id>`,
  summary:
    "restart a failed or cancelled run, like its Retry button (the requester or an approver)",
  examples: [`${COMMAND} retry acme/api#42`],
  parse: (words, { webHost }) => parseRunArg("retry", words, webHost),
  run: (d, ctx, { run: ref }) =>
    runOperationCommand(
      d,
      ctx,
      ref,
      (run) => d.operations.retry(run, ctx.user),
      (run, result) =>
        result.done === "rerun"
          ? `🔄 Started *${escapeText(run.ctx.slug)}* again as a new run; its thread follows it.`
          : `🔄 Restarted *${escapeText(run.ctx.slug)}*; its thread follows it again.`,
    ),
});
