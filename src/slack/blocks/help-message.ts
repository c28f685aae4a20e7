import { COMMAND } from "../ids.ts";

export function helpText(opts: { webHost: string; allowedRepos: string[] }): string {
  const repos =
    opts.allowedRepos.length > 0
      ? `Allowed repositories: ${opts.allowedRepos.map((r) => `\`${r}\``).join(", ")}.`
      : "Any repository the bot's GitHub token can read is allowed.";
  return [
    `*${COMMAND}* starts an AI fix for a GitHub issue and follows it in a thread.`,
    "",
    "*Usage*",
    `• \`${COMMAND} https://${opts.webHost}/<owner>/<repo>/issues/<number>\` — fix one issue`,
    `• \`${COMMAND} help\` — this message`,
    "",
    "*Example*",
    `\`${COMMAND} https://${opts.webHost}/acme/api/issues/42\``,
    "",
    "The bot posts a message here and keeps one thread per run: live status, the patch as a diff snippet, and an *Approve & create PR* button for approvers. Failures are reported in the thread with a *Retry* button.",
    repos,
  ].join("\n");
}
