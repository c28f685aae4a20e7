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

/** owner, repo and number of a pull-request link (a link pullRequestUrl accepted). */
export function pullRefOf(
  url: string,
): { owner: string; repo: string; number: number } | undefined {
  const m = /^https:\/\/[^/\s|<>]+\/([^/\s|<>]+)\/([^/\s|<>]+)\/pull\/(\d+)$/.exec(url);
  if (!m) return undefined;
  return { owner: m[1] ?? "", repo: m[2] ?? "", number: Number(m[3]) };
}
