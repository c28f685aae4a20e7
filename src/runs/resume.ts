import { RESUME_INPUTS } from "../contracts/flow.ts";
import { UpstreamError } from "../errors.ts";
import type { KestraClient } from "../kestra/client.ts";
import { isTerminal } from "../kestra/types.ts";
import { deriveView } from "./status.ts";

const RESUME_ATTEMPTS = 5;

/**
 * Resumes the approval Pause. patch_ready is sent just before the Pause task starts, so a 409 while
 * the run is still about to pause is retried briefly; any other answer is final.
 */
export async function resumeApproval(
  kestra: KestraClient,
  executionId: string,
  decision: { approved: boolean; approver: string },
  backoffMs: number,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await kestra.resume(executionId, {
        [RESUME_INPUTS.approved]: decision.approved,
        [RESUME_INPUTS.approver]: decision.approver,
      });
      return;
    } catch (err) {
      const conflict = err instanceof UpstreamError && err.kind === "conflict";
      if (!conflict || attempt >= RESUME_ATTEMPTS) throw err;
      const execution = await kestra.getExecution(executionId);
      if (isTerminal(execution.state.current) || !deriveView(execution).approvable) throw err;
      await new Promise((r) => setTimeout(r, backoffMs * attempt));
    }
  }
}
