import { isTransient, UpstreamError } from "../errors.ts";
import type { Logger } from "../logger.ts";
import type { SlackThreads } from "../slack/thread.ts";
import type { RunRecord } from "./record.ts";
import type { RunView } from "./status.ts";
import { type RunState, thread } from "./thread-sync.ts";

// The status of a run, as reactions on the message that asked for it (a mention, a DM): 👀 once it
// started, ✅ once its PR opened (or its patch is ready where no PR follows), ❌ when it failed.
// Each is made once per run, recorded like a post (the journal with replicas); Slack's
// already_reacted after a restart counts as done.

export const REACTIONS = { started: "eyes", done: "white_check_mark", failed: "x" } as const;

/** What the run's status calls for on the asking message. */
export function reactionsFor(view: RunView, record: RunRecord): string[] {
  const names: string[] = [REACTIONS.started];
  const patchOnly = view.mode === "dry-run" || view.mode === "patch-only";
  if (view.status === "pr_opened" || (patchOnly && view.patchAvailable && !record.emptyPatch)) {
    names.push(REACTIONS.done);
  }
  if (view.status === "failed") names.push(REACTIONS.failed);
  return names;
}

export const reactionKey = (name: string) => `reaction:${name}`;

export interface RunReactionsDeps {
  threads: SlackThreads;
  logger: Logger;
  /** A reaction Slack refuses for good (a missing scope) is told to the admins. */
  alert: (key: string, headline: string, detail: string) => Promise<void>;
}

export class RunReactions {
  private readonly d: RunReactionsDeps;
  constructor(deps: RunReactionsDeps) {
    this.d = deps;
  }

  /** Under the run's lock, after its thread is up to date. */
  async sync(s: RunState): Promise<void> {
    const ask = s.ctx.askTs;
    if (!ask || s.ctx.batch) return;
    for (const name of reactionsFor(s.view, s.record)) {
      const key = reactionKey(name);
      if (s.record.has(key)) continue;
      try {
        await this.d.threads.react(thread(s.ctx), ask, name, { run: s.execution.id, key });
      } catch (err) {
        if (isTransient(err) || !(err instanceof UpstreamError)) throw err;
        // A deleted message, a missing scope: the thread still says everything.
        this.d.logger.warn({ err, executionId: s.execution.id, name }, "cannot react");
        if (err.kind !== "not_found") {
          await this.d.alert(
            `reaction:${err.code}`,
            "the bot cannot add its status reactions",
            `${err.message}. Reinstall the app from the manifest (scope reactions:write).`,
          );
        }
      }
      s.record.mark(key);
    }
  }
}
