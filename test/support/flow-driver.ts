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

/** Plays the Kestra executor for one run of ai-issue-autofix, as the real flow would. */
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
    await this.expectOk(await this.h.notify({ executionId: this.id, event: "started" }));
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
    await this.expectOk(
      await this.h.notify({
        executionId: this.id,
        event: "patch_ready",
        patchUri: this.patchUri,
        ...(opts.summary ? { summary: opts.summary } : {}),
      }),
    );
    if (opts.pause !== false) this.h.kestra.pause(this.id, TASKS.approval);
    return this.patchUri;
  }

  /** After an approval resume: the PR task runs and the flow ends. */
  async prCreated(prUrl = "https://github.com/acme/api/pull/43"): Promise<void> {
    this.h.kestra.addTaskRun(this.id, {
      taskId: TASKS.createPr,
      state: "SUCCESS",
      outputs: { vars: { pr_url: prUrl, pr_number: 43 } },
    });
    this.h.kestra.setState(this.id, "SUCCESS");
    await this.expectOk(await this.h.notify({ executionId: this.id, event: "pr_created", prUrl }));
    await this.expectOk(await this.h.notify({ executionId: this.id, event: "finished" }));
  }

  /** After a rejection resume: nothing is pushed and the flow ends. */
  async finished(): Promise<void> {
    this.h.kestra.setState(this.id, "SUCCESS");
    await this.expectOk(await this.h.notify({ executionId: this.id, event: "finished" }));
  }

  async fail(taskId: string, logLines: string[], notify = true): Promise<void> {
    this.h.kestra.addTaskRun(this.id, { taskId, state: "FAILED" });
    this.h.kestra.addLog(this.id, { level: "INFO", taskId, message: "cloning acme/api" });
    for (const message of logLines)
      this.h.kestra.addLog(this.id, { level: "ERROR", taskId, message });
    this.h.kestra.setState(this.id, "FAILED");
    if (notify) {
      await this.expectOk(
        await this.h.notify({
          executionId: this.id,
          event: "failed",
          error: logLines.at(-1) ?? "",
        }),
      );
    }
  }

  private async expectOk(res: { status: number; body: unknown }): Promise<void> {
    if (res.status !== 200)
      throw new Error(`notification answered ${res.status}: ${JSON.stringify(res.body)}`);
  }
}
