import { z } from "zod";
import {
  BATCH_FILES,
  BATCH_INPUTS,
  BATCH_TASKS,
  LABELS,
  SINGLE_FLOW_ID,
  SINGLE_INPUTS,
} from "../../contracts/flow.ts";
import { UpstreamError } from "../../errors.ts";
import type { KestraClient } from "../../kestra/client.ts";
import { type Execution, isTerminal, labelValue } from "../../kestra/types.ts";
import type { Logger } from "../../logger.ts";
import { FAN_OUT, mapLimit } from "../../shared/map-limit.ts";
import { isFinalStatus, type RunStatus } from "../../shared/run-status.ts";
import {
  type DigestRow,
  digestMessage,
  type SkippedIssue,
} from "../../slack/blocks/digest-message.ts";
import type { SlackThreads } from "../../slack/thread.ts";
import type { Background } from "../background.ts";
import { contextOf, type RunContext } from "../context.ts";
import { type FailureReporter, logExcerpt } from "../failure.ts";
import type { Links } from "../links.ts";
import type { RunLock } from "../lock.ts";
import type { RunReader } from "../read.ts";
import { KEYS, type Metrics, type RunRecord, type RunRecords, renderOf } from "../record.ts";
import { deriveView } from "../status.ts";
import { thread } from "../thread-sync.ts";
import type { RunViews } from "../views.ts";

/** Statuses after the worker's patch, when the child's figures exist. */
const PATCHED: RunStatus[] = [
  "awaiting_approval",
  "creating_pr",
  "pr_opened",
  "rejected",
  "expired",
  "finished",
];
/** Children remembered per map (derived statuses, figures); the oldest go first. */
const MAX_REMEMBERED = 5000;

function bounded<V>(map: Map<string, V>, key: string, value: V): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > MAX_REMEMBERED) {
    const oldest = map.keys().next().value;
    if (oldest !== undefined) map.delete(oldest);
  }
}

/** Children in start order, one per issue: a later run of an issue takes its earlier run's place. */
function latestPerIssue(children: Execution[]): Execution[] {
  const place = new Map<string, number>();
  const out: Execution[] = [];
  for (const child of children) {
    const slug = contextOf(child)?.slug ?? child.id;
    const at = place.get(slug);
    if (at === undefined) {
      place.set(slug, out.length);
      out.push(child);
    } else {
      out[at] = child;
    }
  }
  return out;
}

/** One digest refresh per batch per window; the app-wide chat.update budget comes on top. */
export const DIGEST_WINDOW_MS = 1500;
const MAX_CHILDREN = 100;

const skippedSchema = z.array(
  z.looseObject({
    number: z.number().int(),
    url: z.string(),
    reason: z.string(),
    title: z.string().optional(),
    prUrl: z.string().optional(),
  }),
);

export interface DigestDeps {
  kestra: KestraClient;
  reader: RunReader;
  records: RunRecords;
  threads: SlackThreads;
  failures: FailureReporter;
  links: Links;
  lock: RunLock;
  background: Background;
  logger: Logger;
  /** A child's status with what became of its PR (RunViews.view). */
  views: Pick<RunViews, "view">;
  windowMs?: number;
}

interface Pending {
  timer: NodeJS.Timeout | undefined;
  running: boolean;
  dirty: boolean;
}

/**
 * The batch digest: the batch's root message, one row per child run. Events only schedule a
 * refresh; refreshes of one batch are coalesced to one per window and always re-read Kestra, so
 * a burst of events yields one chat.update and the last one shows the final state. Children's
 * rows come from their own syncs (RunRecord.status); a child this process has not synced yet is
 * read and derived once.
 */
export class BatchDigest {
  private readonly d: DigestDeps;
  private readonly windowMs: number;
  private readonly pending = new Map<string, Pending>();
  private readonly derived = new Map<string, RunStatus>();
  /** Children's figures read from Kestra (null: none to read). */
  private readonly figures = new Map<string, Metrics | null>();

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

