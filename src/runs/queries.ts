import { LABELS } from "../contracts/flow.ts";
import type { SearchQuery } from "../kestra/client.ts";
import type { Execution } from "../kestra/types.ts";
import type { Services } from "../services.ts";
import type { Policy } from "../settings/channel-settings.ts";
import type { RunFacts } from "../slack/blocks/run-status.ts";
import { contextOf, type RunContext } from "./context.ts";
import { factsOf } from "./facts.ts";
import { RunReader } from "./read.ts";

// Kestra reads shared by the run-control subcommands and the App Home. Every listing is a
// filtered, paginated search; every run is checked to belong to the asking Slack team, and a
// run's details are only shown to those who may see them (canSeeRun below).

export { ACTIVE_STATES } from "../kestra/types.ts";

export const FAILED_STATES = ["FAILED"] as const;

export interface TeamRun {
  execution: Execution;
  ctx: RunContext;
}

/** The answer for unknown ids and other teams' runs alike, so nothing leaks across teams. */
export function noSuchRun(executionId: string): string {
  return `No such run: \`${executionId}\`. Copy the id from the run's thread or from \`/autofix list\`.`;
}

/** The run, when Kestra knows it and it was started from this Slack team. */
export async function findTeamRun(
  s: Services,
  executionId: string,
  team: string,
): Promise<TeamRun | undefined> {
  const execution = await s.kestra.findExecution(executionId);
  if (!execution || execution.namespace !== s.kestra.namespace) return undefined;
  const ctx = contextOf(execution);
  if (!ctx || ctx.team !== team) return undefined;
  return { execution, ctx };
}

/** Who asks to see runs; `channel` is where a command was typed (the Home has none). */
export interface Viewer {
  team: string;
  user: string;
  channel?: string;
}

export type RunVisibility = (ctx: RunContext) => Promise<boolean>;

/**
 * The one rule for seeing a run's details (issue, repo, thread, PR, logs), so runs of private
 * channels stay private: the viewer asks from the run's own channel (whoever can type there can
 * read its thread), or is the run's requester, or an approver under the policy of the run's
 * channel. Policies are read once per channel per checker; an unreadable policy shows nothing.
 */
export function runVisibility(s: Services, viewer: Viewer): RunVisibility {
  const approvers = new Map<string, Promise<Policy["approvers"] | undefined>>();
  const approversOf = (channel: string) => {
    let found = approvers.get(channel);
    if (!found) {
      found = s.settings.policy(channel).then(
        (policy) => policy.approvers,
        (err: unknown) => {
          s.logger.warn({ err, channel }, "cannot read the run channel's approvers; not shown");
          return undefined;
        },
      );
      approvers.set(channel, found);
    }
    return found;
  };
  return async (ctx) => {
    if (ctx.team !== viewer.team) return false;
    if (viewer.channel !== undefined && viewer.channel === ctx.channel) return true;
    if (viewer.user === ctx.user) return true;
    const policy = await approversOf(ctx.channel);
    return policy !== undefined && s.approvers.canOperate(viewer.user, ctx.user, policy);
  };
}

/** Whether `viewer` may see this run's details (see runVisibility). */
export function canSeeRun(s: Services, viewer: Viewer, ctx: RunContext): Promise<boolean> {
  return runVisibility(s, viewer)(ctx);
}

/**
 * The run, when it is this team's and the viewer may see it; otherwise undefined, exactly like
 * an unknown id, so that a run's existence does not leak either.
 */
export async function findVisibleRun(
  s: Services,
  executionId: string,
  viewer: Viewer,
): Promise<TeamRun | undefined> {
  const run = await findTeamRun(s, executionId, viewer.team);
  if (!run || !(await canSeeRun(s, viewer, run.ctx))) return undefined;
  return run;
}

export interface VisibleScan {
  /** Light executions (no task runs) the viewer may see, newest first, with their context. */
  runs: TeamRun[];
  /** False when the scan stopped at its bound before the end of the search. */
  complete: boolean;
  /** Runs looked at (visible or not). */
  scanned: number;
}

