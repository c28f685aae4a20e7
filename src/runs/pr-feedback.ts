import type { GitHubOctokit } from "../github/octokit.ts";
import {
  type CheckRunInfo,
  type PullInfo,
  type PullRef,
  type ReviewInfo,
  readJobLog,
  readReviewComments,
} from "../github/pulls.ts";
import type { Logger } from "../logger.ts";

// What a follow-up run is told: the failed checks' names and the end of their logs, or the
// review's words and comments. It travels as the run's `feedback` input (Kestra, the agent's
// prompt), never into Slack.

/** The flow's feedback input and the agent's prompt take this much. */
export const MAX_FEEDBACK_CHARS = 12_000;
const MAX_CHECKS = 5;
const TAIL_LINES = 40;
const TAIL_CHARS = 2_500;
const MAX_COMMENTS = 30;

/** The last lines of a log, its timestamps and colour codes dropped. */
export function logTail(text: string, lines = TAIL_LINES, chars = TAIL_CHARS): string {
  const clean = text
    .replace(/\r/g, "")
    // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes in CI logs
    .replace(/\u001b\[[0-9;]*m/g, "")
    .split("\n")
    .map((l) => l.replace(/^\d{4}-\d\d-\d\dT[\d:.]+Z /, ""))
    .filter((l) => l.trim() !== "");
  const tail = clean.slice(-lines).join("\n");
  return tail.length > chars ? `…${tail.slice(-chars)}` : tail;
}

/** The failed checks of the PR's head commit, each with the end of its log or its output. */
export async function checksFeedback(
  gh: GitHubOctokit,
  ref: PullRef,
  pull: PullInfo,
  failed: readonly CheckRunInfo[],
  logger: Logger,
): Promise<string> {
  const parts = [
    `The checks of pull request #${ref.number} failed on its head commit ${pull.headSha.slice(0, 7)} (branch ${pull.headRef}). Fix what makes them fail.`,
  ];
  for (const check of failed.slice(0, MAX_CHECKS)) {
    parts.push("", `### ${check.name} (${check.conclusion ?? "failed"})`);
    if (check.url) parts.push(check.url);
    parts.push(await checkDetail(gh, ref, check, logger));
  }
  if (failed.length > MAX_CHECKS) {
    parts.push(
      "",
      `(${failed.length - MAX_CHECKS} more failed: ${failed
        .slice(MAX_CHECKS)
        .map((c) => c.name)
        .join(", ")})`,
    );
  }
  return cap(parts.join("\n"));
}

/** The job log for a GitHub Actions check (its id is the job's), else what the check reported. */
async function checkDetail(
  gh: GitHubOctokit,
  ref: PullRef,
  check: CheckRunInfo,
  logger: Logger,
): Promise<string> {
  let note = "";
  if (check.app === "github-actions") {
    try {
      const log = logTail(await readJobLog(gh, ref, check.id));
      if (log) return `End of its log:\n${log}`;
    } catch (err) {
      logger.warn({ err, check: check.name }, "cannot read a job log; using the check's output");
      note = "(its log cannot be read with the bot's token) ";
    }
  }
  const o = check.output;
  const text = [o.title, o.summary, o.text].filter((t) => t.trim() !== "").join("\n");
  return text ? `${note}What it reported:\n${logTail(text)}` : `${note}It reported no details.`;
}

/** A review that requested changes: its words and its comments on the code. */
export async function reviewFeedback(
  gh: GitHubOctokit,
  ref: PullRef,
  review: ReviewInfo,
): Promise<string> {
  const comments = await readReviewComments(gh, ref, review.id);
  const parts = [
    `${review.user} requested changes on pull request #${ref.number}. Make them.`,
    "",
    review.body.trim() || "(no summary)",
  ];
  if (comments.length > 0) parts.push("", "### Comments on the code");
  for (const c of comments.slice(0, MAX_COMMENTS)) {
    const where = c.line === undefined ? c.path : `${c.path}:${c.line}`;
    parts.push(`- ${where}: ${c.body.trim().slice(0, 1500)}`);
  }
  if (comments.length > MAX_COMMENTS) parts.push(`(${comments.length - MAX_COMMENTS} more)`);
  return cap(parts.join("\n"));
}

function cap(text: string): string {
  return text.length <= MAX_FEEDBACK_CHARS
    ? text
    : `${text.slice(0, MAX_FEEDBACK_CHARS - 14)}\n…(truncated)`;
}
