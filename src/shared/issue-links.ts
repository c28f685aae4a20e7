import { type IssueRef, issueUrl, parseIssueUrl } from "./issue-url.ts";

// Issue links in what people wrote in Slack. Slack sends links as <url> or <url|label>; bare URLs
// are read too, without trailing punctuation. Only links of the configured GitHub host count.

export interface IssueLinks {
  /** Every distinct issue, in the order first linked. */
  issues: IssueRef[];
  /** A pull request of that host was linked (Autofix fixes issues). */
  pullRequest: boolean;
}

const LINK = /<(https?:\/\/[^|>\s]+)(?:\|[^>]*)?>|(https?:\/\/[^\s<>|]+)/g;

export function issueLinks(text: string, webHost: string): IssueLinks {
  const issues: IssueRef[] = [];
  const seen = new Set<string>();
  let pullRequest = false;
  for (const m of text.matchAll(LINK)) {
    const url = m[1] ?? m[2]?.replace(/[.,;:!?)\]]+$/, "");
    if (!url) continue;
    let host: string;
    try {
      host = new URL(url).host.toLowerCase();
    } catch {
      continue;
    }
    if (host !== webHost) continue;
    const parsed = parseIssueUrl(url.replace(/#.*$/, ""), webHost);
    if (parsed.ok) {
      const key = issueUrl(parsed.issue).toLowerCase();
      if (!seen.has(key)) {
        seen.add(key);
        issues.push(parsed.issue);
      }
    } else if (/pull request/.test(parsed.reason)) {
      pullRequest = true;
    }
  }
  return { issues, pullRequest };
}
