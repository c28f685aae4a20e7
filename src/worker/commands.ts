import type { ParseArgsOptionsConfig } from "node:util";
import { DEFAULT_AGENT_TIMEOUT_S, DEFAULT_PROVIDER } from "./config.ts";
import { MAX_OVER_MAX_LISTED } from "./issues.ts";

// The CLI's commands: their options (for util.parseArgs) and their --help text.

export interface CommandSpec {
  name: "fix" | "pr" | "push" | "issues" | "check" | "file-issue";
  summary: string;
  usage: string;
  options: ParseArgsOptionsConfig;
  /** [flag, description] for each option. */
  optionHelp: [string, string][];
  /** Complete command lines, each runnable as shown. */
  examples: string[];
  notes: string[];
}

const help = { type: "boolean", short: "h" } as const;

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: "fix",
    summary: "Run the coding agent on an issue; write patch.diff, summary.md and result.json",
    usage:
      "autofix fix --issue <url> [--repo <url>] [--out <dir>] [--feedback-file <f>] [--previous-patch <f>] [--pr <n>] [--push] [--draft]",
    options: {
      issue: { type: "string" },
      repo: { type: "string" },
      out: { type: "string" },
      "feedback-file": { type: "string" },
      "previous-patch": { type: "string" },
      pr: { type: "string" },
      push: { type: "boolean" },
      draft: { type: "boolean" },
      help,
    },
    optionHelp: [
      ["--issue <url>", "the GitHub issue to fix (required)"],
      ["--repo <url>", "the repository to change, if not the issue's (URL or owner/repo)"],
      ["--out <dir>", "where to write patch.diff, summary.md, result.json, agent.log (default: .)"],
      ["--feedback-file <f>", "a reviewer's feedback on a previous attempt, given to the agent"],
      ["--previous-patch <f>", "the previous attempt's patch.diff, given to the agent as context"],
      [
        "--pr <n>",
        "a follow-up of this open PR: work on its branch; --feedback-file says what failed there",
      ],
      ["--push", "also open the pull request, as `autofix pr` does (needs GITHUB_TOKEN)"],
      ["--draft", "with --push, open it as a draft"],
    ],
    examples: [
      "autofix fix --issue https://github.com/acme/api/issues/42 --out ./out",
      "autofix fix --issue https://github.com/acme/api/issues/42 --push --draft",
      "autofix fix --issue https://github.com/acme/api/issues/42 --feedback-file feedback.txt --previous-patch previous.diff",
      "autofix fix --issue https://github.com/acme/api/issues/42 --pr 43 --feedback-file checks.txt --out ./out",
    ],
    notes: [
      "The repository is shallow-cloned into a temporary directory without credentials (a private",
      "repository uses GITHUB_TOKEN for that clone only, never stored in it). The agent never sees a",
      'GitHub token. Prints a Kestra outputs line: ::{"outputs":{"additions":…,"deletions":…,',
      '"files":…,"summary":…}}:: (plus pr_url, pr_number, pr_created with --push).',
      "A revision (--feedback-file, --previous-patch) starts again from the default branch: the",
      "previous patch is context for the agent, not applied. Empty files count as not given.",
      "With --pr <n> the agent works on that open PR's branch, which already holds a fix; the patch",
      "is made against the branch's head, printed as base_sha (and pr_branch) in the outputs line.",
    ],
  },
  {
    name: "pr",
    summary: "Open the pull request for a patch made by `autofix fix`",
    usage: "autofix pr --issue <url> --patch <file> [--summary <file>] [--repo <url>] [--draft]",
    options: {
      issue: { type: "string" },
      patch: { type: "string" },
      summary: { type: "string" },
      repo: { type: "string" },
      draft: { type: "boolean" },
      help,
    },
    optionHelp: [
      ["--issue <url>", "the issue the patch fixes (required)"],
      ["--patch <file>", "the patch.diff written by `autofix fix` (required)"],
      ["--summary <file>", "Markdown appended to the PR body (e.g. summary.md)"],
      ["--repo <url>", "the repository to open the PR on, if not the issue's"],
      ["--draft", "open the PR as a draft"],
    ],
    examples: [
      "autofix pr --issue https://github.com/acme/api/issues/42 --patch out/patch.diff --summary out/summary.md",
      "autofix pr --issue https://github.com/acme/api/issues/42 --patch out/patch.diff --draft",
    ],
    notes: [
      'Commits the patch on branch autofix/issue-<n> ("Fix #<n>: <title>"), pushes it with GITHUB_TOKEN',
      "and opens the PR against the default branch. If an open PR from that branch exists, prints it",
      'and changes nothing. Prints the PR URL, then ::{"outputs":{"pr_url":…,"pr_number":…}}::.',
    ],
  },
  {
    name: "push",
    summary: "Commit a follow-up patch on top of an open PR's branch and push it (no new PR)",
    usage:
      "autofix push --issue <url> --pr <n> --patch <file> [--base <sha>] [--summary <file>] [--repo <url>]",
    options: {
      issue: { type: "string" },
      pr: { type: "string" },
      patch: { type: "string" },
      base: { type: "string" },
      summary: { type: "string" },
      repo: { type: "string" },
      help,
    },
    optionHelp: [
      ["--issue <url>", "the issue the PR fixes (required)"],
      ["--pr <n>", "the open pull request whose branch gets the commit (required)"],
      ["--patch <file>", "the patch.diff written by `autofix fix --pr` (required)"],
      ["--base <sha>", "the branch head the patch was made on (fix's base_sha output)"],
      ["--summary <file>", "Markdown for the commit message body (e.g. summary.md)"],
      ["--repo <url>", "the repository of the PR, if not the issue's"],
    ],
    examples: [
      "autofix push --issue https://github.com/acme/api/issues/42 --pr 43 --patch out/patch.diff --base 1f2e3d4",
    ],
    notes: [
      "Needs GITHUB_TOKEN (it pushes). The commit goes on top of the PR's branch, without force. If the",
      "branch moved since --base, the patch is applied on its new head when it still applies (the",
      "outputs say rebased: true), else nothing is pushed and it says so. A PR that is merged or closed,",
      "or whose branch is on a fork the token cannot push to, is refused with the reason. Prints the",
      'PR URL, then ::{"outputs":{"pr_url":…,"pr_number":…,"pushed_sha":…,"rebased":…}}::.',
    ],
  },
  {
    name: "issues",
    summary: "List open issues to fix, as JSON [{number, title, url}]",
    usage:
      "autofix issues --repo <url> [--labels <a,b>] [--max <n>] [--skip-existing] [--skipped-out <file>] [--kestra]",
    options: {
      repo: { type: "string" },
      labels: { type: "string" },
      max: { type: "string" },
      "skip-existing": { type: "boolean" },
      "skipped-out": { type: "string" },
      kestra: { type: "boolean" },
      help,
    },
    optionHelp: [
      ["--repo <url>", "the repository (URL or owner/repo; required)"],
      ["--labels <a,b>", "only issues carrying all these labels"],
      ["--max <n>", "at most n issues, newest first (default 10, at most 100)"],
      ["--skip-existing", "leave out issues that already have an open PR from autofix/issue-<n>"],
      [
        "--skipped-out <file>",
        'write the issues left out as JSON [{number, title, url, reason, prUrl}], reason "open_pr" (prUrl: that PR) or "over_max"',
      ],
      ["--kestra", 'print ::{"outputs":{"issues":[…],"count":n}}:: instead of bare JSON'],
    ],
    examples: [
      "autofix issues --repo https://github.com/acme/api --labels bug --max 5",
      "autofix issues --repo acme/api --labels bug,autofix --max 3 --skip-existing",
      "autofix issues --repo acme/api --labels bug --max 3 --skip-existing --skipped-out skipped.json",
    ],
    notes: [
      "Pull requests are never listed, although GitHub's issues API returns them too.",
      `With --skipped-out, up to ${MAX_OVER_MAX_LISTED} issues beyond --max are read to list them as over_max.`,
    ],
  },
  {
    name: "file-issue",
    summary: "File a GitHub issue (title and a Markdown body), and print its URL",
    usage: "autofix file-issue --repo <url> --title <text> --body-file <file>",
    options: {
      repo: { type: "string" },
      title: { type: "string" },
      "body-file": { type: "string" },
      help,
    },
    optionHelp: [
      ["--repo <url>", "the repository (URL or owner/repo; required)"],
      ["--title <text>", "the issue's title (required, at most 256 characters)"],
      [
        "--body-file <file>",
        "the issue's body, Markdown (required; an empty file is an empty body)",
      ],
    ],
    examples: ["autofix file-issue --repo acme/api --title Crash --body-file body.md"],
    notes: [
      "Needs GITHUB_TOKEN with Issues: write on the repository (Kestra's file-issue flow passes its",
      'GITHUB_PR_TOKEN secret). Prints the issue URL, then ::{"outputs":{"issue_url":…,',
      '"issue_number":…}}::. The file-issue flow runs it to file an issue written from a Slack thread.',
    ],
  },
  {
    name: "check",
    summary: "Check the GitHub tokens and the LLM key; write a report of booleans as JSON",
    usage: "autofix check [--repo <url>] [--out <file>]",
    options: {
      repo: { type: "string" },
      out: { type: "string" },
      help,
    },
    optionHelp: [
      ["--repo <url>", "the repository to try the tokens on (URL or owner/repo)"],
      ["--out <file>", "where to write the report (default: check.json)"],
    ],
    examples: ["autofix check --repo acme/api --out check.json", "autofix check"],
    notes: [
      "GITHUB_READ_TOKEN and GITHUB_TOKEN (the PR token) are each tried with GET /repos/<owner>/<repo>:",
      '"valid" (GitHub did not answer 401), "canRead" (it answered the repository) and "canPush"',
      "(the repository's permissions.push for that token). Without --repo only whether each is set.",
      'The LLM key is "set" when OPENAI_API_KEY (or another provider key) is. The report is',
      '{"repo", "readToken", "prToken", "llmKey"}, booleans only: no secret is ever written.',
    ],
  },
];

