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
const NOTIFY_TASKS = {
  started: "notify_started",
  patch_ready: "notify_patch_ready",
  pr_created: "notify_pr_created",
  finished: "notify_finished",
  failed: "notify_failed",
} as const;

type Event = keyof typeof NOTIFY_TASKS;

/** `end: false` leaves the execution RUNNING after the flow's last notification (end it with end()). */
export interface EndOptions {
  end?: boolean;
}

/**
 * Plays the Kestra executor for one run of ai-issue-autofix, as the real flow does: each notification
 * is sent by a notify task that is RUNNING while the execution is RUNNING, and the execution ends only
 * after its last notification was delivered and the bot has read the run back.
 */
export class FlowDriver {
  readonly id: string;
  private readonly h: Harness;
  patchUri: string | undefined;

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
    opts: { summary?: string; pause?: boolean; result?: AutofixResult } = {},
  ): Promise<string> {
    const taskRunId = this.h.kestra.addTaskRun(this.id, { taskId: TASKS.fix, state: "SUCCESS" });
    if (opts.result) {
      const json = JSON.stringify(opts.result);
      this.h.kestra.addOutputFile(this.id, TASKS.fix, taskRunId, OUTPUT_FILES.result, json);
    }
    this.patchUri = this.h.kestra.addOutputFile(
      this.id,
      TASKS.fix,
      taskRunId,
      OUTPUT_FILES.patch,
      patch,
    );
    await this.notifyFrom("patch_ready", {
      patchUri: this.patchUri,
      ...(opts.summary ? { summary: opts.summary } : {}),
    });
    if (opts.pause !== false) this.h.kestra.pause(this.id, TASKS.approval);
    return this.patchUri;
  }

  /** After an approval resume: the PR task runs, pr_created and finished are sent, the flow ends. */
  async prCreated(prUrl = "https://github.com/acme/api/pull/43", opts: EndOptions = {}) {
    this.resumed();
    this.h.kestra.addTaskRun(this.id, {
      taskId: TASKS.createPr,
      state: "SUCCESS",
      outputs: { vars: { pr_url: prUrl, pr_number: 43 } },
    });
    await this.notifyFrom("pr_created", { prUrl });
    await this.notifyFrom("finished", { prUrl });
    if (opts.end !== false) this.end("SUCCESS");
  }

  /** After a rejection resume, or a run without approval: finished is sent, the flow ends. */
  async finished(opts: EndOptions = {}): Promise<void> {
    this.resumed();
    await this.notifyFrom("finished", {});
    if (opts.end !== false) this.end("SUCCESS");
  }

  /** A task fails; the errors branch sends `failed` (unless `notify` is false), then the run ends FAILED. */
  async fail(taskId: string, logLines: string[], notify = true, opts: EndOptions = {}) {
    this.h.kestra.addTaskRun(this.id, { taskId, state: "FAILED" });
    this.h.kestra.addLog(this.id, { level: "INFO", taskId, message: "cloning acme/api" });
    for (const message of logLines)
      this.h.kestra.addLog(this.id, { level: "ERROR", taskId, message });
    if (notify) await this.notifyFrom("failed", { error: logLines.at(-1) ?? "" });
    if (opts.end !== false) this.end("FAILED");
  }

  /** The executor ends the execution (after the flow's last task). */
  end(state: "SUCCESS" | "WARNING" | "FAILED" = "SUCCESS"): void {
    this.h.kestra.setState(this.id, state);
  }

  /** The executor finishes a kill that left the execution KILLING. */
  killed(): void {
    this.h.kestra.killed(this.id);
  }

  /** Sends one more notification as-is (a retried or late delivery), without a task run. */
  async notify(event: Event, extra: Record<string, string> = {}): Promise<void> {
    await this.expectOk(await this.h.notify({ executionId: this.id, event, ...extra }));
  }

  /** A resumed execution is RESTARTED until the executor runs it again. */
  private resumed(): void {
    if (this.h.kestra.execution(this.id).state.current === "RESTARTED") {
      this.h.kestra.setState(this.id, "RUNNING");
    }
  }

  /** The notify task runs while the execution runs; it succeeds once the bot has read the run. */
  private async notifyFrom(event: Event, extra: Record<string, string>): Promise<void> {
    const taskRunId = this.h.kestra.addTaskRun(this.id, {
      taskId: NOTIFY_TASKS[event],
      state: "RUNNING",
    });
    await afterBotRead(this.h, this.id, () => this.notify(event, extra));
    this.h.kestra.setTaskRunState(this.id, taskRunId, "SUCCESS");
  }

  private async expectOk(res: { status: number; body: unknown }): Promise<void> {
    if (res.status !== 200)
      throw new Error(`notification answered ${res.status}: ${JSON.stringify(res.body)}`);
  }
}

/**
 * Sends a notification and waits until the bot has read the execution back after it (the webhook's
 * own read, then the sync's), so the executor's next step cannot overtake the bot's first look.
 */
export async function afterBotRead(
  h: Harness,
  executionId: string,
  send: () => Promise<void>,
): Promise<void> {
  const path = `/api/v1/main/executions/${executionId}`;
  const reads = () =>
    h.kestra.requests.filter((r) => r.method === "GET" && r.path === path && r.status === 200)
      .length;
  const before = reads();
  await send();
  await h.slack.waitFor(() => reads() >= before + 2, {
    description: `the bot reading ${executionId} after its notification`,
  });
}
