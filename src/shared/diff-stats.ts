import type { FileChange } from "../contracts/result.ts";

export interface DiffStats {
  files: FileChange[];
  additions: number;
  deletions: number;
}

/** Files and +/- lines of a `git diff` unified patch. Binary files count as changed with 0/0. */
export function diffStats(patch: string): DiffStats {
  const files: FileChange[] = [];
  let current: FileChange | undefined;
  let inHunk = false;
  for (const line of patch.split("\n")) {
    if (line.startsWith("diff --git ")) {
      const m = / b\/(.*)$/.exec(line);
      current = { path: m?.[1] ?? line.slice(11), additions: 0, deletions: 0 };
      files.push(current);
      inHunk = false;
      continue;
    }
    if (!current) continue;
    if (line.startsWith("@@")) {
      inHunk = true;
    } else if (!inHunk && line.startsWith("+++ ")) {
      const path = line.slice(4).replace(/^b\//, "");
      if (path !== "/dev/null") current.path = path;
    } else if (inHunk && line.startsWith("+")) {
      current.additions++;
    } else if (inHunk && line.startsWith("-")) {
      current.deletions++;
    }
  }
  return {
    files,
    additions: files.reduce((n, f) => n + f.additions, 0),
    deletions: files.reduce((n, f) => n + f.deletions, 0),
  };
}
