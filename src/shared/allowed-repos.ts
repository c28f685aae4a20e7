/** AUTOFIX_ALLOWED_REPOS matching: "owner/repo" or "owner/*", case-insensitive; empty allows all. */
export function isRepoAllowed(allowed: readonly string[], owner: string, repo: string): boolean {
  if (allowed.length === 0) return true;
  const o = owner.toLowerCase();
  const r = repo.toLowerCase();
  return allowed.some((entry) => {
    const [ao = "", ar = ""] = entry.toLowerCase().split("/");
    return ao === o && (ar === "*" || ar === r);
  });
}
