// The one check of a pull-request link: https://<host>/<owner>/<repo>/pull/<n>, of the run's own
// repository when it is known. Anything else (a Kestra URL, another repo) is never shown as the PR.

const PR_URL = /^https:\/\/[^/\s|<>]+\/([^/\s|<>]+\/[^/\s|<>]+)\/pull\/\d+$/;

export function pullRequestUrl(value: unknown, repo: string | undefined): string | undefined {
  if (typeof value !== "string") return undefined;
  const match = PR_URL.exec(value);
  if (!match) return undefined;
  if (repo && match[1]?.toLowerCase() !== repo.toLowerCase()) return undefined;
  return value;
}
