import { type ListDeps, listRuns } from "../../commands/list.ts";
import type { Logger } from "../../logger.ts";
import { decodeListPage } from "../../slack/blocks/run-list.ts";
import { userMessage } from "../../slack/error-messages.ts";
import type { ButtonArgs } from "./click.ts";

export interface ListPageDeps extends ListDeps {
  logger: Logger;
}

const STALE = "That button is out of date. Run `/autofix list` again.";

/**
 * Previous/Next under `/autofix list`: re-runs the search for the clicker's own team and channel
 * and replaces the ephemeral list through the click's response_url. The value only picks the
 * filter and the page, and is validated.
 */
export function listPageAction(d: ListPageDeps) {
  return async ({ ack, body, action, respond }: ButtonArgs): Promise<void> => {
    await ack();
    const wanted = decodeListPage(action.value ?? "");
    const container = (body.container ?? {}) as Record<string, unknown>;
    const channel =
      body.channel?.id ??
      (typeof container["channel_id"] === "string" ? container["channel_id"] : undefined);
    const team = body.team?.id ?? body.user.team_id;
    if (!wanted || !channel || !team) {
      await respond({ response_type: "ephemeral", replace_original: false, text: STALE });
      return;
    }
    try {
      const message = await listRuns(d, { team, channel, ...wanted });
      await respond({ replace_original: true, ...message });
    } catch (err) {
      d.logger.warn({ err, channel, user: body.user.id }, "list page failed");
      await respond({
        response_type: "ephemeral",
        replace_original: false,
        text: userMessage(err),
      }).catch((e: unknown) => d.logger.warn({ err: e }, "cannot answer through response_url"));
    }
  };
}