  /** Runs what is scheduled now instead of at the end of its window (shutdown). */
  flushNow(): void {
    for (const [batchId, p] of this.pending) {
      if (p.timer) {
        clearTimeout(p.timer);
        this.flush(batchId, p);
      }
    }
  }

  private flush(batchId: string, p: Pending): void {
    p.timer = undefined;
    p.running = true;
    this.d.background.run(`digest ${batchId}`, async () => {
      try {
        await this.d.lock.run(batchId, () => this.refresh(batchId));
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

  /** Re-renders the digest from Kestra; posts the batch's failure once. */
  async refresh(batchId: string): Promise<void> {
    const execution = await this.d.kestra.findExecution(batchId);
    const ctx = execution ? contextOf(execution) : undefined;
    if (!execution || !ctx) return;
    const record = await this.d.records.load(batchId, thread(ctx));
    const kestraUrl = this.d.links.execution(execution.flowId, execution.id);
    const inputs = execution.inputs ?? {};
    const repo = labelValue(execution, LABELS.repo) ?? String(inputs[BATCH_INPUTS.repoUrl] ?? "");
    if (!record.skipped) record.skipped = await this.skipped(execution);
    const view = deriveView(execution);
    const message = digestMessage({
      repo,
      repoUrl: String(inputs[BATCH_INPUTS.repoUrl] ?? ""),
      labels: String(inputs[BATCH_INPUTS.issueLabels] ?? ""),
      max: Number(inputs[BATCH_INPUTS.maxIssues] ?? 0),
      prs: inputs[BATCH_INPUTS.createPrs] === true,
      requester: ctx.user,
      status: view.status,
      kestraUrl,
      rows: await this.rows(batchId, isFinalStatus(view.status)),
      skipped: record.skipped ?? [],
    });
    const render = renderOf(message);
    if (record.rootRender !== render) {
      await this.d.threads.edit(thread(ctx), ctx.rootTs, message, {
        run: batchId,
        key: KEYS.root,
        status: view.status,
        render,
        ...(record.skipped ? { skipped: record.skipped } : {}),
      });
      record.rootRender = render;
    }
    record.status = view.status;
    const key = KEYS.failure(view.attempt);
    if (view.status === "failed" && !record.has(key)) {
      await this.reportFailure(execution, ctx, record, view.failedTask, repo, kestraUrl, key);
    }
  }

  private async rows(batchId: string, final: boolean): Promise<DigestRow[]> {
    const { results } = await this.d.kestra.searchExecutions({
      flowId: SINGLE_FLOW_ID,
      labels: { [LABELS.batch]: batchId },
      size: MAX_CHILDREN,
    });
    // Oldest first, so rows keep their place as the batch goes on; a child started again (Retry of
    // a cancelled one) takes its issue's row.
    const children = latestPerIssue([...results].reverse());
    const rows = await mapLimit(children, FAN_OUT, async (light) => {
      const c = contextOf(light);
      const record = this.d.records.peek(light.id);
      // Another replica may have synced the child since this one did: Kestra says, not memory.
      const status = this.d.lock.shared
        ? await this.statusOf(light, record)
        : (record?.status ?? (await this.statusOf(light, record)));
      const issueUrl = light.inputs?.[SINGLE_INPUTS.issueUrl];
      const kestraUrl = this.d.links.execution(light.flowId, light.id);
      const metrics = record?.metrics ?? (await this.figuresOf(light, status));
      return {
        slug: c?.slug ?? light.id,
        issueUrl: typeof issueUrl === "string" ? issueUrl : kestraUrl,
        title: c?.title,
        status,
        kestraUrl,
        prUrl: record?.prUrl,
        durationMs: metrics?.durationMs,
        tokens: metrics?.tokens,
        costUsd: metrics?.costUsd,
      };
    });
    // A batch that ended is drawn from what is known now: what was derived of its children goes.
    if (final) {
      for (const child of children) {
        this.derived.delete(child.id);
        this.figures.delete(child.id);
      }
    }
    return rows;
  }

  /**
   * The worker's time, tokens and cost of a child whose patch this process did not post (another
   * replica did, or before a restart): its result.json, read once.
   */
  private async figuresOf(light: Execution, status: RunStatus): Promise<Metrics | undefined> {
    if (this.figures.has(light.id)) return this.figures.get(light.id) ?? undefined;
    if (!PATCHED.includes(status)) return undefined;
    const full = await this.d.kestra.getExecution(light.id);
    const fix = deriveView(full).fix;
    if (fix?.state.current !== "SUCCESS") return undefined;
    const files = await this.d.reader.patchFiles(full, fix);
    const account = await this.d.reader.result(full, files.result);
    bounded(this.figures, light.id, account.metrics ?? null);
    return account.metrics;
  }

  /**
   * A child this process has not synced: search results are light, so it is read in full once
   * and kept until the child's own sync says more. With replicas, each refresh reads the children
   * that have not reached a final status (another replica may be the one syncing them).
   */
  private async statusOf(light: Execution, record: RunRecord | undefined): Promise<RunStatus> {
    const seen = this.derived.get(light.id);
    // An open PR may still merge or close.
    if (seen && isFinalStatus(seen) && seen !== "pr_opened") return seen;
    // Alone, this process syncs every child, so a child still going keeps its row until then.
    if (seen && !this.d.lock.shared && !isTerminal(light.state.current)) return seen;
    const full = (await this.d.kestra.findExecution(light.id)) ?? light;
    const status = (await this.d.views.view(full, record)).status;
    bounded(this.derived, light.id, status);
    return status;
  }

  /** The issues the batch skipped and why, once its `issues` task has run (it always writes them). */
  private async skipped(execution: Execution): Promise<SkippedIssue[] | undefined> {
    const task = execution.taskRunList.find((t) => t.taskId === BATCH_TASKS.issues);
    if (task?.state.current !== "SUCCESS") return undefined;
    const outputs = await this.d.kestra.taskRunOutputs(execution.id, task.id);
    const uri = (outputs as { outputFiles?: Record<string, unknown> }).outputFiles?.[
      BATCH_FILES.skipped
    ];
    const unusable = (why: string) =>
      new UpstreamError("kestra", "incompatible", `batch ${execution.id}: ${why}`);
    if (typeof uri !== "string")
      throw unusable(`its ${BATCH_TASKS.issues} task exposes no ${BATCH_FILES.skipped}`);
    const raw = await this.d.kestra.downloadFile(execution.id, uri);
    let json: unknown;
    try {
      json = JSON.parse(raw.toString("utf8"));
    } catch {
      throw unusable(`${BATCH_FILES.skipped} is not JSON`);
    }
    const parsed = skippedSchema.safeParse(json);
    if (!parsed.success) throw unusable(`${BATCH_FILES.skipped} is not a list of skipped issues`);
    // Kept in the digest's metadata: the title as the row shows it.
    return parsed.data.map((s) => ({
      number: s.number,
      url: s.url,
      reason: s.reason,
      ...(s.title ? { title: s.title.slice(0, 60) } : {}),
      ...(s.prUrl ? { prUrl: s.prUrl } : {}),
    }));
  }

  private async reportFailure(
    execution: Execution,
    ctx: RunContext,
    record: RunRecord,
    failedTask: string | undefined,
    repo: string,
    kestraUrl: string,
    key: string,
  ): Promise<void> {
    const logs = await this.d.kestra.errorLogs(execution.id, 8);
    const excerpt = logExcerpt(logs, failedTask, 8);
    await this.d.failures.report({
      failure: {
        slug: `batch for ${repo}`,
        executionId: execution.id,
        failedTask,
        reason: undefined,
        logExcerpt: excerpt,
        kestraUrl,
        requester: ctx.user,
      },
      channel: ctx.channel,
      thread: thread(ctx),
      meta: { run: execution.id, key },
    });
    record.mark(key);
  }
}
