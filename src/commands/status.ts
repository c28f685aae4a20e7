import { LABELS } from "../contracts/flow.ts";
import { EXECUTION_ID_PATTERN } from "../contracts/notification.ts";
import {
  ACTIVE_STATES,
  noSuchRun,
  type RunQueries,
  type TeamRun,
  type Viewer,
} from "../runs/queries.ts";
import { type IssueRef, issueSlug, parseIssueUrl } from "../shared/issue-url.ts";
import { FAN_OUT, mapLimit } from "../shared/map-limit.ts";
import { activeRunsMessage, runStatusMessage } from "../slack/blocks/run-status.ts";
import { COMMAND } from "../slack/ids.ts";
import { badExecutionId, quoted } from "./run-args.ts";
import { type CommandContext, subcommand, viewerOf } from "./types.ts";

type StatusArgs =
  | { kind: "channel" }
  | { kind: "execution"; executionId: string }
  | { kind: "issue"; issue: IssueRef };

const ACTIVE_SHOWN = 10;
/** Runs of one issue looked at for the newest one the user may see. */
const ISSUE_RUNS_SCANNED = 50;

export interface StatusDeps {
  queries: RunQueries;
}

/** `/autofix status [<execution-id> | <issue-url>]`. */
export const statusCommand = subcommand<StatusArgs, StatusDeps>({
  name: "status",
  usage: `${COMMAND} status [<execution-id> | https://github.com/<owner>/<repo>/issues/<number>]`,
  summary:
    "a run's state, step, duration and links; with an issue URL, its newest run; alone, this channel's active runs",
  examples: [`${COMMAND} status`, `${COMMAND} status https://github.com/acme/api/issues/42`],
  parse(words, { webHost }) {
    const [first, ...rest] = words;
    if (first === undefined) return { ok: true, args: { kind: "channel" } };
    if (rest.length > 0) {
      return {
        ok: false,
        message: `\`/autofix status\` takes one execution id or issue URL; remove ${quoted(rest.join(" "))}.`,
      };
    }
    if (EXECUTION_ID_PATTERN.test(first)) {
      return { ok: true, args: { kind: "execution", executionId: first } };
    }
    // Anything with a scheme or a slash was meant as a URL: say what is wrong with it.
    if (/^<?https?:|\//i.test(first)) {
      const parsed = parseIssueUrl(first, webHost);
      if (!parsed.ok) {
        return { ok: false, message: `That is not a GitHub issue URL: ${parsed.reason}.` };
      }
      return { ok: true, args: { kind: "issue", issue: parsed.issue } };
    }
    return { ok: false, message: badExecutionId(first) };
  },
  async run(d, ctx, args) {
    if (args.kind === "channel") return activeRuns(d, ctx);
    // A run of another channel answers like an unknown one unless the user may see it.
    const viewer = viewerOf(ctx);
    const run =
      args.kind === "execution"
        ? await d.queries.findVisibleRun(args.executionId, viewer)
        : await newestVisibleRunFor(d, viewer, args.issue);
    if (!run) {
      const text =
        args.kind === "execution"
          ? noSuchRun(args.executionId)
          : `No autofix run found for ${issueSlug(args.issue)}.`;
      await ctx.respond({ response_type: "ephemeral", text });
      return;
    }
    const message = runStatusMessage(await d.queries.describeRun(run, { withPr: true }));
    await ctx.respond({ response_type: "ephemeral", ...message });
  },
});

/** The issue's newest run that the user may see, re-read in full (search results are light). */
async function newestVisibleRunFor(
  d: StatusDeps,
  viewer: Viewer,
  issue: IssueRef,
): Promise<TeamRun | undefined> {
  // The labels the starter set: runLabels in src/runs/context.ts.
  const { runs } = await d.queries.scanVisibleRuns(
    viewer,
    {
      labels: {
        [LABELS.repo]: `${issue.owner}/${issue.repo}`,
        [LABELS.issue]: String(issue.number),
      },
    },
    { pageSize: ISSUE_RUNS_SCANNED, maxPages: 1, enough: 1 },
  );
  const newest = runs[0];
  if (!newest) return undefined;
  return d.queries.findVisibleRun(newest.execution.id, viewer);
}

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
