import { SINGLE_INPUTS } from "../contracts/flow.ts";
import type { Execution } from "../kestra/types.ts";

/**
 * The PR a follow-up run pushes to (its `pr_number` input), or undefined for a run that opens
 * its own PR.
 */
/** The model the run asked for (its `model` input), if any. */
export function inputModel(execution: Pick<Execution, "inputs">): string | undefined {
  const model = execution.inputs?.[SINGLE_INPUTS.model];
  return typeof model === "string" && model.length > 0 ? model : undefined;
}

export function pushesTo(execution: Pick<Execution, "inputs">): number | undefined {
  const value = execution.inputs?.[SINGLE_INPUTS.prNumber];
  const n = typeof value === "string" ? Number(value) : value;
  return typeof n === "number" && Number.isInteger(n) && n > 0 ? n : undefined;
}
