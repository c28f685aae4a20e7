import { LABELS } from "../contracts/flow.ts";
import { ACTIVE_STATES, type RunQueries } from "../runs/queries.ts";
import { FAN_OUT, mapLimit } from "../shared/map-limit.ts";
import type { RunRef } from "../shared/run-ref.ts";
import { activeRunsMessage, runStatusMessage } from "../slack/blocks/run-status.ts";
import { COMMAND } from "../slack/ids.ts";
import { noSuchRunText } from "../slack/refusal-text.ts";
import { parseRunRef, quoted } from "./run-args.ts";
import { type CommandContext, subcommand, viewerOf } from "./types.ts";

type StatusArgs = { kind: "channel" } | { kind: "run"; run: RunRef };

const ACTIVE_SHOWN = 10;

export interface StatusDeps {
  queries: RunQueries;
}

/** `/autofix status [<issue | execution-id>]`. */
export const statusCommand = subcommand<StatusArgs, StatusDeps>({
  name: "status",
  usage: `${COMMAND} status [<owner/repo#number | issue-url | execution-id>]`,
  summary:
    "a run's state, step, duration and links (an issue's newest run); alone, this channel's active runs",
  examples: [`${COMMAND} status`, `${COMMAND} status acme/api#42`],
  parse(words, { webHost }) {
    const [first, ...rest] = words;
    if (first === undefined) return { ok: true, args: { kind: "channel" } };
    if (rest.length > 0) {
      return {
        ok: false,
        message: `\`/autofix status\` takes one run; remove ${quoted(rest.join(" "))}.`,
      };
    }
    const ref = parseRunRef(first, webHost);
    return ref.ok ? { ok: true, args: { kind: "run", run: ref.args } } : ref;
  },
  async run(d, ctx, args) {
    if (args.kind === "channel") return activeRuns(d, ctx);
    // A run of another channel answers like an unknown one unless the user may see it.
    const run = await d.queries.findRun(args.run, viewerOf(ctx));
    if (!run) {
      await ctx.respond({ response_type: "ephemeral", text: noSuchRunText(args.run) });
      return;
    }
    const message = runStatusMessage(await d.queries.describeRun(run, { withPr: true }));
    await ctx.respond({ response_type: "ephemeral", ...message });
  },
});

async function activeRuns(d: StatusDeps, ctx: CommandContext) {
  const { runs, total } = await d.queries.searchTeamRuns(ctx.team, {
    labels: { [LABELS.channel]: ctx.channel },
    states: ACTIVE_STATES,
    page: 1,
    size: ACTIVE_SHOWN,
  });
  const facts = await mapLimit(runs, FAN_OUT, (r) => d.queries.describeRun(r, { withPr: false }));
  const message = activeRunsMessage({ channel: ctx.channel, runs: facts, total });
  await ctx.respond({ response_type: "ephemeral", ...message });
}
