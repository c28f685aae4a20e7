import { OUTPUT_FILES, TASKS } from "../../src/contracts/flow.ts";
import type { AutofixResult } from "../../src/contracts/result.ts";
import type { Harness } from "./harness.ts";

export const SAMPLE_PATCH = [
  "diff --git a/src/login.ts b/src/login.ts",
  "index 1111111..2222222 100644",
  "--- a/src/login.ts",
  "+++ b/src/login.ts",
  "@@ -1,3 +1,4 @@",
  " export function login(user: string) {",
  "-  return check(user);",
  "+  if (!user) throw new Error('<!channel> *bold* `tick`');",
  "+  return check(user.trim());",
  " }",
  "",
].join("\n");

/** The flow's notification tasks (kestra/workflows/main_dev.autofix_ai-issue-autofix.yml). */
export const NOTIFY_TASKS = {
  started: "notify_started",
  patch_ready: "notify_patch_ready",
  pr_created: "notify_pr_created",
  finished: "notify_finished",
  failed: "notify_failed",
} as const;

export type FlowEvent = keyof typeof NOTIFY_TASKS;

/** `end: false` leaves the execution RUNNING after the task's notification (end it with end()). */
export interface EndOptions {
  end?: boolean;
}

/**
 * Plays the Kestra executor for one run of ai-issue-autofix, as the real flow does:
 * - started, patch_ready and pr_created come from notify tasks that run while the execution runs;
 * - finished and failed come from `afterExecution`: Kestra appends those task runs once the
 *   execution has ended (a kill included), so the bot reads a terminal execution.
 * Each notification is sent by a RUNNING notify task, which succeeds once the bot has answered.
 */
export class FlowDriver {
  readonly id: string;
  private readonly h: Harness;
  patchUri: string | undefined;
  resultUri: string | undefined;
  /**
   * Take 202 "still syncing" as delivered, as Kestra's Request task does (any 2xx). Off for tests,
   * which rely on 200 meaning the thread is up to date; on for load, where Slack's limits slow syncs.
   */
  acceptPending = false;

  constructor(h: Harness, executionId: string) {
    this.h = h;
    this.id = executionId;
  }

  static latest(h: Harness): FlowDriver {
    const last = h.kestra.executions.at(-1);
    if (!last) throw new Error("no execution was created");
    return new FlowDriver(h, last.id);
  }

  async started(): Promise<void> {
    this.h.kestra.setState(this.id, "RUNNING");
    this.h.kestra.addTaskRun(this.id, { taskId: TASKS.validate, state: "SUCCESS" });
    await this.notifyFrom("started", {});
  }

  /** The worker finished: patch stored, patch_ready sent; the Pause task starts afterwards. */
  async patchReady(
    patch = SAMPLE_PATCH,
    opts: { summary?: string; pause?: boolean; result?: AutofixResult; lost?: boolean } = {},
  ): Promise<string> {
    const taskRunId = this.h.kestra.addTaskRun(this.id, { taskId: TASKS.fix, state: "SUCCESS" });
    // The worker always writes result.json next to the patch.
    this.resultUri = this.h.kestra.addOutputFile(
      this.id,
      TASKS.fix,
      taskRunId,
      OUTPUT_FILES.result,
      JSON.stringify(opts.result ?? this.workerResult()),
    );
    this.patchUri = this.h.kestra.addOutputFile(
      this.id,
      TASKS.fix,
      taskRunId,
      OUTPUT_FILES.patch,
      patch,
    );
    if (opts.lost) {
      // The notify task gave up (the bot was down): it ends in WARNING, nothing arrived.
      this.h.kestra.addTaskRun(this.id, { taskId: NOTIFY_TASKS.patch_ready, state: "WARNING" });
    } else {
      await this.notifyFrom("patch_ready", {
        patchUri: this.patchUri,
        ...(this.resultUri ? { resultUri: this.resultUri } : {}),
        ...(opts.summary ? { summary: opts.summary } : {}),
      });
    }
    if (opts.pause !== false) this.h.kestra.pause(this.id, TASKS.approval);
    return this.patchUri;
  }

