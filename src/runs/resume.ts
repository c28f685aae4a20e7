import pRetry, { AbortError } from "p-retry";
import { RESUME_INPUTS } from "../contracts/flow.ts";
import { UpstreamError } from "../errors.ts";
import type { KestraClient } from "../kestra/client.ts";
import type { Execution } from "../kestra/types.ts";
import { deriveView } from "./status.ts";

export interface ResumeOptions {
  /** First wait before trying again; doubles each time (4 tries after the first). */
  backoffMs: number;
  /** Ends the waits (shutdown). */
  signal?: AbortSignal | undefined;
}

/**
 * Resumes the approval Pause and returns the execution Kestra answered with. patch_ready is sent
 * just before the Pause task starts, so a 409 while the run is still about to pause is tried
 * again; any other answer is final.
 */
export function resumeApproval(
  kestra: KestraClient,
  executionId: string,
  decision: { approved: boolean; approver: string },
  opts: ResumeOptions,
): Promise<Execution> {
  return pRetry(
    async () => {
      try {
        return await kestra.resume(executionId, {
          [RESUME_INPUTS.approved]: decision.approved,
          [RESUME_INPUTS.approver]: decision.approver,
        });
      } catch (err) {
        if (!(err instanceof UpstreamError && err.kind === "conflict"))
          throw new AbortError(err as Error);
        const execution = await kestra.getExecution(executionId);
        const aboutToPause =
          deriveView(execution).approvable && execution.state.current !== "PAUSED";
        if (!aboutToPause) throw new AbortError(err);
        throw err;
      }
    },
    {
      retries: 4,
      factor: 2,
      minTimeout: opts.backoffMs,
      randomize: false,
      ...(opts.signal ? { signal: opts.signal } : {}),
    },
  );
}
