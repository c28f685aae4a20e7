import { InputError, NotAuthorizedError } from "../errors.ts";
import type { FollowUpKind, FollowUps } from "../runs/follow-up.ts";
import type { RunRevisions } from "../runs/revise.ts";
import type { Refusal } from "../shared/refusal.ts";
import { REFUSALS } from "../slack/blocks/mention-messages.ts";
import { MAX_FEEDBACK_CHARS } from "../slack/blocks/revise-modal.ts";

// `@autofix …` in a run's thread is a reply to that run. Each intent says whether it takes the
// reply; the first that does handles it. Revise takes whatever no other intent took, so it goes
// last.

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
  /** The run's root message. */
  rootTs: string;
}

/** What the person is told privately (words, or a refusal); undefined when the thread says it. */
export type ReplyOutcome = string | Refusal | undefined;

/** A refusal (not allowed, nothing to do) is the person's answer, not a failure. */
async function answered(work: () => Promise<ReplyOutcome>): Promise<ReplyOutcome> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof InputError || err instanceof NotAuthorizedError) return err.message;
    throw err;
  }
}

/** `fix CI`, `fix the checks`, `fix the failing checks`, `address the review`. */
function followUpKindOf(words: string): FollowUpKind | undefined {
  const w = words
    .trim()
    .toLowerCase()
    .replace(/[.!]+$/, "");
  if (/^fix (the )?(ci|checks|failing checks|build)$/.test(w)) return "checks";
  if (/^address (the )?(review|review comments)$/.test(w)) return "review";
  return undefined;
}

/**
 * What the buttons under a followed PR's red checks or changes-requested review do, typed in the
 * thread: Fix the failing checks / Address the review of the thread's open PR.
 */
export function followUpIntent(followUps: FollowUps): ReplyIntent {
  return {
    name: "follow-up",
    takes: (words) => followUpKindOf(words) !== undefined,
    handle: (reply) =>
      answered(() =>
        followUps.fromThread(
          { channel: reply.channel, rootTs: reply.rootTs, threadTs: reply.threadTs },
          reply.user,
          followUpKindOf(reply.words) as FollowUpKind,
        ),
      ),
  };
}

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
    handle: (reply) =>
      answered(async () => {
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
        return revisions.submit(
          target,
          { user: reply.user, userName: undefined },
          reply.words,
          reply.ts,
        );
      }),
  };
}
