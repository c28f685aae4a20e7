import type { IssueRef } from "../shared/issue-url.ts";

/** A run as a person names it: by its issue (the issue's newest run) or by Kestra's id. */
export type RunRef =
  | { kind: "execution"; executionId: string }
  | { kind: "issue"; issue: IssueRef };