export function commandSpec(name: string): CommandSpec | undefined {
  return COMMANDS.find((c) => c.name === name);
}

const ENVIRONMENT = [
  "GITHUB_TOKEN              token for the API and the push; required by pr, push, fix --push and file-issue",
  "GITHUB_READ_TOKEN         read-only token for reads and clones when GITHUB_TOKEN is unset",
  "GITHUB_WEB_URL            where issue URLs live when not derivable from GITHUB_API_URL",
  "GITHUB_API_URL            API base (default https://api.github.com; GHES: https://host/api/v3)",
  "AUTOFIX_AGENT_COMMAND     shell command run instead of Cline, in the clone, with the prompt in",
  "                          $AUTOFIX_PROMPT and the file $AUTOFIX_PROMPT_FILE; it may write",
  "                          {explanation, model, inputTokens, outputTokens, costUsd} to $AUTOFIX_RESULT_FILE",
  `AUTOFIX_PROVIDER          Cline provider id (default ${DEFAULT_PROVIDER})`,
  "AUTOFIX_MODEL             model id for the provider",
  "OPENAI_API_KEY            the provider's API key (given to the agent through its environment)",
  "OPENAI_BASE_URL           an OpenAI-compatible endpoint (OpenRouter, Cerebras, a local server…)",
  "AUTOFIX_CLINE_PATH        the cline executable (default: cline on PATH)",
  `AUTOFIX_AGENT_TIMEOUT     seconds before the agent and everything it started is killed (default ${DEFAULT_AGENT_TIMEOUT_S})`,
  "AUTOFIX_GIT_AUTHOR_NAME   commit author (default autofix-bot)",
  "AUTOFIX_GIT_AUTHOR_EMAIL  commit e-mail (default autofix-bot@users.noreply.github.com)",
  "AUTOFIX_CLONE_URL         clone/push URL template with {owner} and {repo}",
  "                          (default https://<web host>/{owner}/{repo}.git)",
  "AUTOFIX_LOG_LEVEL         silent (default), error, warn, info or debug; logs go to stderr",
];

export function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    "autofix: fix GitHub issues with a coding agent (the worker of autofix-slack's Kestra flows)",
    "",
    "Usage: autofix <command> [options]",
    "",
    "Commands:",
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    "Run `autofix <command> --help` for a command's options and examples.",
    "",
    "Environment:",
    ...ENVIRONMENT.map((l) => `  ${l}`),
    "",
    "Exit codes: 0 success, 1 operational failure, 2 usage or configuration error.",
    "",
  ].join("\n");
}

export function commandHelp(spec: CommandSpec): string {
  return [
    `${spec.summary}.`,
    "",
    `Usage: ${spec.usage}`,
    "",
    "Options:",
    ...formatOptions([...spec.optionHelp, ["-h, --help", "show this help"]]),
    "",
    ...spec.notes,
    "",
    "Examples:",
    ...spec.examples.map((e) => `  ${e}`),
    "",
    "See `autofix --help` for the environment variables.",
    "",
  ].join("\n");
}

function formatOptions(rows: [string, string][]): string[] {
  const width = Math.max(...rows.map(([flag]) => flag.length));
  return rows.map(([flag, text]) => `  ${flag.padEnd(width)}  ${text}`);
}
