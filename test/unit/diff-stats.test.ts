import { expect, it } from "vitest";
import { diffStats } from "../../src/shared/diff-stats.ts";

it("counts files and +/- lines, new, deleted, renamed and binary files included", () => {
  const patch = [
    "diff --git a/src/a.ts b/src/a.ts",
    "index 1..2 100644",
    "--- a/src/a.ts",
    "+++ b/src/a.ts",
    "@@ -1,3 +1,3 @@",
    " keep",
    "-old",
    "+new",
    "+--- not a header inside a hunk",
    "diff --git a/new.txt b/new.txt",
    "new file mode 100644",
    "--- /dev/null",
    "+++ b/new.txt",
    "@@ -0,0 +1 @@",
    "+hello",
    "diff --git a/gone.txt b/gone.txt",
    "deleted file mode 100644",
    "--- a/gone.txt",
    "+++ /dev/null",
    "@@ -1 +0,0 @@",
    "-bye",
    "diff --git a/img.png b/img.png",
    "Binary files a/img.png and b/img.png differ",
    "",
  ].join("\n");
  expect(diffStats(patch)).toEqual({
    files: [
      { path: "src/a.ts", additions: 2, deletions: 1 },
      { path: "new.txt", additions: 1, deletions: 0 },
      { path: "gone.txt", additions: 0, deletions: 1 },
      { path: "img.png", additions: 0, deletions: 0 },
    ],
    additions: 3,
    deletions: 2,
  });
  expect(diffStats("")).toEqual({ files: [], additions: 0, deletions: 0 });
});
