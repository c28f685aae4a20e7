import type { Harness } from "../test/support/harness.ts";

let issueNumber = 1000;

/** A fresh issue per run: the bot allows one live run per issue. */
export function nextIssue(h: Harness): string {
  issueNumber += 1;
  h.github.addIssue("acme", "api", { number: issueNumber, title: `Bench issue ${issueNumber}` });
  return `https://github.com/acme/api/issues/${issueNumber}`;
}
