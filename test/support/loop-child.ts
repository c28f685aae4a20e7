import { LABELS } from "../../src/contracts/flow.ts";
import type { FakeKestra } from "../fakes/kestra.ts";
import { KESTRA_PASSWORD, KESTRA_USER } from "./harness.ts";

export interface BatchIssue {
  number: number;
  title: string;
}

/** The batch flow's Loop task; each iteration is an execution of kind LOOP in 2.0. */
const LOOP_TASK = "each_issue";

/**
 * One Loop iteration of batch-issue-autofix as the executor plays it: a LOOP execution, whose
 * Subflow task starts the child over HTTP with the batch's labels (inherited, plus batch, issue
 * and title). `headers` go with the creation request. Resolves with both ids.
 */
export async function startLoopChild(
  kestra: FakeKestra,
  batchId: string,
  index: number,
  issue: BatchIssue,
  waitForApproval: boolean,
  headers: Record<string, string> = {},
): Promise<{ iteration: string; child: string }> {
  const iteration = kestra.addLoopIteration(batchId, {
    taskId: LOOP_TASK,
    index,
    value: JSON.stringify(issue),
  });
  const query = new URLSearchParams();
  for (const l of kestra.execution(batchId).labels)
    if (!l.key.startsWith("system.")) query.append("labels", `${l.key}:${l.value}`);
  query.append("labels", `${LABELS.batch}:${batchId}`);
  query.append("labels", `${LABELS.issue}:${issue.number}`);
  query.append("labels", `${LABELS.title}:${issue.title}`);
  const form = new FormData();
  form.append("issue_url", `https://github.com/acme/api/issues/${issue.number}`);
  form.append("apply_fix", String(waitForApproval));
  form.append("wait_for_approval", String(waitForApproval));
  const res = await fetch(
    `${kestra.url}/api/v1/main/executions/dev.autofix/ai-issue-autofix?${query}`,
    {
      method: "POST",
      headers: {
        authorization: `Basic ${Buffer.from(`${KESTRA_USER}:${KESTRA_PASSWORD}`).toString("base64")}`,
        ...headers,
      },
      body: form,
    },
  );
  if (res.status !== 200)
    throw new Error(`child creation answered ${res.status}: ${await res.text()}`);
  const { id } = (await res.json()) as { id: string };
  return { iteration, child: id };
}