  /** What the worker reports when the test does not say (no usage, like an agent without it). */
  private workerResult(): AutofixResult {
    const inputs = this.h.kestra.execution(this.id).inputs;
    const url = String(inputs["issue_url"] ?? "");
    // As the worker: the model it was asked for, when the agent reports none.
    const model =
      typeof inputs["model"] === "string" && inputs["model"] ? inputs["model"] : undefined;
    const number = Number(url.split("/").at(-1)) || 1;
    return {
      issue: { owner: "acme", repo: "api", number, url, title: "Issue" },
      files: [],
      additions: 0,
      deletions: 0,
      durationMs: 61_000,
      agent: { name: "cline", ...(model ? { model } : {}) },
    };
  }

  /** After an approval (or directly): create_pr opens the PR, pr_created is sent, the run ends. */
  async prCreated(prUrl = "https://github.com/acme/api/pull/43", opts: EndOptions = {}) {
    this.resumed();
    this.h.kestra.addTaskRun(this.id, {
      taskId: TASKS.createPr,
      state: "SUCCESS",
      outputs: { vars: { pr_url: prUrl, pr_number: 43 } },
    });
    await this.notifyFrom("pr_created", { prUrl });
    if (opts.end !== false) await this.end("SUCCESS", { prUrl });
  }

  /** After a rejection resume, or a run without approval: the run ends and says so. */
  async finished(): Promise<void> {
    this.resumed();
    await this.end("SUCCESS");
  }

  /** A task fails; the run ends FAILED and afterExecution sends `failed` (unless `notify` is false). */
  async fail(taskId: string, logLines: string[], notify = true) {
    this.h.kestra.addTaskRun(this.id, { taskId, state: "FAILED" });
    this.h.kestra.addLog(this.id, { level: "INFO", taskId, message: "cloning acme/api" });
    for (const message of logLines)
      this.h.kestra.addLog(this.id, { level: "ERROR", taskId, message });
    if (notify) await this.end("FAILED", { error: logLines.at(-1) ?? "" });
    else this.h.kestra.setState(this.id, "FAILED");
  }

  /** The executor ends the execution; afterExecution then tells the bot. */
  async end(
    state: "SUCCESS" | "WARNING" | "FAILED" = "SUCCESS",
    extra: Record<string, string> = {},
  ): Promise<void> {
    this.h.kestra.setState(this.id, state);
    await this.afterExecution(extra);
  }

  /** The executor finishes a kill that left the execution KILLING; afterExecution still runs. */
  async killed(): Promise<void> {
    this.h.kestra.killed(this.id);
    await this.afterExecution({});
  }

  /** Sends one more notification as-is (a retried or late delivery), without a task run. */
  async notify(event: FlowEvent, extra: Record<string, string> = {}): Promise<void> {
    await this.expectOk(await this.h.notify({ executionId: this.id, event, ...extra }));
  }

  /** afterExecution: `failed` when the run ended FAILED, else `finished` (its runIf conditions). */
  private async afterExecution(extra: Record<string, string>): Promise<void> {
    const failed = this.h.kestra.execution(this.id).state.current === "FAILED";
    await this.notifyFrom(failed ? "failed" : "finished", extra);
  }

  /** A resumed execution is RESTARTED until the executor runs it again. */
  private resumed(): void {
    if (this.h.kestra.execution(this.id).state.current === "RESTARTED") {
      this.h.kestra.setState(this.id, "RUNNING");
    }
  }

  /** The notify task runs, sends, and succeeds once the bot has answered (it syncs before). */
  private async notifyFrom(event: FlowEvent, extra: Record<string, string>): Promise<void> {
    const taskRunId = this.h.kestra.addTaskRun(this.id, {
      taskId: NOTIFY_TASKS[event],
      state: "RUNNING",
    });
    await this.notify(event, extra);
    this.h.kestra.setTaskRunState(this.id, taskRunId, "SUCCESS");
  }

  private async expectOk(res: { status: number; body: unknown }): Promise<void> {
    if (res.status === 202 && this.acceptPending) return;
    if (res.status !== 200)
      throw new Error(`notification answered ${res.status}: ${JSON.stringify(res.body)}`);
  }
}
