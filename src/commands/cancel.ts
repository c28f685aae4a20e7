import type { RunRef } from "../shared/run-ref.ts";
import { COMMAND } from "../slack/ids.ts";
import { escapeText } from "../slack/mrkdwn.ts";
import { parseRunArg } from "./run-args.ts";
import { type RunOperationDeps, runOperationCommand } from "./run-operation.ts";
import { subcommand } from "./types.ts";

/** `/autofix cancel <issue | execution-id>`: kills the run in Kestra; requester or approver only. */
export const cancelCommand = subcommand<{ run: RunRef }, RunOperationDeps>({
  name: "cancel",
  usage: `${COMMAND} cancel <owner/repo#number | execution-id>`,
  summary: "stop a run that has not finished (the requester or an approver)",
  examples: [`${COMMAND} cancel acme/api#42`],
  parse: (words, { webHost }) => parseRunArg("cancel", words, webHost),
  run: (d, ctx, { run: ref }) =>
    runOperationCommand(
      d,
      ctx,
      ref,
      (run) => d.operations.cancel(run, ctx.user),
      (run) => `✋ Cancelling *${escapeText(run.ctx.slug)}*; its thread says when it has stopped.`,
    ),
});
