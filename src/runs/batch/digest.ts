import type { webApi } from "@slack/bolt";
import { z } from "zod";
import {
  BATCH_FILES,
  BATCH_INPUTS,
  BATCH_TASKS,
  LABELS,
  SINGLE_FLOW_ID,
  SINGLE_INPUTS,
} from "../../contracts/flow.ts";
import type { KestraClient } from "../../kestra/client.ts";
import { type Execution, isTerminal, labelValue } from "../../kestra/types.ts";
import type { Logger } from "../../logger.ts";
import type { SettingsStore } from "../../settings/settings-store.ts";
import {
  type DigestRow,
  digestMessage,
  type SkippedIssue,
} from "../../slack/blocks/digest-message.ts";
import { failureAlert, failureReply } from "../../slack/blocks/failure-message.ts";
import type { Background } from "../background.ts";
import { contextOf } from "../context.ts";
import type { KeyedLock } from "../keyed-lock.ts";
import type { Links } from "../links.ts";
import type { RunStore } from "../record.ts";
import type { RunStatus } from "../status.ts";

type WebClient = webApi.WebClient;

/** Slack allows chat.update about 50 times a minute (Tier 3); one digest update per window stays under it. */
export const DIGEST_WINDOW_MS = 1500;
const MAX_CHILDREN = 100;

const skippedSchema = z.array(
  z.looseObject({ number: z.number().int(), url: z.string(), reason: z.string() }),
);

export interface DigestDeps {
  kestra: KestraClient;
  store: RunStore;
  slack: WebClient;
  links: Links;
  lock: KeyedLock;
  settings: SettingsStore;
  background: Background;
  logger: Logger;
  windowMs?: number;
}

interface Pending {
  timer: NodeJS.Timeout | undefined;
  running: boolean;
  dirty: boolean;
}

export function batchStatus(execution: Execution): RunStatus {
  const state = execution.state.current;
  if (["CREATED", "QUEUED", "SUBMITTED"].includes(state)) return "queued";
  if (state === "FAILED") return "failed";
  if (state === "KILLED" || state === "CANCELLED") return "cancelled";
  if (isTerminal(state)) return "finished";
  return "running";
}

/**
 * The batch digest: the batch's root message, one row per child run. Child events only schedule a
 * refresh; refreshes of one batch are coalesced to one per window and always re-read Kestra, so a
 * burst of events yields one chat.update and the last one shows the final state.
 */
export class BatchDigest {
  private readonly d: DigestDeps;
  private readonly windowMs: number;
  private readonly pending = new Map<string, Pending>();

  constructor(deps: DigestDeps) {
    this.d = deps;
    this.windowMs = deps.windowMs ?? DIGEST_WINDOW_MS;
  }

  schedule(batchId: string): void {
    const p = this.pending.get(batchId) ?? { timer: undefined, running: false, dirty: false };
    this.pending.set(batchId, p);
    if (p.running) {
      p.dirty = true;
      return;
    }
    if (p.timer) return;
    p.timer = setTimeout(() => this.flush(batchId, p), this.windowMs);
  }

  /** Resolves once no refresh is scheduled or running (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.pending.size > 0) {
      await new Promise((r) => setTimeout(r, 20));
      await this.d.background.drain();
    }
  }

  stop(): void {
    for (const p of this.pending.values()) if (p.timer) clearTimeout(p.timer);
    this.pending.clear();
  }

  private flush(batchId: string, p: Pending): void {
    p.timer = undefined;
    p.running = true;
    this.d.background.run(`digest ${batchId}`, async () => {
      try {
        await this.d.lock.run(`batch:${batchId}`, () => this.refresh(batchId));
      } finally {
        p.running = false;
        if (p.dirty) {
          p.dirty = false;
          p.timer = setTimeout(() => this.flush(batchId, p), this.windowMs);
        } else {
          this.pending.delete(batchId);
        }
      }
    });
  }

  /** Re-renders the digest from Kestra; posts the batch's failure once. Public for the first render. */
  async refresh(batchId: string): Promise<void> {
    const execution = await this.d.kestra.findExecution(batchId);
    const ctx = execution ? contextOf(execution) : undefined;
    if (!execution || !ctx) return;
    const record = await this.d.store.get(batchId);
    const before = JSON.stringify(record);
    const kestraUrl = this.d.links.execution(execution.flowId, execution.id);
    const inputs = execution.inputs ?? {};
    const repo = labelValue(execution, LABELS.repo) ?? String(inputs[BATCH_INPUTS.repoUrl] ?? "");

    if (!record.skipped) {
      const skipped = await this.skipped(execution);
      if (skipped) record.skipped = skipped;
    }
    const rows = await this.rows(batchId);
    const status = batchStatus(execution);
    const message = digestMessage({
      repo,
      repoUrl: String(inputs[BATCH_INPUTS.repoUrl] ?? ""),
      labels: String(inputs[BATCH_INPUTS.issueLabels] ?? ""),
      max: Number(inputs[BATCH_INPUTS.maxIssues] ?? 0),
      prs: inputs[BATCH_INPUTS.createPrs] === true,
      requester: ctx.user,
      status,
      kestraUrl,
      rows,
      skipped: record.skipped ?? [],
    });
    const rendered = JSON.stringify(message);
    if (record.rootText !== rendered) {
      await this.d.slack.chat.update({ channel: ctx.channel, ts: ctx.rootTs, ...message });
      record.rootText = rendered;
      record.status = status;
    }
    if (status === "failed" && record.failureAttempt !== record.attempt) {
      // Recorded before the reply's outcome is known: a batch failure is reported at most once.
      record.failureAttempt = record.attempt;
      await this.d.store.put(batchId, record);
      await this.reportFailure(execution, ctx.channel, ctx.rootTs, ctx.user, repo, kestraUrl);
    }
    if (JSON.stringify(record) !== before) await this.d.store.put(batchId, record);
  }

