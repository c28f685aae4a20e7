import type { MentionService } from "../../mentions/service.ts";
import { parseIssueUrl } from "../../shared/issue-url.ts";
import { parsePick, pickedNote } from "../../slack/blocks/mention-messages.ts";
import { failedOutcome, outcomeMessage, type TellDeps } from "../conversation/reply.ts";
import { type ButtonArgs, clickOf } from "./click.ts";

export interface PickIssueDeps extends TellDeps {
  mentions: MentionService;
}

/**
 * One of the issues a thread links, picked from the private picker: its run starts in that
 * thread, under the channel's policy checked again. The picker is replaced by what happened.
 */
export const pickIssueAction =
  (d: PickIssueDeps) =>
  async (args: ButtonArgs): Promise<void> => {
    await args.ack();
    const click = clickOf(args);
    const pick = parsePick(args.action.value);
    if (!click || !pick) return;
    const place = {
      team: args.body.team?.id ?? args.context.teamId ?? "",
      channel: click.channel,
      user: click.user,
      threadTs: pick.threadTs,
      askTs: pick.askTs,
    };
    let outcome: Awaited<ReturnType<MentionService["picked"]>>;
    try {
      outcome = await d.mentions.picked(place, pick.issueUrl);
    } catch (err) {
      outcome = await failedOutcome(d, err, `an issue picked in <#${click.channel}>`);
    }
    const parsed = parseIssueUrl(pick.issueUrl, d.webHost);
    const message =
      outcome.kind === "done" && parsed.ok
        ? pickedNote(parsed.issue)
        : outcomeMessage(outcome, d.webHost);
    if (!message) return;
    await args
      .respond({ replace_original: true, response_type: "ephemeral", ...message })
      .catch((err: unknown) => d.logger.warn({ err }, "cannot answer the picker"));
  };
