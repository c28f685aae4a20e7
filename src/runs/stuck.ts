import type { KestraClient } from "../kestra/client.ts";
import type { Execution } from "../kestra/types.ts";
import type { Logger } from "../logger.ts";
import type { SettingsStore } from "../settings/settings-store.ts";
import { stuckAlert } from "../slack/blocks/stuck-alert.ts";
import type { SlackThreads } from "../slack/thread.ts";
import { contextOf } from "./context.ts";
import type { Links } from "./links.ts";
import type { RunLock } from "./lock.ts";
import type { RunRecords } from "./record.ts";
import { thread } from "./thread-sync.ts";

/** Moving states; PAUSED is left out on purpose: waiting for an approver is not being stuck. */
const MOVING = ["CREATED", "QUEUED", "SUBMITTED", "RUNNING", "RESTARTED", "RETRYING", "KILLING"];

export interface StuckDeps {
  kestra: KestraClient;
  threads: SlackThreads;
  records: RunRecords;
  settings: SettingsStore;
  links: Links;
  lock: RunLock;
  logger: Logger;
  stuckAfterMs: number;
  now?: () => number;
}

/**
 * One alert per state a run got stuck in (no change for stuckAfterMs), with Cancel and Retry.
 * It reads the runs the reconciler already searched. The alert carries its identity (run and
 * stuck state), so a restarted process or another replica finds it instead of raising it again.
 */
export class StuckDetector {
  private readonly d: StuckDeps;
  private readonly alerted = new Map<string, string>();
  constructor(deps: StuckDeps) {
    this.d = deps;
  }

  /** Checks light executions (no task runs); returns the number of alerts raised. */
  async check(runs: readonly Execution[]): Promise<number> {
    if (this.d.stuckAfterMs <= 0) return 0;
    const now = (this.d.now ?? Date.now)();
    let raised = 0;
    for (const light of runs) {
      if (!MOVING.includes(light.state.current)) continue;
      const since = lastChange(light);
      if (since === undefined || now - Date.parse(since) < this.d.stuckAfterMs) continue;
      if (this.alerted.get(light.id) === since || !contextOf(light)) continue;
      try {
        if (await this.alert(light.id, since, now)) raised++;
      } catch (err) {
        this.d.logger.warn({ err, executionId: light.id }, "cannot raise a stuck-run alert");
      }
    }
    return raised;
  }

  private alert(id: string, since: string, now: number): Promise<boolean> {
    return this.d.lock.run(id, async () => {
      if (this.alerted.get(id) === since) return false;
      const execution = await this.d.kestra.getExecution(id);
      const ctx = contextOf(execution);
      if (!ctx || lastChange(execution) !== since) return false;
      const policy = await this.d.settings.policyOrDefaults(ctx.channel);
      const threadLink = await this.d.threads.permalink(thread(ctx));
      const running = execution.taskRunList
        .filter((t) => !["SUCCESS", "SKIPPED"].includes(t.state.current))
        .at(-1);
      const message = stuckAlert({
        slug: ctx.slug,
        executionId: id,
        state: execution.state.current,
        step: running?.taskId,
        idleMs: now - Date.parse(since),
        requester: ctx.user,
        kestraUrl: this.d.links.execution(execution.flowId, id),
        threadLink,
      });
      // In the alerts channel when there is one, else in the run's own thread; once per stuck
      // state, also across restarts and replicas (the post's identity is looked for first).
      const meta = { run: id, key: `stuck:${since}` };
      if (policy.alertChannel) {
        if (await this.d.threads.hasPost(policy.alertChannel, ctx.rootTs, meta)) {
          this.alerted.set(id, since);
          return false;
        }
        await this.d.threads.post(policy.alertChannel, message, meta);
      } else {
        const record = await this.d.records.load(id, thread(ctx));
        if (record.has(meta.key)) {
          this.alerted.set(id, since);
          return false;
        }
        await this.d.threads.reply(thread(ctx), message, meta);
        record.mark(meta.key);
      }
      this.alerted.set(id, since);
      return true;
    });
  }
}

function lastChange(execution: Pick<Execution, "state">): string | undefined {
  return execution.state.histories.at(-1)?.date ?? execution.state.startDate ?? undefined;
}
