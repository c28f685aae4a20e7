import type { webApi } from "@slack/bolt";
import { LABELS } from "../contracts/flow.ts";
import type { KestraClient, SearchQuery } from "../kestra/client.ts";
import type { Execution } from "../kestra/types.ts";
import type { Logger } from "../logger.ts";
import type { Policy } from "../settings/channel-settings.ts";
import type { SettingsStore } from "../settings/settings-store.ts";
import type { IssueRef } from "../shared/issue-url.ts";
import { FAN_OUT, mapLimit } from "../shared/map-limit.ts";
import type { RunRef } from "../shared/run-ref.ts";
import { hasPr } from "../shared/run-status.ts";
import type { Approvers } from "../slack/approvers.ts";
import type { RunFacts } from "../slack/blocks/run-status.ts";
import { permalinkOf } from "../slack/permalinks.ts";
import { contextOf, type RunContext } from "./context.ts";
import { factsOf } from "./facts.ts";
import type { Links } from "./links.ts";
import type { RunReader } from "./read.ts";
import type { RunView } from "./status.ts";
import type { RunViews } from "./views.ts";

// Kestra reads shared by the run-control subcommands and the App Home. Every listing is a
// filtered, paginated search; every run is checked to belong to the asking Slack team, and a
// run's details are only shown to those who may see them (RunQueries.visibility below).

export { ACTIVE_STATES } from "../kestra/types.ts";

export const FAILED_STATES = ["FAILED"] as const;

/** Runs of one issue looked at for the newest one the viewer may see. */
const ISSUE_RUNS_SCANNED = 50;

export interface TeamRun {
  execution: Execution;
  ctx: RunContext;
}

/** Who asks to see runs; `channel` is where a command was typed (the Home has none). */
export interface Viewer {
  team: string;
  user: string;
  channel?: string;
}

export type RunVisibility = (ctx: RunContext) => Promise<boolean>;

export interface VisibleScan {
  /** Light executions (no task runs) the viewer may see, newest first, with their context. */
  runs: TeamRun[];
  /** False when the scan stopped at its bound before the end of the search. */
  complete: boolean;
  /** Runs looked at (visible or not). */
  scanned: number;
}

export interface RunQueryDeps {
  kestra: KestraClient;
  /** The PR link of a run that opened one. */
  reader: Pick<RunReader, "prUrl">;
  /** Each run channel's approvers. */
  settings: SettingsStore;
  approvers: Approvers;
  /** The one status derivation. */
  views: Pick<RunViews, "view">;
  /** Thread permalinks. */
  slack: webApi.WebClient;
  links: Links;
  logger: Logger;
}

export class RunQueries {
  private readonly d: RunQueryDeps;

  constructor(deps: RunQueryDeps) {
    this.d = deps;
  }

  /** The run, when Kestra knows it and it was started from this Slack team. */
  async findTeamRun(executionId: string, team: string): Promise<TeamRun | undefined> {
    const execution = await this.d.kestra.findExecution(executionId);
    if (!execution || execution.namespace !== this.d.kestra.namespace) return undefined;
    const ctx = contextOf(execution);
    if (!ctx || ctx.team !== team) return undefined;
    return { execution, ctx };
  }

  /**
   * The one rule for seeing a run's details (issue, repo, thread, PR, logs), so runs of private
   * channels stay private: the viewer asks from the run's own channel (whoever can type there can
   * read its thread), or is the run's requester, or an approver under the policy of the run's
   * channel. Policies are read once per channel per checker; an unreadable policy shows nothing.
   */
  visibility(viewer: Viewer): RunVisibility {
    const { settings, approvers, logger } = this.d;
    const approversByChannel = new Map<string, Promise<Policy["approvers"] | undefined>>();
    const approversOf = (channel: string) => {
      let found = approversByChannel.get(channel);
      if (!found) {
        found = settings.policy(channel).then(
          (policy) => policy.approvers,
          (err: unknown) => {
            logger.warn({ err, channel }, "cannot read the run channel's approvers; not shown");
            return undefined;
          },
        );
        approversByChannel.set(channel, found);
      }
      return found;
    };
    return async (ctx) => {
      if (ctx.team !== viewer.team) return false;
      if (viewer.channel !== undefined && viewer.channel === ctx.channel) return true;
      if (viewer.user === ctx.user) return true;
      const policy = await approversOf(ctx.channel);
      return policy !== undefined && approvers.canOperate(viewer.user, ctx.user, policy);
    };
  }

  /**
   * The run, when it is this team's and the viewer may see it; otherwise undefined, exactly like
   * an unknown id, so that a run's existence does not leak either.
   */
  async findVisibleRun(executionId: string, viewer: Viewer): Promise<TeamRun | undefined> {
    const run = await this.findTeamRun(executionId, viewer.team);
    if (!run || !(await this.visibility(viewer)(run.ctx))) return undefined;
    return run;
  }

