import { COMMAND } from "../ids.ts";
import { escapeText } from "../mrkdwn.ts";

/** What help says of one subcommand. */
export interface HelpEntry {
  usage: string;
  summary: string;
  examples: string[];
}

/** `/autofix help`, generated from the subcommand registry so it never drifts from the code. */
export function helpText(opts: {
  webHost: string;
  allowedRepos: string[];
  subcommands: readonly HelpEntry[];
}): string {
  const host = (text: string) => text.replaceAll("github.com", opts.webHost);
  const repos =
    opts.allowedRepos.length > 0
      ? `Allowed repositories: ${opts.allowedRepos.map((r) => `\`${r}\``).join(", ")} (channel settings may differ).`
      : "Any repository the bot's GitHub token can read is allowed.";
  return [
    `*${COMMAND}* runs an AI fix for GitHub issues on Kestra and follows each run in a thread: live status, the patch as a diff snippet, and *Approve & create PR* for approvers.`,
    "",
    "*Commands*",
    ...opts.subcommands.map((c) => `• \`${host(c.usage)}\` — ${c.summary}`),
    `• \`${COMMAND} help\` — this message`,
    "",
    "*Examples*",
    ...opts.subcommands.flatMap((c) => c.examples.map((e) => `\`${host(e)}\``)),
    "",
    "*Or mention me* where the bug is discussed: `@autofix <issue-url>`, `@autofix` in a thread that links an issue, `@autofix fix this` in a thread without one (I offer to file it), `@autofix <what to change>` in a run's thread. `@autofix help` says more.",
    "",
    repos,
  ].join("\n");
}

/** "Unknown subcommand `stats` — did you mean `status`?" */
export function unknownSubcommandText(opts: {
  word: string;
  suggestion: string | undefined;
  names: string[];
}): string {
  const word = `\`${escapeText(opts.word.slice(0, 40))}\``;
  if (opts.suggestion) {
    return `Unknown subcommand ${word} — did you mean \`${opts.suggestion}\`? (\`${COMMAND} help\` lists them all.)`;
  }
  const names = opts.names.map((n) => `\`${n}\``).join(", ");
  return `Unknown subcommand ${word}. The subcommands are ${names}; to fix an issue, give its URL or acme/api#42.`;
}
