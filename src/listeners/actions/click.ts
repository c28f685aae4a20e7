import type {
  AllMiddlewareArgs,
  BlockAction,
  ButtonAction,
  SlackActionMiddlewareArgs,
  webApi,
} from "@slack/bolt";
import type { Logger } from "../../logger.ts";
import type { Click, ClickOutcome } from "../../runs/decisions.ts";
import type { Outages } from "../../runs/failure.ts";
import { tellPrivately } from "../../slack/ephemeral.ts";
import { userMessage } from "../../slack/error-messages.ts";
import { refusalText } from "../../slack/refusal-text.ts";

export type ButtonArgs = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs;

/** What every button click needs to answer the clicker. */
export interface ClickDeps {
  slack: webApi.WebClient;
  logger: Logger;
  /** A click that failed on Kestra being down is told to the admins too. */
  outages: Outages;
}

/** The run a button click is about, from the signed payload. */
export function clickOf(args: ButtonArgs): Click | undefined {
  const { body, action } = args;
  const container = (body.container ?? {}) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === "string" && v.length > 0 ? v : undefined);
  const channel = body.channel?.id ?? str(container["channel_id"]);
  const messageTs = body.message?.ts ?? str(container["message_ts"]);
  if (!action.value || !channel || !messageTs) return undefined;
  const threadTs = str(body.message?.["thread_ts"]) ?? str(container["thread_ts"]);
  return {
    executionId: action.value,
    user: body.user.id,
    userName: body.user.username ?? body.user.name,
    channel,
    messageTs,
    threadTs,
  };
}

/**
 * Acks at once, runs the click, and tells the clicker privately why it did nothing: run logic's
 * refusal, or the listener's own words (a button value that does not check out).
 */
export function clickHandler(d: ClickDeps, run: (click: Click) => Promise<ClickOutcome | string>) {
  return async (args: ButtonArgs): Promise<void> => {
    await args.ack();
    const click = clickOf(args);
    if (!click) return;
    let text: string | undefined;
    try {
      const outcome = await run(click);
      text = typeof outcome === "object" ? refusalText(outcome) : outcome;
    } catch (err) {
      d.logger.warn(
        { err, executionId: click.executionId, user: click.user },
        "click refused or failed",
      );
      await d.outages.outage(err, `a button click in <#${click.channel}>`);
      text = userMessage(err);
    }
    if (text) {
      await tellPrivately(
        d,
        { channel: click.channel, user: click.user, threadTs: click.threadTs },
        text,
      );
    }
  };
}
