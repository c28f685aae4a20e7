import { FILE_ISSUE, FILE_ISSUE_FLOW_ID } from "../../src/contracts/flow.ts";
import type { Harness } from "./harness.ts";

/**
 * Plays the Kestra executor for one run of file-issue, as the real flow does: the `file` task files
 * the issue in GitHub (here: the GitHub fake gets it) and prints its URL as outputs; once the
 * execution has ended, afterExecution's notify_file_issue tells the bot (event file_issue).
 */
export class FilingDriver {
  readonly id: string;
  private readonly h: Harness;

  constructor(h: Harness, id: string) {
    this.h = h;
    this.id = id;
  }

  static latest(h: Harness): FilingDriver {
    const last = h.kestra.executions.filter((e) => e.flowId === FILE_ISSUE_FLOW_ID).at(-1);
    if (!last) throw new Error("no file-issue execution was created");
    return new FilingDriver(h, last.id);
  }

  get inputs(): Record<string, unknown> {
    return this.h.kestra.execution(this.id).inputs;
  }

  /** The task filed issue `number` with the execution's title and body. */
  async filed(number: number): Promise<{ status: number; body: unknown }> {
    this.h.kestra.setState(this.id, "RUNNING");
    const [owner = "", repo = ""] = String(this.inputs[FILE_ISSUE.inputs.repo]).split("/");
    this.h.github.addIssue(owner, repo, {
      number,
      title: String(this.inputs[FILE_ISSUE.inputs.title]),
      body: String(this.inputs[FILE_ISSUE.inputs.body] ?? ""),
    });
    this.h.kestra.addTaskRun(this.id, {
      taskId: FILE_ISSUE.tasks.file,
      state: "SUCCESS",
      outputs: {
        vars: {
          [FILE_ISSUE.vars.issueUrl]: `https://github.com/${owner}/${repo}/issues/${number}`,
          [FILE_ISSUE.vars.issueNumber]: number,
        },
      },
    });
    this.h.kestra.setState(this.id, "SUCCESS");
    return this.notify();
  }

  /** The task failed with these ERROR lines; the run ends FAILED. */
  async failed(lines: string[]): Promise<{ status: number; body: unknown }> {
    this.h.kestra.setState(this.id, "RUNNING");
    const taskRunId = this.h.kestra.addTaskRun(this.id, {
      taskId: FILE_ISSUE.tasks.file,
      state: "FAILED",
    });
    for (const message of lines) {
      this.h.kestra.addLog(this.id, {
        level: "ERROR",
        taskId: FILE_ISSUE.tasks.file,
        taskRunId,
        message,
      });
    }
    this.h.kestra.setState(this.id, "FAILED");
    return this.notify({ error: `task file: ${lines[0] ?? ""}` });
  }

  /** afterExecution's notification (sent again: a retried delivery). */
  async notify(extra: Record<string, string> = {}): Promise<{ status: number; body: unknown }> {
    const taskRunId = this.h.kestra.addTaskRun(this.id, {
      taskId: FILE_ISSUE.tasks.notify,
      state: "RUNNING",
    });
    const res = await this.h.notify({ executionId: this.id, event: "file_issue", ...extra });
    this.h.kestra.setTaskRunState(this.id, taskRunId, res.status < 300 ? "SUCCESS" : "FAILED");
    return res;
  }
}
