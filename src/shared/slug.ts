// The one way a run is named in messages: owner/repo#number; just the repository, or the given
// fallback (the execution id), when the issue is not known.

export function slugOf(
  repo: string | undefined,
  issue: string | number | undefined,
  fallback = "",
): string {
  if (repo && issue !== undefined && issue !== "") return `${repo}#${issue}`;
  return repo ?? fallback;
}
