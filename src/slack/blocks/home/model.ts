import type { RunStatus } from "../../../shared/run-status.ts";

// What the App Home dashboard shows: src/home loads it from Kestra and GitHub, the builders
// here turn it into blocks without I/O.

/** Runs and issues shown per page: small enough that any page stays far below 100 blocks. */
export const RUNS_PER_PAGE = 10;
/** Also the most issues one "Fix selected" starts. */
export const ISSUES_PER_PAGE = 10;

/** Which page of each list the dashboard shows, and the channel new runs go to. */
export interface HomeNav {
  runsPage: number;
  issuesPage: number;
  channel: string | undefined;
}

export const FIRST_PAGES: HomeNav = { runsPage: 1, issuesPage: 1, channel: undefined };

export interface RunRow {
  executionId: string;
  status: RunStatus;
  /** "acme/api#42", or the execution id for runs without issue labels. */
  slug: string;
  title: string | undefined;
  channel: string;
  requester: string;
  startedAt: string | undefined;
  kestraUrl: string;
  threadUrl: string | undefined;
  prUrl: string | undefined;
}

/** The dashboard's run groups, in display order. */
export type RunGroup = "awaiting" | "active" | "failed" | "stopped" | "done";

/** The runs the viewer may see (their own, and those of channels they approve in). */
export interface RunsSection {
  page: number;
  pageCount: number;
  total: number;
  rows: RunRow[];
  error: string | undefined;
  /** Said under the list, e.g. when only the newest runs were searched. */
  note?: string | undefined;
}

/** Fix status of an issue: its newest run, if any. */
export type FixStatus =
  | "none"
  | "running"
  | "awaiting_approval"
  | "pr_open"
  | "pr_merged"
  | "pr_closed"
  | "failed"
  | "ended"
  | "unknown";

export interface IssueRow {
  repo: string;
  number: number;
  title: string;
  url: string;
  fix: FixStatus;
  /** The newest run's status text and link, when there is a run. */
  runStatus: RunStatus | undefined;
  runUrl: string | undefined;
  prUrl: string | undefined;
}

export interface RepoNote {
  repo: string;
  text: string;
}

export interface IssuesSection {
  page: number;
  pageCount: number;
  total: number;
  rows: IssueRow[];
  /** Repositories that are listed but could not be read, or cannot be enumerated (owner/*). */
  notes: RepoNote[];
  labels: string[];
  repos: string[];
}

export interface HomeNotice {
  kind: "info" | "error";
  text: string;
}

/** One line of the setup check: ✅, ❌, or ⏳ while not known yet; a failed one says how to fix it. */
export interface SetupLine {
  ok: boolean | "pending";
  /** mrkdwn, composed by the bot (untrusted parts escaped where it is made). */
  text: string;
  fix?: string;
}

/** The admins' setup check: what the bot checks itself, then what the newest setup-check run reported. */
export interface SetupSection {
  live: SetupLine[];
  report: {
    /** "Not run yet", "Running", or when it ran, with its Kestra link (mrkdwn). */
    heading: string;
    lines: SetupLine[];
  };
}

export interface HomeModel {
  nav: HomeNav;
  notice: HomeNotice | undefined;
  runs: RunsSection;
  issues: IssuesSection;
  /** Only for workspace admins and owners. */
  setup?: SetupSection | undefined;
}
