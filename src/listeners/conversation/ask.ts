import type { Ask, MentionService } from "../../mentions/service.ts";
import type { EventClaims } from "../../runs/event-claims.ts";
import { failedOutcome, type TellDeps, tell } from "./reply.ts";

export interface AskDeps extends TellDeps {
  mentions: MentionService;
  claims: EventClaims;
}

/**
 * A message addressed to the bot, answered once: Slack's retries of its event (another replica's
 * included) find it claimed. Everything but the claim happens after Slack's ack.
 */
export async function answerAsk(d: AskDeps, ask: Ask, retryNum: number | undefined) {
  const where = { channel: ask.channel, user: ask.user, threadTs: ask.threadTs };
  let first: boolean;
  try {
    first = await d.claims.claim(`ask:${ask.channel}:${ask.ts}`);
  } catch (err) {
    await tell(d, where, await failedOutcome(d, err, `a mention in <#${ask.channel}>`));
    return;
  }
  if (!first) {
    d.logger.info(
      { channel: ask.channel, ts: ask.ts, retryNum },
      "ignored: this message was answered already (a retry, or another replica)",
    );
    return;
  }
  let outcome: Awaited<ReturnType<MentionService["handle"]>>;
  try {
    outcome = await d.mentions.handle(ask);
  } catch (err) {
    outcome = await failedOutcome(d, err, `a mention in <#${ask.channel}>`);
  }
  await tell(d, where, outcome);
}
