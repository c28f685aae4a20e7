import { isRepoAllowed } from "../shared/allowed-repos.ts";
import { type IssueRef, parseIssueUrl } from "../shared/issue-url.ts";
import { COMMAND } from "./ids.ts";

export type ParsedCommand =
  | { kind: "help" }
  | { kind: "fix"; issue: IssueRef }
  | { kind: "error"; message: string };

const MAX_TEXT = 1000;

/** Parses `/autofix` text. Pure: no I/O, so bad input is answered in the ack itself. */
export function parseCommand(text: string, opts: { webHost: string }): ParsedCommand {
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
  return { kind: "fix", issue: parsed.issue };
}

function error(reason: string, opts: { webHost: string }): ParsedCommand {
  return { kind: "error", message: `${reason}\n${usageLine(opts.webHost)}` };
}

export function usageLine(webHost: string): string {
  return `Usage: \`${COMMAND} https://${webHost}/<owner>/<repo>/issues/<number>\` — or \`${COMMAND} help\`.`;
}

/** The allow-list check, separate because the list depends on the channel's settings. */
export function notAllowedMessage(
  issue: IssueRef,
  allowedRepos: readonly string[],
  webHost: string,
): string | undefined {
  if (isRepoAllowed(allowedRepos, issue.owner, issue.repo)) return undefined;
  return `${issue.owner}/${issue.repo} is not on this channel's allow-list (${allowedRepos.join(", ")}).\n${usageLine(webHost)}`;
}