  private async rows(batchId: string): Promise<DigestRow[]> {
    const { results } = await this.d.kestra.searchExecutions({
      flowId: SINGLE_FLOW_ID,
      labels: { [LABELS.batch]: batchId },
      size: MAX_CHILDREN,
    });
    // Oldest first, so rows keep their place as the batch goes on.
    const children = [...results].reverse();
    return Promise.all(
      children.map(async (child) => {
        const c = contextOf(child);
        const record = await this.d.store.get(child.id);
        const slug = c?.repo && c.issue ? `${c.repo}#${c.issue}` : child.id;
        const issueUrl = child.inputs?.[SINGLE_INPUTS.issueUrl];
        return {
          slug,
          issueUrl:
            typeof issueUrl === "string"
              ? issueUrl
              : this.d.links.execution(child.flowId, child.id),
          title: c?.title,
          // Search results are light (no task runs): the child's own sync records its status.
          status: (record.status as RunStatus | undefined) ?? batchStatus(child),
          kestraUrl: this.d.links.execution(child.flowId, child.id),
          prUrl: record.prUrl,
          durationMs: record.metrics?.durationMs,
          tokens: record.metrics?.tokens,
          costUsd: record.metrics?.costUsd,
        };
      }),
    );
  }

  /** The issues the batch skipped and why, once its `issues` task has run. */
  private async skipped(execution: Execution): Promise<SkippedIssue[] | undefined> {
    const task = execution.taskRunList.find((t) => t.taskId === BATCH_TASKS.issues);
    if (task?.state.current !== "SUCCESS") return undefined;
    try {
      const outputs = await this.d.kestra.taskRunOutputs(execution, task.id);
      const uri = (outputs as { outputFiles?: Record<string, unknown> }).outputFiles?.[
        BATCH_FILES.skipped
      ];
      if (typeof uri !== "string") return [];
      const raw = await this.d.kestra.downloadFile(execution.id, uri);
      const parsed = skippedSchema.safeParse(JSON.parse(raw.toString("utf8")));
      return parsed.success
        ? parsed.data.map((s) => ({ number: s.number, url: s.url, reason: s.reason }))
        : [];
    } catch (err) {
      this.d.logger.warn({ err, executionId: execution.id }, "cannot read the skipped issues");
      return undefined;
    }
  }

  private async reportFailure(
    execution: Execution,
    channel: string,
    rootTs: string,
    requester: string,
    repo: string,
    kestraUrl: string,
  ): Promise<void> {
    const failedTask = execution.taskRunList.find((t) => t.state.current === "FAILED")?.taskId;
    const logs = await this.d.kestra.errorLogs(execution.id, 8).catch(() => []);
    const excerpt =
      logs.map((l) => `${l.taskId ?? "-"}: ${l.message ?? ""}`).join("\n") || undefined;
    const input = {
      slug: `batch for ${repo}`,
      executionId: execution.id,
      failedTask,
      reason: undefined,
      logExcerpt: excerpt,
      kestraUrl,
      requester,
    };
    const reply = failureReply(input);
    await this.d.slack.chat.postMessage({ channel, thread_ts: rootTs, ...reply });
    const alertChannel = (await this.d.settings.policyOrDefaults(channel)).alertChannel;
    if (alertChannel) {
      const permalink = await this.d.slack.chat
        .getPermalink({ channel, message_ts: rootTs })
        .then((r) => r.permalink)
        .catch(() => undefined);
      await this.d.slack.chat
        .postMessage({
          channel: alertChannel,
          ...failureAlert({ ...input, ...(permalink ? { threadLink: permalink } : {}) }),
        })
        .catch((err: unknown) => this.d.logger.error({ err }, "cannot post the batch alert"));
    }
  }
}