/**
 * The team's runs matching `query` that the viewer may see, newest first: filter, then page.
 * The search is read in pages of `pageSize`, at most `maxPages` of them, and stops once
 * `enough` visible runs are found.
 */
export async function scanVisibleRuns(
  s: Services,
  viewer: Viewer,
  query: Omit<SearchQuery, "page" | "size">,
  bounds: { pageSize: number; maxPages: number; enough?: number },
): Promise<VisibleScan> {
  const visible = runVisibility(s, viewer);
  const seen = new Set<string>();
  const runs: TeamRun[] = [];
  let scanned = 0;
  for (let page = 1; page <= bounds.maxPages; page++) {
    const { results, total } = await s.kestra.searchExecutions({
      ...query,
      labels: { ...query.labels, [LABELS.team]: viewer.team },
      page,
      size: bounds.pageSize,
    });
    for (const execution of results) {
      // Runs started between two page reads shift the pages: skip what was already seen.
      if (seen.has(execution.id)) continue;
      seen.add(execution.id);
      scanned++;
      const ctx = contextOf(execution);
      if (ctx && (await visible(ctx))) runs.push({ execution, ctx });
    }
    const ended = results.length < bounds.pageSize || page * bounds.pageSize >= total;
    if (ended) return { runs, complete: true, scanned };
    if (bounds.enough !== undefined && runs.length >= bounds.enough) break;
  }
  return { runs, complete: false, scanned };
}

/** A page of this team's runs matching `labels`, newest first; light results are re-read in full. */
export async function searchTeamRuns(
  s: Services,
  team: string,
  query: Omit<SearchQuery, "labels"> & { labels: Record<string, string> },
): Promise<{ runs: TeamRun[]; total: number }> {
  const { results, total } = await s.kestra.searchExecutions({
    ...query,
    labels: { ...query.labels, [LABELS.team]: team },
  });
  // Search answers ApiLightExecution (no task runs): the step and approval state need the full one.
  const full = await Promise.all(
    results.map(async (light) => (await s.kestra.findExecution(light.id)) ?? light),
  );
  const runs: TeamRun[] = [];
  for (const execution of full) {
    const ctx = contextOf(execution);
    if (ctx && ctx.team === team) runs.push({ execution, ctx });
  }
  return { runs, total };
}

/** The run's facts with its Slack thread link (chat.getPermalink) and, when asked, its PR. */
export async function describeRun(
  s: Services,
  run: TeamRun,
  opts: { withPr: boolean },
): Promise<RunFacts> {
  const view = await s.syncer.view(run.execution);
  const [threadUrl, prUrl] = await Promise.all([
    threadLink(s, run.ctx),
    opts.withPr && view.status === "pr_opened" && view.createPr
      ? prLink(s, run, view.createPr)
      : Promise.resolve(undefined),
  ]);
  return factsOf(run.execution, run.ctx, view, {
    kestraUrl: s.links.execution(run.execution.flowId, run.execution.id),
    now: Date.now(),
    ...(threadUrl ? { threadUrl } : {}),
    ...(prUrl ? { prUrl } : {}),
  });
}

async function threadLink(s: Services, ctx: RunContext): Promise<string | undefined> {
  try {
    const res = await s.slack.chat.getPermalink({ channel: ctx.channel, message_ts: ctx.rootTs });
    return res.permalink;
  } catch (err) {
    s.logger.warn({ err, channel: ctx.channel }, "cannot get thread permalink");
    return undefined;
  }
}

/** The PR the thread announced (when this process knows it), else create_pr's output. */
async function prLink(
  s: Services,
  run: TeamRun,
  createPr: NonNullable<Execution["taskRunList"][number]>,
): Promise<string | undefined> {
  try {
    return await new RunReader(s.kestra).prUrl(run.execution, createPr, run.ctx.repo);
  } catch (err) {
    s.logger.warn({ err, executionId: run.execution.id }, "cannot read the run's PR link");
    return undefined;
  }
}
