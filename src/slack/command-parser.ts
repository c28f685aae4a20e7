import { isRepoAllowed } from "../shared/allowed-repos.ts";
import { type IssueRef, parseIssueUrl } from "../shared/issue-url.ts";
import { COMMAND } from "./ids.ts";

export type ParsedCommand =
  | { kind: "help" }
  | { kind: "fix"; issue: IssueRef }
  | { kind: "error"; message: string };

const MAX_TEXT = 1000;

/** Parses `/autofix` text. Pure: no I/O, so bad input is answered in the ack itself. */
export function parseCommand(
  text: string,
  opts: { webHost: string; allowedRepos: readonly string[] },
): ParsedCommand {
  const trimmed = text.trim();
  if (trimmed === "" || /^(help|-h|--help|\?)$/i.test(trimmed)) return { kind: "help" };
  if (trimmed.length > MAX_TEXT) {
    return error(`That text is ${trimmed.length} characters long; send just one issue URL.`, opts);
  }
  const words = trimmed.split(/\s+/);
  const parsed = parseIssueUrl(words[0] ?? "", opts.webHost);
  if (!parsed.ok) return error(`That is not a GitHub issue URL: ${parsed.reason}.`, opts);
  if (words.length > 1) {
    return error("Send exactly one GitHub issue URL, with nothing else after it.", opts);
  }
  const { owner, repo } = parsed.issue;
  if (!isRepoAllowed(opts.allowedRepos, owner, repo)) {
    return error(
      `${owner}/${repo} is not on this workspace's allow-list (${opts.allowedRepos.join(", ")}).`,
      opts,
    );
  }
  return { kind: "fix", issue: parsed.issue };
}

function error(reason: string, opts: { webHost: string }): ParsedCommand {
  return {
    kind: "error",
    message: `${reason}\nUsage: \`${COMMAND} https://${opts.webHost}/<owner>/<repo>/issues/<number>\` — or \`${COMMAND} help\`.`,
  };
}
