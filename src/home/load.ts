import type { webApi } from "@slack/bolt";
import { LABELS, SINGLE_FLOW_ID } from "../contracts/flow.ts";
import type { GitHubClient } from "../github/client.ts";
import type { KestraClient } from "../kestra/client.ts";
import type { Execution } from "../kestra/types.ts";
import type { Logger } from "../logger.ts";
import { contextOf } from "../runs/context.ts";
import type { Links } from "../runs/links.ts";
import type { RunQueries, RunVisibility, Viewer } from "../runs/queries.ts";
import type { Policy } from "../settings/channel-settings.ts";
import { REPO_PATTERN } from "../settings/channel-settings.ts";
import { issueUrl } from "../shared/issue-url.ts";
import { FAN_OUT, mapLimit } from "../shared/map-limit.ts";
import { clampPage, pageCount } from "../shared/paging.ts";
import {
  ISSUES_PER_PAGE,
  type IssueRow,
  type IssuesSection,
  type RepoNote,
  RUNS_PER_PAGE,
  type RunRow,
  type RunsSection,
} from "../slack/blocks/home/model.ts";
import { fixStatusOf } from "../slack/blocks/home/status.ts";
import { userMessage } from "../slack/error-messages.ts";
import { permalinkOf } from "../slack/permalinks.ts";

// Loads what the dashboard shows. Every Kestra listing is a filtered, paginated search.

export interface HomeLoadDeps {
  kestra: KestraClient;
  github: GitHubClient;
  queries: RunQueries;
  links: Links;
  /** Thread links (slack/permalinks.ts). */
  slack: webApi.WebClient;
  logger: Logger;
  webHost: string;
}

const ISSUE_CACHE_MS = 30_000;
/** Open issues read per repository (GitHub pages of 100); more are not listed. */
const MAX_ISSUE_PAGES = 3;

/** Runs read per search page while looking for those the viewer may see. */
const RUNS_SCAN_PAGE = 100;
/** At most this many of the team's newest runs are looked at per Home refresh. */
export const RUNS_SCAN_LIMIT = 300;

/**
 * Recent runs of the workspace that the viewer may see (requester, or approver of the run's
 * channel: RunQueries.visibility), newest first. The team's newest runs are filtered first and then
 * paged, so every page is full and the total counts only visible runs.
 */
export async function loadRuns(
  d: HomeLoadDeps,
  viewer: Viewer,
  page: number,
): Promise<RunsSection> {
  try {
    const scan = await d.queries.scanVisibleRuns(
      { team: viewer.team, user: viewer.user },
      { flowId: SINGLE_FLOW_ID },
      { pageSize: RUNS_SCAN_PAGE, maxPages: RUNS_SCAN_LIMIT / RUNS_SCAN_PAGE },
    );
    const total = scan.runs.length;
    const current = clampPage(page, total, RUNS_PER_PAGE);
    const slice = scan.runs.slice((current - 1) * RUNS_PER_PAGE, current * RUNS_PER_PAGE);
    const rows = await mapLimit(slice, FAN_OUT, (run) => runRow(d, run.execution));
    return {
      page: current,
      pageCount: pageCount(total, RUNS_PER_PAGE),
      total,
      rows: rows.filter((r): r is RunRow => r !== undefined),
      error: undefined,
      note: scan.complete
        ? undefined
        : `Only the workspace's ${scan.scanned} newest runs were searched; use \`/autofix list\` in a channel for its older runs.`,
    };
  } catch (err) {
    d.logger.warn({ err }, "home: cannot list runs");
    return { page: 1, pageCount: 1, total: 0, rows: [], error: userMessage(err) };
  }
}

async function runRow(d: HomeLoadDeps, light: Execution) {
  const ctx = contextOf(light);
  if (!ctx) return undefined;
  const execution = await d.queries.full(light);
  const { view, prUrl } = await d.queries.viewWithPr(execution, ctx.repo);
  return {
    executionId: execution.id,
    status: view.status,
    slug: ctx.slug,
    title: ctx.title,
    channel: ctx.channel,
    requester: ctx.user,
    startedAt: execution.state.startDate ?? undefined,
    kestraUrl: d.links.execution(SINGLE_FLOW_ID, execution.id),
    threadUrl: await permalinkOf(d, ctx.channel, ctx.rootTs, ctx.threadTs),
    prUrl,
  } satisfies RunRow;
}

/** The repositories the dashboard lists: a channel's (or the environment's) default and allow-list. */
export function dashboardRepos(policy: Policy): { repos: string[]; wildcards: string[] } {
  const seen = new Set<string>();
  const repos: string[] = [];
  for (const entry of [policy.defaultRepo, ...policy.allowedRepos]) {
    if (!entry || !REPO_PATTERN.test(entry) || seen.has(entry.toLowerCase())) continue;
    seen.add(entry.toLowerCase());
    repos.push(entry);
  }
  const wildcards = policy.allowedRepos.filter((e) => e.endsWith("/*"));
  return { repos, wildcards };
}

interface OpenIssue {
  repo: string;
  number: number;
  title: string;
  url: string;
}

