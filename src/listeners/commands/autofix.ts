import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from "@slack/bolt";
import {
  type CommandDeps,
  findSubcommand,
  HELP_WORDS,
  SUBCOMMANDS,
} from "../../commands/registry.ts";
import { WorkQueue } from "../../shared/work-queue.ts";
import { helpText, unknownSubcommandText } from "../../slack/blocks/help-message.ts";
import { userMessage } from "../../slack/error-messages.ts";

type Args = SlackCommandMiddlewareArgs & AllMiddlewareArgs;

const MAX_TEXT = 1000;
/**
 * Commands that start runs do their work after the ack (the channel's settings, the first answer,
 * the start) two at a time: a burst of 50 must not crowd out the acks of its own later commands
 * (Slack drops a command not acked within 3 s). Status, list and the others are not held back.
 */
const START_COMMANDS_AT_ONCE = 2;

/** `/autofix …`: syntax is answered in the ack; the subcommand's I/O runs after it. */
export function autofixCommand(d: CommandDeps) {
  const starts = new WorkQueue(START_COMMANDS_AT_ONCE);
  return async ({ command, ack, respond, context }: Args): Promise<void> => {
    if (context.retryNum !== undefined) {
      // The first delivery is already being handled (maybe by another replica): never start twice.
      await ack();
      d.logger.info(
        { retryNum: context.retryNum, reason: context.retryReason },
        "ignored Slack retry",
      );
      return;
    }
    const text = command.text.trim();
    const words = text.split(/\s+/).filter((w) => w.length > 0);
    if (words.length === 0 || HELP_WORDS.includes(words[0]?.toLowerCase() ?? "")) {
      await ack({
        response_type: "ephemeral",
        text: helpText({
          webHost: d.webHost,
          allowedRepos: d.settings.defaultPolicy.allowedRepos,
          subcommands: SUBCOMMANDS,
        }),
      });
      return;
    }
    if (text.length > MAX_TEXT) {
      await ack({
        response_type: "ephemeral",
        text: `That text is ${text.length} characters long; send one command with its arguments.\nUsage: see \`/autofix help\`.`,
      });
      return;
    }
    const found = findSubcommand(words[0] ?? "");
    if (!found.ok) {
      await ack({ response_type: "ephemeral", text: unknownSubcommandText(found) });
      return;
    }
    const { sub } = found;
    const bound = sub.parseAndBind(sub.name === "" ? words : words.slice(1), {
      webHost: d.webHost,
    });
    if (!bound.ok) {
      await ack({ response_type: "ephemeral", text: `${bound.message} — or \`/autofix help\`.` });
      return;
    }
    await ack();
    const ctx = {
      team: command.team_id,
      channel: command.channel_id,
      user: command.user_id,
      triggerId: command.trigger_id,
      respond,
    };
    try {
      await (sub.starts ? starts.run(() => bound.run(d, ctx)) : bound.run(d, ctx));
    } catch (err) {
      d.logger.error({ err, subcommand: sub.name || "fix" }, "/autofix failed");
      // The admins first: the answer to the person is then the sign that both are done.
      await d.outages.outage(
        err,
        `\`/autofix ${sub.name || "<issue-url>"}\` in <#${command.channel_id}>`,
      );
      await respond({ response_type: "ephemeral", text: userMessage(err) }).catch((e: unknown) =>
        d.logger.warn({ err: e }, "cannot answer through response_url"),
      );
    }
  };
}
