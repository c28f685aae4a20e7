import { LABELS, TASKS } from "../contracts/flow.ts";
import type { SearchQuery } from "../kestra/client.ts";
import type { Execution } from "../kestra/types.ts";
import { contextOf, type RunContext } from "../runs/context.ts";
import { RunStore } from "../runs/record.ts";
import type { Services } from "../services.ts";
import { factsOf, type RunFacts } from "../slack/blocks/run-status.ts";

// Kestra reads shared by the run-control subcommands. Every listing is a filtered, paginated
// search; every run is checked to belong to the asking Slack team before anything is shown.

/** Kestra states in which a run has not ended (io.kestra State.Type minus the terminated ones). */
export const ACTIVE_STATES = [
  "CREATED",
  "SUBMITTED",
  "QUEUED",
  "RUNNING",
  "PAUSED",
  "RESTARTED",
  "KILLING",
  "RETRYING",
  "BREAKPOINT",
  "RESUBMITTED",
] as const;

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
  const [threadUrl, prUrl] = await Promise.all([
    threadLink(s, run.ctx),
    opts.withPr ? pullRequestUrl(s, run) : Promise.resolve(undefined),
  ]);
  return factsOf(run.execution, {
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

/** The PR the thread announced, else the create_pr task's output; only URLs of the run's repo. */
async function pullRequestUrl(s: Services, run: TeamRun): Promise<string | undefined> {
  const valid = (u: unknown): u is string =>
    typeof u === "string" &&
    /^https:\/\/[^/\s|<>]+\/[^/\s|<>]+\/[^/\s|<>]+\/pull\/\d+$/.test(u) &&
    (!run.ctx.repo || new URL(u).pathname.startsWith(`/${run.ctx.repo}/pull/`));
  try {
    const record = await new RunStore(s.kestra).get(run.execution.id);
    if (valid(record.prUrl)) return record.prUrl;
    const prRun = run.execution.taskRunList.filter((t) => t.taskId === TASKS.createPr).at(-1);
    if (prRun?.state.current !== "SUCCESS") return undefined;
    const outputs = await s.kestra.taskRunOutputs(run.execution, prRun.id);
    const vars = (outputs as { vars?: Record<string, unknown> }).vars ?? {};
    return valid(vars["pr_url"]) ? vars["pr_url"] : undefined;
  } catch (err) {
    s.logger.warn({ err, executionId: run.execution.id }, "cannot read the run's PR link");
    return undefined;
  }
}
