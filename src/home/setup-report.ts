import type { SetupCheckReport, TokenCheck } from "../contracts/setup-check.ts";
import type { SetupLine } from "../slack/blocks/home/model.ts";
import { escapeText } from "../slack/mrkdwn.ts";

// What setup-check's check.json means for a person, each failure with how to fix it.

const RESTART_KESTRA =
  "then run `scripts/make-env.sh` and `docker compose up -d kestra` so Kestra sees it";

export function reportLines(report: SetupCheckReport): SetupLine[] {
  const repo = report.repo === null ? undefined : escapeText(report.repo);
  const lines: SetupLine[] = [];
  if (!repo) {
    lines.push({
      ok: false,
      text: "No repository is configured, so the GitHub tokens were only checked for being set.",
      fix: "Set AUTOFIX_DEFAULT_REPO (or AUTOFIX_ALLOWED_REPOS) for the bot, then run the check again.",
    });
  }
  lines.push(
    tokenLine(report.readToken, repo, {
      name: "GitHub read token (`GITHUB_READ_TOKEN`, from `GITHUB_TOKEN` in .env)",
      env: "GITHUB_TOKEN",
      needs: "read access (Contents and Issues: read)",
      push: false,
    }),
    tokenLine(report.prToken, repo, {
      name: "GitHub PR token (`GITHUB_PR_TOKEN`)",
      env: "GITHUB_PR_TOKEN",
      needs: "Contents and Pull requests write access",
      push: true,
    }),
    report.llmKey.set
      ? { ok: true, text: "LLM key set (`OPENAI_API_KEY`)." }
      : {
          ok: false,
          text: "No LLM key: the coding agent cannot run.",
          fix: `Set OPENAI_API_KEY in .env, ${RESTART_KESTRA}.`,
        },
  );
  return lines;
}

function tokenLine(
  token: TokenCheck,
  repo: string | undefined,
  what: { name: string; env: string; needs: string; push: boolean },
): SetupLine {
  if (!token.set) {
    return {
      ok: false,
      text: `${what.name} is not set.`,
      fix: `Set ${what.env} in .env, ${RESTART_KESTRA}.`,
    };
  }
  if (!repo || token.valid === null) return { ok: true, text: `${what.name} is set (not tried).` };
  if (!token.valid) {
    return {
      ok: false,
      text: `GitHub refused the ${what.name}: it is invalid, expired or revoked.`,
      fix: `Create a new token with ${what.needs} on ${repo}, put it in ${what.env} in .env, ${RESTART_KESTRA}.`,
    };
  }
  if (!token.canRead) {
    return {
      ok: false,
      text: `The ${what.name} cannot read ${repo}.`,
      fix: `Give it ${what.needs} on ${repo} (or check the repository's name).`,
    };
  }
  if (what.push && !token.canPush) {
    return {
      ok: false,
      text: `The ${what.name} can read ${repo} but cannot push to it.`,
      fix: `Give it ${what.needs} on ${repo}.`,
    };
  }
  return {
    ok: true,
    text: `${what.name} valid: can read${what.push ? " and push to" : ""} ${repo}.`,
  };
}
