import type { SaidMessage, SlackConversations } from "../slack/conversation.ts";
import type { RunLock } from "./lock.ts";
import { KEYS } from "./record.ts";
import type { RunStarter, StartRequest, StartResult } from "./starter.ts";

// One run per thread: a run asked for in a person's thread (a mention, a picked link, a filed
// issue) starts there only if the thread follows no run yet; the check and the start hold the
// thread's lock, so two quick asks (or replicas) start one.

/** The run the thread's root follows and the root's ts; no run while its root is being posted. */
type ThreadRun = { run: string; rootTs: string } | { run: undefined };

/**
 * The run a thread follows, from the bot's posts in it: the newest root (the bot's root of an
 * /autofix thread, or its root reply in a person's thread). A post of the bot without metadata is
 * a root not yet brought up to date: every other post carries its identity.
 */
export function runOfThread(
  messages: readonly SaidMessage[],
  botUserId: string,
): ThreadRun | undefined {
  const ours = messages.filter((m) => m.user === botUserId);
  const root = ours.findLast((m) => m.meta?.key === KEYS.root);
  if (root?.meta) return { run: root.meta.run, rootTs: root.ts };
  return ours.some((m) => !m.meta) ? { run: undefined } : undefined;
}

export interface ThreadStarterDeps {
  lock: RunLock;
  conversations: SlackConversations;
  starter: RunStarter;
}

export class ThreadStarter {
  private readonly d: ThreadStarterDeps;
  constructor(deps: ThreadStarterDeps) {
    this.d = deps;
  }

  /** Starts the run in `req.threadTs`, unless that thread follows a run already. */
  start(req: StartRequest & { threadTs: string }): Promise<StartResult> {
    return this.d.lock.run(`slack-thread:${req.channel}:${req.threadTs}`, async () => {
      const [read, bot] = await Promise.all([
        this.d.conversations.thread(req.channel, req.threadTs),
        this.d.conversations.botUserId(),
      ]);
      if (runOfThread(read.messages, bot)) return { ok: false, refusal: { code: "thread_taken" } };
      return this.d.starter.start(req);
    });
  }
}
