import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from "@slack/bolt";
import type { Services } from "../../services.ts";
import { issueSlug } from "../../shared/issue-url.ts";
import { helpText } from "../../slack/blocks/help-message.ts";
import { notAllowedMessage, parseCommand } from "../../slack/command-parser.ts";
import { userMessage } from "../../slack/error-messages.ts";

type Args = SlackCommandMiddlewareArgs & AllMiddlewareArgs;

/** `/autofix <issue-url>` and `/autofix help`. Syntax is checked in the ack; anything needing I/O after it. */
export function autofixCommand(s: Services) {
  return async ({ command, ack, respond, context }: Args): Promise<void> => {
    if (context.retryNum !== undefined) {
      // The first delivery is already being handled (maybe by another replica): never start twice.
      await ack();
      s.logger.info(
        { retryNum: context.retryNum, reason: context.retryReason },
        "ignored Slack retry",
      );
      return;
    }
    const parsed = parseCommand(command.text, { webHost: s.webHost });
    if (parsed.kind === "help") {
      await ack({
        response_type: "ephemeral",
        text: helpText({ webHost: s.webHost, allowedRepos: s.config.policy.allowedRepos }),
      });
      return;
    }
    if (parsed.kind === "error") {
      await ack({ response_type: "ephemeral", text: parsed.message });
      return;
    }
    // The allow-list depends on the channel's settings (a Kestra read): check it after the ack.
    await ack();
    try {
      const policy = await s.settings.policy(command.channel_id);
      const refused = notAllowedMessage(parsed.issue, policy.allowedRepos, s.webHost);
      if (refused) {
        await respond({ response_type: "ephemeral", text: refused });
        return;
      }
      // Only informative: a failing response_url must not stop the run.
      await respond({
        response_type: "ephemeral",
        text: `Starting autofix for ${issueSlug(parsed.issue)}…`,
      }).catch((err: unknown) => s.logger.warn({ err }, "cannot answer through response_url"));
      const result = await s.starter.start({
        team: command.team_id,
        channel: command.channel_id,
        user: command.user_id,
        issue: parsed.issue,
      });
      if (!result.ok) await respond({ response_type: "ephemeral", text: result.message });
    } catch (err) {
      s.logger.error({ err }, "/autofix failed");
      await respond({ response_type: "ephemeral", text: userMessage(err) }).catch(() => {});
    }
  };
}