  /**
   * The run a person named, when the viewer may see it: by id, or the issue's newest run. Unknown,
   * another team's and hidden runs alike are undefined, so a run's existence does not leak.
   */
  findRun(ref: RunRef, viewer: Viewer): Promise<TeamRun | undefined> {
    return ref.kind === "execution"
      ? this.findVisibleRun(ref.executionId, viewer)
      : this.newestVisibleRunFor(viewer, ref.issue);
  }

  /** The issue's newest run that the viewer may see, re-read in full (search results are light). */
  private async newestVisibleRunFor(viewer: Viewer, issue: IssueRef): Promise<TeamRun | undefined> {
    // The labels the starter set: runLabels in src/runs/context.ts.
    const { runs } = await this.scanVisibleRuns(
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
    return this.findVisibleRun(newest.execution.id, viewer);
  }

  /**
   * The team's runs matching `query` that the viewer may see, newest first: filter, then page.
   * The search is read in pages of `pageSize`, at most `maxPages` of them, and stops once
   * `enough` visible runs are found.
   */
  async scanVisibleRuns(
    viewer: Viewer,
    query: Omit<SearchQuery, "page" | "size">,
    bounds: { pageSize: number; maxPages: number; enough?: number },
  ): Promise<VisibleScan> {
    const visible = this.visibility(viewer);
    const seen = new Set<string>();
    const runs: TeamRun[] = [];
    let scanned = 0;
    for (let page = 1; page <= bounds.maxPages; page++) {
      const { results, total } = await this.d.kestra.searchExecutions({
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
  async searchTeamRuns(
    team: string,
    query: Omit<SearchQuery, "labels"> & { labels: Record<string, string> },
  ): Promise<{ runs: TeamRun[]; total: number }> {
    const { results, total } = await this.d.kestra.searchExecutions({
      ...query,
      labels: { ...query.labels, [LABELS.team]: team },
    });
    const full = await mapLimit(results, FAN_OUT, (light) => this.full(light));
    const runs: TeamRun[] = [];
    for (const execution of full) {
      const ctx = contextOf(execution);
      if (ctx && ctx.team === team) runs.push({ execution, ctx });
    }
    return { runs, total };
  }

  /**
   * Search answers ApiLightExecution (no task runs); the step, status and approval state need the
   * full execution. The light one stands in when the run is gone meanwhile.
   */
  async full(light: Execution): Promise<Execution> {
    return (await this.d.kestra.findExecution(light.id)) ?? light;
  }

  /** The run's facts with its Slack thread link and, when asked, its PR. */
  async describeRun(run: TeamRun, opts: { withPr: boolean }): Promise<RunFacts> {
    const { ctx } = run;
    const [{ view, prUrl }, threadUrl] = await Promise.all([
      opts.withPr
        ? this.viewWithPr(run.execution, ctx.repo)
        : this.d.views.view(run.execution).then((view) => ({ view, prUrl: undefined })),
      permalinkOf(this.d, ctx.channel, ctx.rootTs, ctx.threadTs),
    ]);
    return factsOf(run.execution, run.ctx, view, {
      kestraUrl: this.d.links.execution(run.execution.flowId, run.execution.id),
      now: Date.now(),
      ...(threadUrl ? { threadUrl } : {}),
      ...(prUrl ? { prUrl } : {}),
    });
  }

  /**
   * A run's view with its PR: a PR the bot no longer follows, nor this process's record of its
   * thread knows the end of, is asked of GitHub (the App Home, /autofix status).
   */
  async viewWithPr(
    execution: Execution,
    repo: string | undefined,
  ): Promise<{ view: RunView; prUrl: string | undefined }> {
    const first = await this.d.views.view(execution);
    const prUrl = await this.prUrl(execution, first, repo);
    const view =
      prUrl && first.status === "pr_opened"
        ? await this.d.views.view(execution, undefined, prUrl)
        : first;
    return { view, prUrl };
  }

  /**
   * The PR of a run its view says is pr_opened: the one the thread announced (when this process
   * knows it), else create_pr's output. Unreadable: no link, logged.
   */
  async prUrl(
    execution: Execution,
    view: RunView,
    repo: string | undefined,
  ): Promise<string | undefined> {
    if (!hasPr(view.status) || !view.createPr) return undefined;
    try {
      return await this.d.reader.prUrl(execution, view.createPr, repo);
    } catch (err) {
      this.d.logger.warn({ err, executionId: execution.id }, "cannot read the run's PR link");
      return undefined;
    }
  }
}
