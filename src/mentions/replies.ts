import { InputError, NotAuthorizedError } from "../errors.ts";
import type { RunRevisions } from "../runs/revise.ts";
import { REFUSALS } from "../slack/blocks/mention-messages.ts";
import { MAX_FEEDBACK_CHARS } from "../slack/blocks/revise-modal.ts";

// `@autofix …` in a run's thread is a reply to that run. Each intent says whether it takes the
// reply; the first that does handles it. Revise takes whatever no other intent took, so a new
// intent (e.g. "fix CI") goes before it.

export interface ThreadReply {
  team: string;
  channel: string;
  user: string;
  /** The reply (it mentions the bot): the run it starts gets its reactions. */
  ts: string;
  threadTs: string;
  /** The reply's text without the bot's mention. */
  words: string;
  /** The run the thread follows (its root's). */
  run: string;
}

/** What the person is told privately; undefined when the thread itself says it. */
export type ReplyOutcome = string | undefined;

export interface ReplyIntent {
  readonly name: string;
  takes(words: string): boolean;
  handle(reply: ThreadReply): Promise<ReplyOutcome>;
}

export class ReplyDispatcher {
  private readonly intents: readonly ReplyIntent[];
  constructor(intents: readonly ReplyIntent[]) {
    this.intents = intents;
  }

  dispatch(reply: ThreadReply): Promise<ReplyOutcome> {
    const intent = this.intents.find((i) => i.takes(reply.words));
    if (!intent) throw new InputError("I do not know what to do with that reply.");
    return intent.handle(reply);
  }
}

/**
 * Revise with the reply as feedback, as the Revise button does: requester and approvers only, the
 * waiting run resumed with approved=false, a new run in the same thread.
 */
export function reviseIntent(revisions: RunRevisions): ReplyIntent {
  return {
    name: "revise",
    takes: () => true,
    async handle(reply) {
      if (reply.words === "") return REFUSALS.emptyFeedback;
      if (reply.words.length > MAX_FEEDBACK_CHARS) {
        return `Keep the feedback under ${MAX_FEEDBACK_CHARS} characters (this is ${reply.words.length}).`;
      }
      const target = {
        executionId: reply.run,
        channel: reply.channel,
        messageTs: reply.ts,
        threadTs: reply.threadTs,
      };
      try {
        return await revisions.submit(
          target,
          { user: reply.user, userName: undefined },
          reply.words,
          reply.ts,
        );
      } catch (err) {
        // A refusal (not allowed, nothing to revise) is the person's answer, not a failure.
        if (err instanceof InputError || err instanceof NotAuthorizedError) return err.message;
        throw err;
      }
    },
  };
}
