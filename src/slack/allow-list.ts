import { isRepoAllowed } from "../shared/allowed-repos.ts";
import type { IssueRef } from "../shared/issue-url.ts";
import { COMMAND } from "./ids.ts";

export function usageLine(webHost: string): string {
  return `Usage: \`${COMMAND} https://${webHost}/<owner>/<repo>/issues/<number>\` — or \`${COMMAND} help\`.`;
}

/** The allow-list check, separate from parsing because the list depends on the channel's settings. */
export function notAllowedMessage(
  issue: Pick<IssueRef, "owner" | "repo">,
  allowedRepos: readonly string[],
  webHost: string,
): string | undefined {
  if (isRepoAllowed(allowedRepos, issue.owner, issue.repo)) return undefined;
  return `${issue.owner}/${issue.repo} is not on this channel's allow-list (${allowedRepos.join(", ")}).\n${usageLine(webHost)}`;
}
