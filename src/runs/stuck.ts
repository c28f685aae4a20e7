import type { webApi } from "@slack/bolt";
import { SINGLE_FLOW_ID } from "../contracts/flow.ts";
import type { KestraClient } from "../kestra/client.ts";
import type { Execution } from "../kestra/types.ts";
import type { Logger } from "../logger.ts";
import type { SettingsStore } from "../settings/settings-store.ts";
import { stuckAlert } from "../slack/blocks/stuck-alert.ts";
import { contextOf } from "./context.ts";
import type { KeyedLock } from "./keyed-lock.ts";
import type { Links } from "./links.ts";
import type { RunStore } from "./record.ts";

/** Moving states; PAUSED is left out on purpose: waiting for an approver is not being stuck. */
const MOVING = ["CREATED", "QUEUED", "SUBMITTED", "RUNNING", "RESTARTED", "RETRYING", "KILLING"];
const PAGE_SIZE = 50;
const MAX_PAGES = 5;

export interface StuckDeps {
  kestra: KestraClient;
  store: RunStore;
  slack: webApi.WebClient;
  settings: SettingsStore;
  links: Links;
  lock: KeyedLock;
  logger: Logger;
  stuckAfterMs: number;
  now?: () => number;
}

/** Raises one alert per state a run got stuck in (no change for stuckAfterMs), with Cancel/Retry. */
export class StuckDetector {
  private readonly d: StuckDeps;
  constructor(deps: StuckDeps) {
    this.d = deps;
  }

  async runOnce(): Promise<number> {
    if (this.d.stuckAfterMs <= 0) return 0;
    const now = (this.d.now ?? Date.now)();
    let raised = 0;
    for (let page = 1; page <= MAX_PAGES; page++) {
      const { results, total } = await this.d.kestra.searchExecutions({
        flowId: SINGLE_FLOW_ID,
        states: MOVING,
        page,
        size: PAGE_SIZE,
      });
      for (const light of results) {
        const since = lastChange(light);
        if (
          since === undefined ||
          now - Date.parse(since) < this.d.stuckAfterMs ||
          !contextOf(light)
        )
          continue;
        try {
          if (await this.alert(light.id, since, now)) raised++;
        } catch (err) {
          this.d.logger.warn({ err, executionId: light.id }, "cannot raise a stuck-run alert");
        }
      }
      if (page * PAGE_SIZE >= total || results.length === 0) break;
    }
    return raised;
  }

  private alert(id: string, since: string, now: number): Promise<boolean> {
    return this.d.lock.run(id, async () => {
      const record = await this.d.store.get(id);
      if (record.stuckAlertFor === since) return false;
      const execution = await this.d.kestra.getExecution(id);
      const ctx = contextOf(execution);
      if (!ctx || lastChange(execution) !== since) return false;
      const policy = await this.d.settings.policyOrDefaults(ctx.channel);
      const threadLink = await this.d.slack.chat
        .getPermalink({ channel: ctx.channel, message_ts: ctx.rootTs })
        .then((r) => r.permalink)
        .catch(() => undefined);
      const running = execution.taskRunList
        .filter((t) => !["SUCCESS", "SKIPPED"].includes(t.state.current))
        .at(-1);
      const message = stuckAlert({
        slug: ctx.repo && ctx.issue ? `${ctx.repo}#${ctx.issue}` : id,
        executionId: id,
        state: execution.state.current,
        step: running?.taskId,
        idleMs: now - Date.parse(since),
        requester: ctx.user,
        kestraUrl: this.d.links.execution(execution.flowId, id),
        threadLink,
      });
      // In the alerts channel when there is one, else in the run's own thread.
      await this.d.slack.chat.postMessage(
        policy.alertChannel
          ? { channel: policy.alertChannel, ...message }
          : { channel: ctx.channel, thread_ts: ctx.rootTs, ...message },
      );
      record.stuckAlertFor = since;
      await this.d.store.put(id, record);
      return true;
    });
  }
}

function lastChange(execution: Pick<Execution, "state">): string | undefined {
  return execution.state.histories.at(-1)?.date ?? execution.state.startDate ?? undefined;
}
