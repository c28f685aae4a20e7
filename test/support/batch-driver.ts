import { BATCH_FILES, BATCH_TASKS } from "../../src/contracts/flow.ts";
import { FlowDriver } from "./flow-driver.ts";
import type { Harness } from "./harness.ts";
import { type BatchIssue, startLoopChild } from "./loop-child.ts";

/**
 * Plays the Kestra executor for batch-issue-autofix: lists issues, runs one Loop iteration (a LOOP
 * execution carrying the batch's labels) per child run, ends, then notifies from afterExecution.
 */
export class BatchDriver {
  readonly id: string;
  /** As FlowDriver.acceptPending, for the batch and its children. */
  acceptPending = false;
  private readonly h: Harness;
  private readonly iterations: string[] = [];

  constructor(h: Harness, batchId: string) {
    this.h = h;
    this.id = batchId;
  }

  static latest(h: Harness): BatchDriver {
    const batch = h.kestra.executions.filter((e) => e.flowId === "batch-issue-autofix").at(-1);
    if (!batch) throw new Error("no batch execution was created");
    return new BatchDriver(h, batch.id);
  }

  /** The `issues` task ran: issues.json and skipped.json are outputs; notify_started is sent. */
  async listed(
    issues: BatchIssue[],
    skipped: { number: number; reason: string; title?: string; prUrl?: string }[] = [],
  ): Promise<void> {
    this.h.kestra.setState(this.id, "RUNNING");
    const taskRunId = this.h.kestra.addTaskRun(this.id, {
      taskId: BATCH_TASKS.issues,
      state: "SUCCESS",
    });
    const url = (n: number) => `https://github.com/acme/api/issues/${n}`;
    this.h.kestra.addOutputFile(
      this.id,
      BATCH_TASKS.issues,
      taskRunId,
      BATCH_FILES.issues,
      JSON.stringify(issues.map((i) => ({ ...i, url: url(i.number) }))),
    );
    this.h.kestra.addOutputFile(
      this.id,
      BATCH_TASKS.issues,
      taskRunId,
      BATCH_FILES.skipped,
      JSON.stringify(
        skipped.map((s) => ({ title: `Issue ${s.number}`, ...s, url: url(s.number) })),
      ),
    );
    await this.notifyFrom("notify_started", "started");
  }

  /** A Loop iteration's Subflow task starts one child: inherited labels plus the batch's own. */
  async child(issue: BatchIssue, waitForApproval = false): Promise<FlowDriver> {
    const { iteration, child: id } = await startLoopChild(
      this.h.kestra,
      this.id,
      this.iterations.length,
      issue,
      waitForApproval,
    );
    this.iterations.push(iteration);
    const child = new FlowDriver(this.h, id);
    child.acceptPending = this.acceptPending;
    return child;
  }

  /** The iterations and the batch end; afterExecution then tells the bot. */
  async finished(state = "SUCCESS"): Promise<void> {
    const failed = state === "FAILED";
    for (const iteration of this.iterations) {
      if (this.h.kestra.execution(iteration).state.current === "RUNNING") {
        this.h.kestra.setState(iteration, failed ? "FAILED" : "SUCCESS");
      }
    }
    this.h.kestra.setState(this.id, state);
    await this.notifyFrom(
      failed ? "notify_failed" : "notify_finished",
      failed ? "failed" : "finished",
    );
  }

  private async notifyFrom(taskId: string, event: "started" | "finished" | "failed") {
    const taskRunId = this.h.kestra.addTaskRun(this.id, { taskId, state: "RUNNING" });
    const res = await this.h.notify({ executionId: this.id, event });
    if (res.status !== 200 && !(res.status === 202 && this.acceptPending)) {
      throw new Error(`notify answered ${res.status}`);
    }
    this.h.kestra.setTaskRunState(this.id, taskRunId, "SUCCESS");
  }
}
