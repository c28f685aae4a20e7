// Public model of the fake Kestra 2.x server: what tests register and what they can inspect.

export const STATES = [
  "CREATED",
  "SUBMITTED",
  "RUNNING",
  "PAUSED",
  "RESTARTED",
  "KILLING",
  "SUCCESS",
  "WARNING",
  "FAILED",
  "KILLED",
  "CANCELLED",
  "QUEUED",
  "RETRYING",
  "RETRIED",
  "SKIPPED",
  "BREAKPOINT",
  "RESUBMITTED",
] as const;
export type StateType = (typeof STATES)[number];

/** io.kestra State.Type#isTerminated in the published core 2.0.0. */
export const TERMINAL_STATES: readonly StateType[] = [
  "SUCCESS",
  "WARNING",
  "FAILED",
  "KILLED",
  "CANCELLED",
  "SKIPPED",
  "RETRIED",
  "RESUBMITTED",
];

export function isStateType(value: string): value is StateType {
  return (STATES as readonly string[]).includes(value);
}

export function isTerminal(state: StateType): boolean {
  return TERMINAL_STATES.includes(state);
}

export interface Label {
  key: string;
  value: string;
}

/** A flow or `onResume` input. `required` defaults to true, as in Kestra. */
export interface InputDef {
  id: string;
  type: string;
  required?: boolean;
  defaults?: unknown;
  /** SELECT / MULTISELECT choices. */
  values?: string[];
  /** ARRAY element type. */
  itemType?: string;
  /** STRING: the regular expression the whole value must match (StringInput#validator). */
  validator?: string;
}

export interface FlowDef {
  namespace: string;
  id: string;
  revision?: number;
  disabled?: boolean;
  labels?: Record<string, string>;
  inputs?: InputDef[];
  /** Pause task id → its `onResume` inputs. */
  pauses?: Record<string, InputDef[]>;
}

export interface StateHistory {
  state: StateType;
  date: string;
}

export interface FakeState {
  current: StateType;
  histories: StateHistory[];
}

export interface FakeTaskRun {
  id: string;
  taskId: string;
  /** The flowable task run (If, Loop…) this one runs under, as Kestra records it. */
  parentTaskRunId?: string;
  state: FakeState;
  outputs: Record<string, unknown>;
}

export interface FakeLogEntry {
  timestamp: string;
  level: LogLevel;
  taskId?: string;
  taskRunId?: string;
  message: string;
}

export const LOG_LEVELS = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The live execution record; `fake.execution(id)` returns this object itself. */
export interface FakeExecution {
  id: string;
  /** ExecutionKind; NORMAL is stored as absent, as Kestra stores it as null. */
  kind?: "LOOP" | "TEST" | "PLAYGROUND";
  parentId?: string;
  /** A Loop iteration: which Loop task run and item it belongs to. */
  loopRun?: { taskId: string; taskRunId: string; index: number; value: string };
  namespace: string;
  flowId: string;
  flowRevision: number;
  labels: Label[];
  inputs: Record<string, unknown>;
  state: FakeState;
  taskRunList: FakeTaskRun[];
  logs: FakeLogEntry[];
  /** Internal-storage files keyed by the URI path (`/dev/autofix/...`). */
  files: Map<string, Buffer>;
}

export interface RecordedRequest {
  method: string;
  /** Path plus query string, as sent. */
  path: string;
  headers: Record<string, string>;
  /** Body decoded as UTF-8 (multipart bodies included verbatim). */
  body: string;
  bodyBytes: number;
  /** 0 when the fake never answered (fault "timeout" or "reset"). */
  status: number;
  fault?: "timeout" | "reset";
  /** The operations-table checks: passed (with the operation reached) or the refusal; absent before auth. */
  table?:
    | { passed: true; operationId: string }
    | { passed: false; status: number; message: string };
  /** Set when the fake's own answer broke the spec's schema (it then answers 500). */
  shapeProblems?: string[];
}

/**
 * Runs before each answer is sent: the request's effect is applied and the caller has no answer
 * yet (fault tests kill the bot there). `n` counts the requests received, from 1.
 */
export type ReplyHook = (request: RecordedRequest & { n: number }) => void | Promise<void>;

export interface ResumeRecord {
  executionId: string;
  taskId: string;
  taskRunId: string;
  /** Typed onResume values, as stored in the Pause task outputs. */
  inputs: Record<string, unknown>;
  at: string;
}

export interface ActionRecord {
  executionId: string;
  from: StateType;
  at: string;
}

export interface FaultMatch {
  method?: string;
  /** A string matches the path without query exactly; a RegExp is tested on path plus query. */
  path: string | RegExp;
}

/**
 * A scripted answer: a raw body, Kestra's own error for `status` with this message (`error`, as its
 * ErrorController renders it), no answer at all, or a dropped connection.
 */
export type FaultResponse =
  | { status: number; body?: unknown }
  | { status: number; error: string }
  | "timeout"
  | "reset";

export interface FakeKestraOptions {
  username?: string;
  password?: string;
  version?: string;
  /**
   * "classic" (released 2.0): `{message, logref, path, _links}`, `_embedded.errors` for constraint violations.
   * "problem": RFC 9457 `application/problem+json` `{type,title,status,detail,instance,errors}` of newer builds.
   */
  errorFormat?: "classic" | "problem";
  /**
   * Kestra's search reads what its indexer has written: an execution younger than this is not
   * found yet (GET by id finds it at once). Default 0.
   */
  indexLagMs?: number;
}
