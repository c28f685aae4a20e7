// Parsing of GitHub issue URLs typed by people. Shared by the bot and the worker.

import { slugOf } from "./slug.ts";

export interface IssueRef {
  host: string;
  owner: string;
  repo: string;
  number: number;
}

export type ParseResult = { ok: true; issue: IssueRef } | { ok: false; reason: string };

const OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;
const REPO = /^[A-Za-z0-9._-]{1,100}$/;
const MAX_URL_LENGTH = 500;

/**
 * The web host that matches a GitHub API URL: api.github.com → github.com, api.acme.ghe.com →
 * acme.ghe.com (GHE.com), and GitHub Enterprise Server (https://HOST/api/v3) keeps its host.
 */
export function webHostForApi(apiUrl: string): string {
  const host = new URL(apiUrl).host.toLowerCase();
  return host.startsWith("api.") ? host.slice(4) : host;
}

/** Slack may wrap links as <url> or <url|label>; take the url. */
export function unwrapSlackLink(text: string): string {
  const m = /^<([^|>]*)(?:\|[^>]*)?>$/.exec(text.trim());
  return m?.[1] ?? text.trim();
}

export function parseIssueUrl(input: string, webHost: string): ParseResult {
  const text = unwrapSlackLink(input);
  if (text.length === 0) return { ok: false, reason: "no issue URL was given" };
  if (text.length > MAX_URL_LENGTH) {
    return { ok: false, reason: `the URL is longer than ${MAX_URL_LENGTH} characters` };
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, reason: "it is not a URL" };
  }
  if (url.protocol !== "https:") return { ok: false, reason: "the URL must start with https://" };
  if (url.username || url.password) {
    return { ok: false, reason: "the URL must not contain credentials" };
  }
  if (url.host.toLowerCase() !== webHost) {
    return { ok: false, reason: `the host must be ${webHost}, not ${url.host}` };
  }
  if (url.search) return { ok: false, reason: "the URL must not have a query string" };
  const parts = url.pathname.replace(/\/$/, "").split("/").slice(1);
  const [owner = "", repo = "", kind = "", num = ""] = parts;
  if (kind === "pull" || kind === "pulls") {
    return { ok: false, reason: "that is a pull request, not an issue" };
  }
  if (parts.length !== 4 || kind !== "issues") {
    return { ok: false, reason: "the path must look like /<owner>/<repo>/issues/<number>" };
  }
  if (!OWNER.test(owner)) return { ok: false, reason: `"${owner}" is not a valid owner name` };
  if (!REPO.test(repo) || repo === "." || repo === "..") {
    return { ok: false, reason: `"${repo}" is not a valid repository name` };
  }
  if (!/^[1-9][0-9]{0,9}$/.test(num) || Number(num) > 2_147_483_647) {
    return { ok: false, reason: `"${num}" is not an issue number` };
  }
  return { ok: true, issue: { host: webHost, owner, repo, number: Number(num) } };
}

const HANDLE = /^([A-Za-z0-9][A-Za-z0-9-]{0,38})\/([A-Za-z0-9._-]{1,100})#([1-9][0-9]{0,9})$/;

/** "acme/api#42", as people write an issue in Slack: an issue of `webHost`. */
export function parseIssueHandle(text: string, webHost: string): IssueRef | undefined {
  const m = HANDLE.exec(text.trim());
  if (!m?.[1] || !m[2] || !m[3] || m[2] === "." || m[2] === "..") return undefined;
  const number = Number(m[3]);
  if (number > 2_147_483_647) return undefined;
  return { host: webHost, owner: m[1], repo: m[2], number };
}

/** An issue as typed: its handle (acme/api#42) or its URL. */
export function parseIssueRef(text: string, webHost: string): ParseResult {
  const handle = parseIssueHandle(text, webHost);
  return handle ? { ok: true, issue: handle } : parseIssueUrl(text, webHost);
}

export function issueUrl(ref: IssueRef): string {
  return `https://${ref.host}/${ref.owner}/${ref.repo}/issues/${ref.number}`;
}

export function repoUrl(ref: Pick<IssueRef, "host" | "owner" | "repo">): string {
  return `https://${ref.host}/${ref.owner}/${ref.repo}`;
}

/** "acme/api#42" */
export function issueSlug(ref: IssueRef): string {
  return slugOf(`${ref.owner}/${ref.repo}`, ref.number);
}

export type RepoParseResult =
  | { ok: true; repo: Pick<IssueRef, "host" | "owner" | "repo"> }
  | { ok: false; reason: string };

/** Accepts https://<host>/<owner>/<repo>[.git][/] and, when allowShort, "owner/repo". */
export function parseRepoUrl(input: string, webHost: string, allowShort = false): RepoParseResult {
  const text = unwrapSlackLink(input);
  if (allowShort && /^[^/\s:]+\/[^/\s]+$/.test(text)) {
    const [owner = "", repo = ""] = text.split("/");
    return checkRepo(webHost, owner, repo);
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, reason: "it is not a repository URL" };
  }
  if (url.protocol !== "https:") return { ok: false, reason: "the URL must start with https://" };
  if (url.host.toLowerCase() !== webHost) {
    return { ok: false, reason: `the host must be ${webHost}, not ${url.host}` };
  }
  if (url.search || url.hash || url.username || url.password) {
    return { ok: false, reason: "the URL must be a plain repository URL" };
  }
  const parts = url.pathname
    .replace(/\/$/, "")
    .replace(/\.git$/, "")
    .split("/")
    .slice(1);
  if (parts.length !== 2) return { ok: false, reason: "the path must look like /<owner>/<repo>" };
  return checkRepo(webHost, parts[0] ?? "", parts[1] ?? "");
}

function checkRepo(host: string, owner: string, repo: string): RepoParseResult {
  if (!OWNER.test(owner)) return { ok: false, reason: `"${owner}" is not a valid owner name` };
  if (!REPO.test(repo) || repo === "." || repo === "..") {
    return { ok: false, reason: `"${repo}" is not a valid repository name` };
  }
  return { ok: true, repo: { host, owner, repo } };
}
