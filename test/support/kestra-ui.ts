import { RESUME_INPUTS } from "../../src/contracts/flow.ts";
import { type Harness, KESTRA_PASSWORD, KESTRA_USER } from "./harness.ts";

/** Someone resumes the Pause in Kestra's UI (the same API call, not the bot's). */
export async function resumeInKestra(
  h: Harness,
  executionId: string,
  decision: { approved: boolean; approver: string },
): Promise<void> {
  const form = new FormData();
  form.append(RESUME_INPUTS.approved, String(decision.approved));
  form.append(RESUME_INPUTS.approver, decision.approver);
  const res = await fetch(`${h.kestra.url}/api/v1/main/executions/${executionId}/actions/resume`, {
    method: "POST",
    headers: {
      accept: "application/json",
      authorization: `Basic ${Buffer.from(`${KESTRA_USER}:${KESTRA_PASSWORD}`).toString("base64")}`,
    },
    body: form,
  });
  if (res.status !== 200) throw new Error(`resume answered ${res.status}: ${await res.text()}`);
}
