import type { Logger } from "../logger.ts";
import { createOctokit, type GitHubOctokit, githubError } from "./octokit.ts";

// The bot's GitHub calls, on the project's one Octokit (octokit.ts).

export type GitHubClient = GitHubOctokit;

/** The bot's Octokit: retry and throttling; requests logged from hooks, never with the token. */
export function createGitHubClient(opts: {
  baseUrl: string;
  token: string | undefined;
  logger: Logger;
  retries?: number;
}): GitHubClient {
  return createOctokit({ ...opts, userAgent: "autofix-slack" });
}

export interface IssueInfo {
  title: string;
  state: string;
  isPullRequest: boolean;
}

/** Reads an issue; a failure is an UpstreamError("github", …). */
export async function getIssue(
  github: GitHubClient,
  ref: { owner: string; repo: string; number: number },
): Promise<IssueInfo> {
  try {
    const { data } = await github.rest.issues.get({
      owner: ref.owner,
      repo: ref.repo,
      issue_number: ref.number,
    });
    return { title: data.title, state: data.state, isPullRequest: Boolean(data.pull_request) };
  } catch (err) {
    throw githubError(err, `cannot read issue ${ref.owner}/${ref.repo}#${ref.number}`);
  }
}
