import type { Logger } from "../logger.ts";
import type { RunStarter } from "../runs/starter.ts";
import type { SettingsStore } from "../settings/settings-store.ts";
import { type IssueRef, issueSlug, parseIssueRef } from "../shared/issue-url.ts";
import { notAllowedMessage } from "../slack/allow-list.ts";
import { COMMAND } from "../slack/ids.ts";
import { refusalText } from "../slack/refusal-text.ts";
import { modelArg } from "./model-arg.ts";
import { subcommand } from "./types.ts";

export interface FixDeps {
  settings: SettingsStore;
  starter: RunStarter;
  logger: Logger;
  webHost: string;
}

/** `/autofix <issue-url>`: one run for one issue. */
export const fixCommand = subcommand<{ issue: IssueRef; model: string | undefined }, FixDeps>({
  name: "",
  starts: true,
  usage: `${COMMAND} <issue-url | owner/repo#number> [model:<id>]`,
  summary: "fix one issue; the run is followed in a thread",
  examples: [
    `${COMMAND} https://github.com/acme/api/issues/42`,
    `${COMMAND} acme/api#42 model:gpt-4.1`,
  ],
  parse(words, { webHost }) {
    const parsed = parseIssueRef(words[0] ?? "", webHost);
    if (!parsed.ok)
      return { ok: false, message: `That is not a GitHub issue URL: ${parsed.reason}.` };
    let model: string | undefined;
    for (const word of words.slice(1)) {
      const m = modelArg(word);
      if (!m || model !== undefined) {
        return {
          ok: false,
          message: "Send exactly one GitHub issue, with nothing else after it but model:<id>.",
        };
      }
      if (!m.ok) return m;
      model = m.model;
    }
    return { ok: true, args: { issue: parsed.issue, model } };
  },
  async run(d, ctx, { issue, model }) {
    // The allow-list depends on the channel's settings (a Kestra read), so it is checked here.
    const policy = await d.settings.policy(ctx.channel);
    const refused = notAllowedMessage(issue, policy.allowedRepos, d.webHost);
    if (refused) {
      await ctx.respond({ response_type: "ephemeral", text: refused });
      return;
    }
    // Only informative: a failing response_url must not stop the run.
    await ctx
      .respond({ response_type: "ephemeral", text: `Starting autofix for ${issueSlug(issue)}…` })
      .catch((err: unknown) => d.logger.warn({ err }, "cannot answer through response_url"));
    const result = await d.starter.start({
      team: ctx.team,
      channel: ctx.channel,
      user: ctx.user,
      issue,
      model,
    });
    if (!result.ok) {
      await ctx.respond({ response_type: "ephemeral", text: refusalText(result.refusal) });
    }
  },
});
