import { setTimeout as sleep } from "node:timers/promises";
import { BATCH_FILES, BATCH_TASKS, OUTPUT_FILES, TASKS } from "../../src/contracts/flow.ts";
import type { NotificationInput } from "../../src/contracts/notification.ts";
import type { AutofixResult } from "../../src/contracts/result.ts";
import type { FakeKestra } from "../fakes/kestra.ts";
import { type FlowEvent, NOTIFY_TASKS } from "../support/flow-driver.ts";
import { WEBHOOK_TOKEN } from "../support/harness.ts";
import { type BatchIssue, startLoopChild } from "../support/loop-child.ts";
import { DRIVER_HEADER } from "./world.ts";

// Kestra's side for bots that run as processes and die: the executor (as test/support/flow-driver.ts
// and batch-driver.ts play it, in the flow's real order) and the flow's notify tasks, which are
// Request tasks with a retry: a notification that got no 2xx answer (refused, cut off by a kill,
// 503) is delivered again after a short delay.

/** Sends one notification to wherever it goes (one bot, or two replicas); resolves on a 2xx. */
export type Deliver = (body: NotificationInput) => Promise<void>;

const RETRY_DELAY_MS = 150;
/** The flow's Request task waits this long for an answer (readIdleTimeout PT15S). */
const READ_TIMEOUT_MS = 15_000;
const GIVE_UP_MS = 60_000;

export interface DeliveryStats {
  notifications: number;
  /** Deliveries that got no 2xx and were sent again. */
  retries: number;
}

/**
 * One bot URL, with the Request task's retries; counts into `stats`. `beforeRetry` holds a retry
 * back (until a killed bot serves again, so that runs replay the same way for the same seed).
 */
