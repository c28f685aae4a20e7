import { OUTPUT_FILES, RESUME_INPUTS } from "../contracts/flow.ts";
import type { Notification } from "../contracts/notification.ts";
import { resultSchema } from "../contracts/result.ts";
import { UpstreamError } from "../errors.ts";
import type { KestraClient } from "../kestra/client.ts";
import type { Execution, LogEntry, TaskRun } from "../kestra/types.ts";
import { pullRequestUrl } from "../shared/pr-url.ts";
import type { Verdict } from "../shared/run-status.ts";
import type { Metrics } from "./record.ts";

// Reading a run from Kestra: the execution, and the outputs the thread needs. A read that fails
// throws, so the sync fails (and is tried again, or reported when it cannot pass); only a definite
// answer of Kestra ("the worker wrote no patch.diff") is ever shown to people as a fact.

export interface PatchFiles {
  patch: string | undefined;
  result: string | undefined;
}

/** What result.json says, or why it cannot be read. */
export interface WorkerAccount {
  explanation?: string;
  metrics?: Metrics;
  /** The model the agent reports it used. */
  model?: string;
  unreadable?: string;
}

export class RunReader {
  private readonly kestra: KestraClient;
  constructor(kestra: KestraClient) {
    this.kestra = kestra;
  }

  execution(id: string): Promise<Execution | undefined> {
    return this.kestra.findExecution(id);
  }

  /** The Pause's `onResume.approved`, for a run resumed outside the bot (the Kestra UI). */
  async verdict(execution: Execution, approval: TaskRun): Promise<Verdict> {
    const outputs = await this.kestra.taskRunOutputs(execution.id, approval.id);
    const onResume = (outputs as { onResume?: Record<string, unknown> }).onResume;
    const approved = onResume?.[RESUME_INPUTS.approved];
    if (approved === true || approved === "true") return "approve";
    if (approved === false || approved === "false") return "reject";
    // The input defaults to false: a resumed Pause always has it.
    throw new UpstreamError(
      "kestra",
      "incompatible",
      `the outputs of task run ${approval.id} (${approval.taskId}) hold no onResume.${RESUME_INPUTS.approved}`,
    );
  }

  /** The worker's files: from the notification when they belong to this run, else from Kestra. */
  async patchFiles(execution: Execution, fix: TaskRun, hint?: Notification): Promise<PatchFiles> {
    const own = (uri: unknown): uri is string =>
      typeof uri === "string" && uri.includes(`/executions/${execution.id}/`);
    if (own(hint?.patchUri) && own(hint?.resultUri)) {
      return { patch: hint.patchUri, result: hint.resultUri };
    }
    const outputs = await this.kestra.taskRunOutputs(execution.id, fix.id);
    const files = (outputs as { outputFiles?: Record<string, unknown> }).outputFiles ?? {};
    const patch = files[OUTPUT_FILES.patch];
    const result = files[OUTPUT_FILES.result];
    return { patch: own(patch) ? patch : undefined, result: own(result) ? result : undefined };
  }

  download(execution: Execution, uri: string): Promise<Buffer> {
    return this.kestra.downloadFile(execution.id, uri);
  }

  /**
   * The worker's own account (result.json). A read that fails throws like any other; a file the
   * worker wrote wrong is said (`unreadable`), and the patch is shown without its account.
   */
  async result(execution: Execution, uri: string | undefined): Promise<WorkerAccount> {
    if (!uri) return { unreadable: "the worker wrote no result.json" };
    const raw = await this.download(execution, uri);
    let json: unknown;
    try {
      json = JSON.parse(raw.toString("utf8"));
    } catch {
      return { unreadable: "result.json is not JSON" };
    }
    const parsed = resultSchema.safeParse(json);
    if (!parsed.success) return { unreadable: "result.json does not have the expected fields" };
    const r = parsed.data;
    const tokens =
      r.usage?.inputTokens !== undefined || r.usage?.outputTokens !== undefined
        ? (r.usage.inputTokens ?? 0) + (r.usage.outputTokens ?? 0)
        : undefined;
    return {
      ...(r.explanation ? { explanation: r.explanation } : {}),
      ...(r.agent.model ? { model: r.agent.model } : {}),
      metrics: {
        durationMs: r.durationMs,
        ...(tokens !== undefined ? { tokens } : {}),
        ...(r.usage?.costUsd !== undefined ? { costUsd: r.usage.costUsd } : {}),
      },
    };
  }

  /** The PR link: the notification's, else create_pr's output; only a PR of the run's repo. */
  async prUrl(
    execution: Execution,
    createPr: TaskRun,
    repo: string | undefined,
    hint?: Notification,
  ): Promise<string | undefined> {
    const fromHint = pullRequestUrl(hint?.prUrl, repo);
    if (fromHint) return fromHint;
    const outputs = await this.kestra.taskRunOutputs(execution.id, createPr.id);
    const vars = (outputs as { vars?: Record<string, unknown> }).vars ?? {};
    return pullRequestUrl(vars["pr_url"], repo);
  }

  errorLogs(execution: Execution, limit: number): Promise<LogEntry[]> {
    return this.kestra.errorLogs(execution.id, limit);
  }
}
