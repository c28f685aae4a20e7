import { SINGLE_INPUTS } from "../contracts/flow.ts";
import { type Execution, isTerminal } from "../kestra/types.ts";
import type { RunFacts } from "../slack/blocks/run-status.ts";
import type { RunContext } from "./context.ts";
import type { RunView } from "./status.ts";

// What `/autofix status` and `list` show about a run, from its execution and derived view.

const ISSUE_URL = /^https:\/\/[^/\s|<>]+\/[^/\s|<>]+\/[^/\s|<>]+\/issues\/\d+$/;

/** The facts Kestra's execution holds; links the caller looked up are passed in. */
export function factsOf(
  execution: Execution,
  ctx: RunContext | undefined,
  view: RunView,
  opts: { kestraUrl: string; now: number; threadUrl?: string; prUrl?: string },
): RunFacts {
  const issueInput = execution.inputs?.[SINGLE_INPUTS.issueUrl];
  return {
    executionId: execution.id,
    slug: ctx?.slug ?? execution.id,
    issueUrl: typeof issueInput === "string" && ISSUE_URL.test(issueInput) ? issueInput : undefined,
    title: ctx?.title,
    requester: ctx?.user,
    status: view.status,
    step: view.status === "failed" ? view.failedTask : currentStep(execution),
    startedAt: startOf(execution),
    durationMs: durationOf(execution, opts.now),
    kestraUrl: opts.kestraUrl,
    threadUrl: opts.threadUrl,
    prUrl: opts.prUrl,
  };
}

/** The last task run that has not ended, for a run that has not ended. */
function currentStep(execution: Execution): string | undefined {
  if (isTerminal(execution.state.current)) return undefined;
  return execution.taskRunList.filter((t) => !isTerminal(t.state.current)).at(-1)?.taskId;
}

function startOf(execution: Execution): string | undefined {
  return execution.state.startDate ?? execution.state.histories[0]?.date ?? undefined;
}

/** From the start to the end, or to now while the run goes on (Kestra also stamps an end on pauses). */
function durationOf(execution: Execution, now: number): number | undefined {
  const start = Date.parse(startOf(execution) ?? "");
  const ended = isTerminal(execution.state.current);
  const end = ended
    ? Date.parse(execution.state.endDate ?? execution.state.histories.at(-1)?.date ?? "")
    : now;
  if (!Number.isFinite(start) || !Number.isFinite(end)) return undefined;
  return Math.max(0, end - start);
}