export async function deliverTo(
  url: string,
  body: NotificationInput,
  stats: DeliveryStats,
  beforeRetry?: () => Promise<void>,
): Promise<void> {
  const deadline = Date.now() + GIVE_UP_MS;
  for (;;) {
    let status = 0;
    try {
      const res = await fetch(`${url}/kestra/events`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${WEBHOOK_TOKEN}` },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(READ_TIMEOUT_MS),
      });
      await res.arrayBuffer();
      status = res.status;
    } catch {
      status = 0; // refused or cut off: the bot is down or was killed mid-request
    }
    if (status >= 200 && status < 300) return;
    if (Date.now() > deadline) {
      throw new Error(`${body.event} of ${body.executionId} never got a 2xx (last ${status})`);
    }
    stats.retries++;
    await beforeRetry?.();
    await sleep(RETRY_DELAY_MS);
  }
}

export const PATCH = (n: number) =>
  [
    `diff --git a/src/issue${n}.ts b/src/issue${n}.ts`,
    `--- a/src/issue${n}.ts`,
    `+++ b/src/issue${n}.ts`,
    "@@ -1 +1 @@",
    "-export const broken = true;",
    "+export const broken = false;",
    "",
  ].join("\n");

/** The executor of one ai-issue-autofix run. */
export class FlowRun {
  readonly id: string;
  private readonly kestra: FakeKestra;
  private readonly deliver: Deliver;
  patchUri: string | undefined;

  constructor(kestra: FakeKestra, id: string, deliver: Deliver) {
    this.kestra = kestra;
    this.id = id;
    this.deliver = deliver;
  }

  async started(): Promise<void> {
    this.kestra.setState(this.id, "RUNNING");
    this.kestra.addTaskRun(this.id, { taskId: TASKS.validate, state: "SUCCESS" });
    await this.notifyFrom("started", {});
  }

  /** The worker finished; patch_ready is sent; the Pause starts afterwards (approval runs). */
  async patchReady(patch: string, opts: { pause: boolean }): Promise<void> {
    const taskRunId = this.kestra.addTaskRun(this.id, { taskId: TASKS.fix, state: "SUCCESS" });
    // What `autofix fix` writes (src/contracts/result.ts).
    const url = String(this.kestra.execution(this.id).inputs["issue_url"] ?? "");
    const number = Number(url.split("/").at(-1)) || 1;
    const result = JSON.stringify({
      issue: { owner: "acme", repo: "api", number, url, title: `Issue ${number}` },
      files: [{ path: `src/issue${number}.ts`, additions: 1, deletions: 1 }],
      additions: 1,
      deletions: 1,
      explanation: "Flipped the flag.",
      durationMs: 61_000,
      agent: { name: "cline" },
      usage: { inputTokens: 1000, outputTokens: 200, costUsd: 0.01 },
    } satisfies AutofixResult);
    const resultUri = this.kestra.addOutputFile(
      this.id,
      TASKS.fix,
      taskRunId,
      OUTPUT_FILES.result,
      result,
    );
    this.patchUri = this.kestra.addOutputFile(
      this.id,
      TASKS.fix,
      taskRunId,
      OUTPUT_FILES.patch,
      patch,
    );
    await this.notifyFrom("patch_ready", { patchUri: this.patchUri, resultUri });
    if (opts.pause) this.kestra.pause(this.id, TASKS.approval);
  }

  /** create_pr opens the PR, pr_created is sent, the run ends and afterExecution says so. */
  async prCreated(prUrl: string): Promise<void> {
    this.resumed();
    this.kestra.addTaskRun(this.id, {
      taskId: TASKS.createPr,
      state: "SUCCESS",
      outputs: { vars: { pr_url: prUrl, pr_number: Number(prUrl.split("/").at(-1)) } },
    });
    await this.notifyFrom("pr_created", { prUrl });
    await this.end("SUCCESS", { prUrl });
  }

  /** After a rejection, or a run with nothing to wait for. */
  async finished(): Promise<void> {
    this.resumed();
    await this.end("SUCCESS");
  }

  async fail(taskId: string, logLines: string[]): Promise<void> {
    this.kestra.addTaskRun(this.id, { taskId, state: "FAILED" });
    for (const message of logLines)
      this.kestra.addLog(this.id, { level: "ERROR", taskId, message });
    await this.end("FAILED", { error: logLines.at(-1) ?? "" });
  }

  /**
   * A kill the bot asked for: the executor moves KILLING to KILLED as soon as it sees it (and
   * its task runs with it), then afterExecution tells the bot.
   */
  async killed(): Promise<void> {
    await waitUntil(() => this.kestra.execution(this.id).state.current === "KILLING");
    this.kestra.killed(this.id);
    await this.notifyFrom("finished", {});
  }

  /** Nothing has moved for `ms`: the run's dates go back that far (no waiting for it). */
  stuckFor(ms: number): void {
    this.kestra.backdate(this.id, ms);
  }

  async end(state: "SUCCESS" | "FAILED", extra: Record<string, string> = {}): Promise<void> {
    this.kestra.setState(this.id, state);
    await this.notifyFrom(state === "FAILED" ? "failed" : "finished", extra);
  }

  private resumed(): void {
    if (this.kestra.execution(this.id).state.current === "RESTARTED") {
      this.kestra.setState(this.id, "RUNNING");
    }
  }

  /** A notify task: RUNNING while it sends, SUCCESS once the bot answered 2xx. */
  private async notifyFrom(event: FlowEvent, extra: Record<string, string>): Promise<void> {
    const taskRunId = this.kestra.addTaskRun(this.id, {
      taskId: NOTIFY_TASKS[event],
      state: "RUNNING",
    });
    await this.deliver({ executionId: this.id, event, ...extra });
    this.kestra.setTaskRunState(this.id, taskRunId, "SUCCESS");
  }
}

/** Polls what the executor watches (the state the bot's request left the execution in). */
async function waitUntil(done: () => boolean, timeoutMs = GIVE_UP_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error("timed out waiting for the bot's request");
    await sleep(20);
  }
}

/** The executor of one batch-issue-autofix run: the issues task, Loop iterations, the end. */
export class BatchRun {
  readonly id: string;
  private readonly kestra: FakeKestra;
  private readonly deliver: Deliver;
  private readonly iterations: string[] = [];
  /** Loop iterations handed out (two may be started at once: the Loop's concurrencyLimit). */
  private started = 0;

  constructor(kestra: FakeKestra, id: string, deliver: Deliver) {
    this.kestra = kestra;
    this.id = id;
    this.deliver = deliver;
  }

  async listed(issues: BatchIssue[]): Promise<void> {
    this.kestra.setState(this.id, "RUNNING");
    const taskRunId = this.kestra.addTaskRun(this.id, {
      taskId: BATCH_TASKS.issues,
      state: "SUCCESS",
    });
    const url = (n: number) => `https://github.com/acme/api/issues/${n}`;
    this.kestra.addOutputFile(
      this.id,
      BATCH_TASKS.issues,
      taskRunId,
      BATCH_FILES.issues,
      JSON.stringify(issues.map((i) => ({ ...i, url: url(i.number) }))),
    );
    this.kestra.addOutputFile(this.id, BATCH_TASKS.issues, taskRunId, BATCH_FILES.skipped, "[]");
    await this.notifyFrom("notify_started", "started");
  }

  /** A Loop iteration's Subflow task starts a child with the batch's labels (over HTTP). */
  async child(issue: BatchIssue, approval: boolean, deliver: Deliver): Promise<FlowRun> {
    const { iteration, child: id } = await startLoopChild(
      this.kestra,
      this.id,
      this.started++,
      issue,
      approval,
      { [DRIVER_HEADER]: "batch" },
    );
    this.iterations.push(iteration);
    return new FlowRun(this.kestra, id, deliver);
  }

  async finished(): Promise<void> {
    for (const iteration of this.iterations) {
      if (this.kestra.execution(iteration).state.current === "RUNNING") {
        this.kestra.setState(iteration, "SUCCESS");
      }
    }
    this.kestra.setState(this.id, "SUCCESS");
    await this.notifyFrom("notify_finished", "finished");
  }

  private async notifyFrom(taskId: string, event: "started" | "finished"): Promise<void> {
    const taskRunId = this.kestra.addTaskRun(this.id, { taskId, state: "RUNNING" });
    await this.deliver({ executionId: this.id, event });
    this.kestra.setTaskRunState(this.id, taskRunId, "SUCCESS");
  }
}
