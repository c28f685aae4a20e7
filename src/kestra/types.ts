import { z } from "zod";

// Only the parts of Kestra's JSON that the bot reads; unknown fields are kept, not rejected,
// because Kestra adds fields between minor versions.

export const TERMINAL_STATES = [
  "SUCCESS",
  "WARNING",
  "FAILED",
  "KILLED",
  "CANCELLED",
  "SKIPPED",
  "RETRIED",
  "RESUBMITTED",
] as const;

/** States in which an execution has not ended (io.kestra State.Type minus the terminated ones). */
export const ACTIVE_STATES = [
  "CREATED",
  "SUBMITTED",
  "QUEUED",
  "RUNNING",
  "PAUSED",
  "RESTARTED",
  "KILLING",
  "RETRYING",
  "BREAKPOINT",
] as const;

export const labelSchema = z.looseObject({ key: z.string(), value: z.string() });

export const taskRunSchema = z.looseObject({
  id: z.string(),
  taskId: z.string(),
  state: z.looseObject({ current: z.string() }),
  /** Set on the children of flowable tasks (If, Loop): an If fails with its branch. */
  parentTaskRunId: z.string().nullish(),
  /** One per try of the task (a restart of a failed task adds one). */
  attempts: z
    .array(z.looseObject({ state: z.looseObject({ current: z.string() }).nullish() }))
    .nullish(),
});

export const executionSchema = z.looseObject({
  id: z.string(),
  namespace: z.string(),
  flowId: z.string(),
  labels: z
    .array(labelSchema)
    .nullish()
    .transform((l) => l ?? []),
  inputs: z.record(z.string(), z.unknown()).nullish(),
  state: z.looseObject({
    current: z.string(),
    startDate: z.string().nullish(),
    endDate: z.string().nullish(),
    duration: z.union([z.string(), z.number()]).nullish(),
    histories: z
      .array(z.looseObject({ state: z.string(), date: z.string() }))
      .nullish()
      .transform((h) => h ?? []),
  }),
  taskRunList: z
    .array(taskRunSchema)
    .nullish()
    .transform((t) => t ?? []),
  parentId: z.string().nullish(),
  originalId: z.string().nullish(),
  /** ExecutionKind: absent or null for NORMAL; LOOP for a 2.0 Loop iteration. */
  kind: z.string().nullish(),
  url: z.string().nullish(),
});

export type Execution = z.output<typeof executionSchema>;
export type TaskRun = z.output<typeof taskRunSchema>;

export const searchResultSchema = z.looseObject({
  results: z.array(executionSchema),
  total: z.number(),
});
export type SearchResult = z.output<typeof searchResultSchema>;

export const logEntrySchema = z.looseObject({
  timestamp: z.string().nullish(),
  level: z.string(),
  taskId: z.string().nullish(),
  message: z.string().nullish(),
});
export type LogEntry = z.output<typeof logEntrySchema>;

export function isTerminal(state: string): boolean {
  return (TERMINAL_STATES as readonly string[]).includes(state);
}

export function labelValue(execution: Pick<Execution, "labels">, key: string): string | undefined {
  return execution.labels.find((l) => l.key === key)?.value;
}