/** Open issues (pull requests excluded) of the policy's repositories, one page of them with statuses. */
export async function loadIssues(
  d: HomeLoadDeps,
  policy: Policy,
  page: number,
  viewer: Viewer,
): Promise<IssuesSection> {
  const { repos, wildcards } = dashboardRepos(policy);
  const labels = policy.defaultLabels;
  const notes: RepoNote[] = wildcards.map((w) => ({
    repo: w,
    text: "every repository of this owner is allowed; start those runs with `/autofix <issue url>`",
  }));
  const all: OpenIssue[] = [];
  for (const repo of repos) {
    const listed = await openIssues(d, repo, labels);
    if (listed.ok) {
      all.push(...listed.issues);
      if (listed.more) {
        notes.push({
          repo,
          text: `only the ${listed.issues.length} newest open issues are listed`,
        });
      }
    } else {
      notes.push({ repo, text: listed.reason });
    }
  }
  const current = clampPage(page, all.length, ISSUES_PER_PAGE);
  const slice = all.slice((current - 1) * ISSUES_PER_PAGE, current * ISSUES_PER_PAGE);
  const visible = d.queries.visibility({ team: viewer.team, user: viewer.user });
  const rows = await mapLimit(slice, FAN_OUT, (issue) => issueRow(d, issue, viewer, visible));
  return {
    page: current,
    pageCount: pageCount(all.length, ISSUES_PER_PAGE),
    total: all.length,
    rows,
    notes,
    labels,
    repos,
  };
}

/**
 * The issue's fix status from its newest run of this team. Everyone sees the status (it tells
 * whether a fix is under way); the run's link only shows to those who may see the run.
 */
async function issueRow(
  d: HomeLoadDeps,
  issue: OpenIssue,
  viewer: Viewer,
  visible: RunVisibility,
): Promise<IssueRow> {
  const base = {
    repo: issue.repo,
    number: issue.number,
    title: issue.title,
    url: issue.url,
  };
  try {
    const { results } = await d.kestra.searchExecutions({
      flowId: SINGLE_FLOW_ID,
      labels: {
        [LABELS.team]: viewer.team,
        [LABELS.repo]: issue.repo,
        [LABELS.issue]: String(issue.number),
      },
      page: 1,
      size: 1,
    });
    const newest = results[0];
    if (!newest) {
      return { ...base, fix: "none", runStatus: undefined, runUrl: undefined, prUrl: undefined };
    }
    const execution = await d.queries.full(newest);
    const { view, prUrl } = await d.queries.viewWithPr(execution, issue.repo);
    const ctx = contextOf(newest);
    const shown = ctx !== undefined && (await visible(ctx));
    return {
      ...base,
      fix: fixStatusOf(view.status),
      runStatus: view.status,
      runUrl: shown ? d.links.execution(SINGLE_FLOW_ID, newest.id) : undefined,
      prUrl,
    };
  } catch (err) {
    d.logger.warn({ err, repo: issue.repo, issue: issue.number }, "home: cannot read fix status");
    return { ...base, fix: "unknown", runStatus: undefined, runUrl: undefined, prUrl: undefined };
  }
}

type Listed = { ok: true; issues: OpenIssue[]; more: boolean } | { ok: false; reason: string };

const issueCaches = new WeakMap<GitHubClient, Map<string, { value: Listed; until: number }>>();

async function openIssues(d: HomeLoadDeps, repo: string, labels: string[]): Promise<Listed> {
  let cache = issueCaches.get(d.github);
  if (!cache) {
    cache = new Map();
    issueCaches.set(d.github, cache);
  }
  const key = `${repo.toLowerCase()}|${labels.join(",")}`;
  const hit = cache.get(key);
  if (hit && hit.until > Date.now()) return hit.value;
  const value = await fetchOpenIssues(d, repo, labels);
  // Failures are not cached: the next refresh tries again.
  if (value.ok) cache.set(key, { value, until: Date.now() + ISSUE_CACHE_MS });
  return value;
}

async function fetchOpenIssues(d: HomeLoadDeps, repo: string, labels: string[]): Promise<Listed> {
  const [owner = "", name = ""] = repo.split("/");
  const issues: OpenIssue[] = [];
  try {
    let pages = 0;
    let more = false;
    const items = await d.github.paginate(
      d.github.rest.issues.listForRepo,
      {
        owner,
        repo: name,
        state: "open",
        ...(labels.length > 0 ? { labels: labels.join(",") } : {}),
        per_page: 100,
      },
      (response, done) => {
        pages += 1;
        if (pages >= MAX_ISSUE_PAGES) {
          more = /\brel="next"/.test(response.headers.link ?? "");
          done();
        }
        return response.data;
      },
    );
    for (const item of items) {
      // The issues API lists pull requests too.
      if (item.pull_request) continue;
      issues.push({
        repo,
        number: item.number,
        title: item.title,
        url: issueUrl({ host: d.webHost, owner, repo: name, number: item.number }),
      });
    }
    return { ok: true, issues, more };
  } catch (err) {
    const status = (err as { status?: unknown }).status;
    d.logger.warn({ repo, status }, "home: cannot list issues");
    return {
      ok: false,
      reason:
        status === 404
          ? "GitHub says the repository does not exist, or the bot's token cannot see it"
          : `GitHub refused to list its issues (${typeof status === "number" ? status : "no answer"})`,
    };
  }
}
