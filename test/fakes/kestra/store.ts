// In-memory state of the fake (flows, executions, KV) and the JSON Kestra 2.x renders for it.

import { randomBytes } from "node:crypto";
import { parse as parseYaml } from "yaml";
import { flowDefFromYaml, type NormalizedFlow, normalizeFlow } from "./inputs.ts";
import {
  type ActionRecord,
  type FakeExecution,
  type FakeState,
  type FakeTaskRun,
  type FlowDef,
  isStateType,
  isTerminal,
  LOG_LEVELS,
  type LogLevel,
  type ResumeRecord,
  type StateType,
} from "./types.ts";

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** A 22-character base62 id, the shape of io.kestra.core.utils.IdUtils#create. */
export function newId(): string {
  const bytes = randomBytes(22);
  let id = "";
  for (const byte of bytes) id += BASE62[byte % 62];
  return id;
}

export function nowIso(): string {
  return new Date().toISOString();
}

export interface KvEntry {
  value: unknown;
  type: string;
  description?: string;
  expiresAt?: number;
  revision: number;
  created: string;
  updated: string;
}

export class Store {
  readonly flows = new Map<string, NormalizedFlow>();
  readonly executions = new Map<string, FakeExecution>();
  readonly kv = new Map<string, Map<string, KvEntry>>();
  readonly resumes: ResumeRecord[] = [];
  readonly kills: ActionRecord[] = [];
  readonly restarts: ActionRecord[] = [];

  reset(): void {
    this.executions.clear();
    this.kv.clear();
    this.resumes.length = 0;
    this.kills.length = 0;
    this.restarts.length = 0;
  }

  addFlow(def: FlowDef): NormalizedFlow {
    const flow = normalizeFlow(def);
    this.flows.set(flowKey(flow.namespace, flow.id), flow);
    return flow;
  }

  addFlowYaml(text: string): FlowDef {
    const def = flowDefFromYaml(text);
    const flow = this.addFlow(def);
    flow.document = parseYaml(text) as Record<string, unknown>;
    flow.source = text;
    return def;
  }

  flow(namespace: string, id: string): NormalizedFlow | undefined {
    return this.flows.get(flowKey(namespace, id));
  }

  execution(id: string): FakeExecution {
    const execution = this.executions.get(id);
    if (!execution) throw new Error(`fake kestra: no execution ${id}`);
    return execution;
  }

  setState(id: string, state: string): FakeExecution {
    const execution = this.execution(id);
    pushState(execution.state, checkState(state));
    return execution;
  }

  addTaskRun(
    id: string,
    run: {
      taskId: string;
      state?: string;
      outputs?: Record<string, unknown>;
      parentTaskRunId?: string;
    },
  ): string {
    const execution = this.execution(id);
    const state = checkState(run.state ?? "RUNNING");
    if (
      run.parentTaskRunId !== undefined &&
      !execution.taskRunList.some((t) => t.id === run.parentTaskRunId)
    ) {
      throw new Error(`fake kestra: no parent task run ${run.parentTaskRunId} in execution ${id}`);
    }
    const taskRun: FakeTaskRun = {
      id: newId(),
      taskId: run.taskId,
      ...(run.parentTaskRunId === undefined ? {} : { parentTaskRunId: run.parentTaskRunId }),
      state: { current: "CREATED", histories: [{ state: "CREATED", date: nowIso() }] },
      outputs: { ...run.outputs },
    };
    if (state !== "CREATED") pushState(taskRun.state, state);
    execution.taskRunList.push(taskRun);
    return taskRun.id;
  }

  taskRun(id: string, taskRunId: string): FakeTaskRun {
    const taskRun = this.execution(id).taskRunList.find((t) => t.id === taskRunId);
    if (!taskRun) throw new Error(`fake kestra: no task run ${taskRunId} in execution ${id}`);
    return taskRun;
  }

  setTaskRunState(id: string, taskRunId: string, state: string): void {
    pushState(this.taskRun(id, taskRunId).state, checkState(state));
  }

  /** The executor's second pass after a kill: unfinished task runs and the execution end KILLED. */
  killed(id: string): FakeExecution {
    const execution = this.execution(id);
    if (execution.state.current !== "KILLING") {
      throw new Error(`fake kestra: execution ${id} is ${execution.state.current}, not KILLING`);
    }
    for (const run of execution.taskRunList) {
      if (!isTerminal(run.state.current)) pushState(run.state, "KILLED");
    }
    pushState(execution.state, "KILLED");
    return execution;
  }

  /**
   * Moves every date of the execution (its state history, its task runs', its logs) `ms` into the
   * past, as if it had started that much earlier: what a test does instead of waiting (a run that
   * has not changed state for half an hour). Nothing else changes.
   */
  backdate(id: string, ms: number): FakeExecution {
    const execution = this.execution(id);
    const earlier = (iso: string) => new Date(Date.parse(iso) - ms).toISOString();
    const shift = (state: FakeState) => {
      for (const h of state.histories) h.date = earlier(h.date);
    };
    shift(execution.state);
    for (const run of execution.taskRunList) shift(run.state);
    for (const log of execution.logs) log.timestamp = earlier(log.timestamp);
    return execution;
  }

  /**
   * A Loop iteration as 2.0 creates it (Execution#loopExecution): an execution of kind LOOP of the
   * parent's flow, with the parent as parentId and a copy of its labels.
   */
  addLoopIteration(
    parentId: string,
    loop: { taskId: string; index: number; value: string },
  ): string {
    const parent = this.execution(parentId);
    const loopTaskRun =
      parent.taskRunList.findLast((t) => t.taskId === loop.taskId)?.id ??
      this.addTaskRun(parentId, { taskId: loop.taskId, state: "RUNNING" });
    const id = newId();
    const now = nowIso();
    this.executions.set(id, {
      id,
      kind: "LOOP",
      parentId,
      loopRun: { ...loop, taskRunId: loopTaskRun },
      namespace: parent.namespace,
      flowId: parent.flowId,
      flowRevision: parent.flowRevision,
      labels: parent.labels.map((l) => ({ ...l })),
      inputs: structuredClone(parent.inputs),
      state: {
        current: "RUNNING",
        histories: [
          { state: "CREATED", date: now },
          { state: "RUNNING", date: now },
        ],
      },
      taskRunList: [],
      logs: [],
      files: new Map(),
    });
    return id;
  }

  /** What the executor does when it reaches a Pause task: a PAUSED task run, execution PAUSED. */
  pause(id: string, pauseTaskId: string): string {
    const execution = this.execution(id);
    const flow = this.flow(execution.namespace, execution.flowId);
    if (!flow?.pauses[pauseTaskId]) {
      throw new Error(
        `fake kestra: flow ${execution.namespace}.${execution.flowId} has no Pause task ${pauseTaskId}`,
      );
    }
    const taskRunId = this.addTaskRun(id, { taskId: pauseTaskId, state: "RUNNING" });
    this.setTaskRunState(id, taskRunId, "PAUSED");
    if (execution.state.current !== "RUNNING") pushState(execution.state, "RUNNING");
    pushState(execution.state, "PAUSED");
    return taskRunId;
  }

  addOutputFile(
    id: string,
    taskId: string,
    taskRunId: string,
    fileName: string,
    content: string | Buffer,
  ): string {
    const execution = this.execution(id);
    const taskRun = this.taskRun(id, taskRunId);
    if (taskRun.taskId !== taskId) {
      throw new Error(
        `fake kestra: task run ${taskRunId} belongs to ${taskRun.taskId}, not ${taskId}`,
      );
    }
    const path = `${executionPrefix(execution)}/tasks/${taskId}/${taskRunId}/${newId()}-${fileName}`;
    execution.files.set(path, Buffer.isBuffer(content) ? content : Buffer.from(content, "utf8"));
    const uri = `kestra://${path}`;
    const outputFiles = (taskRun.outputs["outputFiles"] ?? {}) as Record<string, unknown>;
    taskRun.outputs["outputFiles"] = { ...outputFiles, [fileName]: uri };
    return uri;
  }

  addLog(
    id: string,
    log: { level: string; taskId?: string; taskRunId?: string; message: string },
  ): void {
    const execution = this.execution(id);
    if (!(LOG_LEVELS as readonly string[]).includes(log.level)) {
      throw new Error(`fake kestra: unknown log level ${log.level}`);
    }
    let taskRunId = log.taskRunId;
    if (taskRunId === undefined && log.taskId !== undefined) {
      taskRunId = execution.taskRunList.findLast((t) => t.taskId === log.taskId)?.id;
    }
    execution.logs.push({
      timestamp: nowIso(),
      level: log.level as LogLevel,
      ...(log.taskId === undefined ? {} : { taskId: log.taskId }),
      ...(taskRunId === undefined ? {} : { taskRunId }),
      message: log.message,
    });
  }
}

function flowKey(namespace: string, id: string): string {
  return `${namespace}\u0000${id}`;
}

function checkState(state: string): StateType {
  if (!isStateType(state)) throw new Error(`fake kestra: unknown state ${state}`);
  return state;
}

export function pushState(state: FakeState, next: StateType): void {
  state.current = next;
  state.histories.push({ state: next, date: nowIso() });
}

/** StorageContext#getExecutionStorageURI: `/<namespace as path>/<flowId>/executions/<id>`. */
export function executionPrefix(execution: FakeExecution): string {
  return `/${execution.namespace.replaceAll(".", "/")}/${execution.flowId}/executions/${execution.id}`;
}

// ---- JSON rendering ------------------------------------------------------------------------

/** java.time.Duration#toString, e.g. PT0.25S, PT1M5S, PT2H. */
export function isoDuration(ms: number): string {
  if (ms <= 0) return "PT0S";
  const hours = Math.floor(ms / 3_600_000);
  const minutes = Math.floor((ms % 3_600_000) / 60_000);
  const seconds = (ms % 60_000) / 1000;
  let out = "PT";
  if (hours) out += `${hours}H`;
  if (minutes) out += `${minutes}M`;
  if (seconds) out += `${Number(seconds.toFixed(3))}S`;
  return out;
}

/**
 * io.kestra State: endDate and duration only once terminated or paused (seen on the real 2.0.0: a
 * PAUSED execution has both, a RUNNING or KILLING one neither).
 */
export function renderState(state: FakeState): Record<string, unknown> {
  const first = state.histories[0]?.date ?? nowIso();
  const last = state.histories.at(-1)?.date ?? first;
  const ended = isTerminal(state.current) || state.current === "PAUSED";
  return {
    current: state.current,
    histories: state.histories.map((h) => ({ ...h })),
    startDate: first,
    ...(ended
      ? { endDate: last, duration: isoDuration(Date.parse(last) - Date.parse(first)) }
      : {}),
  };
}

/**
 * A task run's attempts as the real 2.0.0 keeps them: none while it waits for a worker (CREATED,
 * SUBMITTED), then one per run of the task (a restart adds one); a task run set straight to an
 * ended state still ran once.
 */
function renderAttempts(taskRun: FakeTaskRun): Record<string, unknown>[] | undefined {
  if (taskRun.state.current === "CREATED" || taskRun.state.current === "SUBMITTED") {
    return undefined;
  }
  const runs = Math.max(1, taskRun.state.histories.filter((h) => h.state === "RUNNING").length);
  const state = renderState(taskRun.state);
  return Array.from({ length: runs }, () => ({ state }));
}

/** ApiTaskRun (GET execution): no execution ids, no outputs (2.0 serves them separately). */
function renderApiTaskRun(taskRun: FakeTaskRun): Record<string, unknown> {
  const attempts = renderAttempts(taskRun);
  return {
    id: taskRun.id,
    taskId: taskRun.taskId,
    ...(taskRun.parentTaskRunId === undefined ? {} : { parentTaskRunId: taskRun.parentTaskRunId }),
    ...(attempts === undefined ? {} : { attempts }),
    state: renderState(taskRun.state),
  };
}

/** TaskRun of the Execution model (create and /actions/* answers). */
function renderTaskRun(execution: FakeExecution, taskRun: FakeTaskRun): Record<string, unknown> {
  return {
    ...renderApiTaskRun(taskRun),
    executionId: execution.id,
    namespace: execution.namespace,
    flowId: execution.flowId,
  };
}

/** What ApiExecution and ApiLightExecution share. */
function baseExecution(execution: FakeExecution): Record<string, unknown> {
  return {
    tenantId: "main",
    id: execution.id,
    namespace: execution.namespace,
    flowId: execution.flowId,
    flowRevision: execution.flowRevision,
    inputs: structuredClone(execution.inputs),
    labels: execution.labels.map((l) => ({ ...l })),
    state: renderState(execution.state),
    originalId: execution.id,
    ...(execution.parentId === undefined ? {} : { parentId: execution.parentId }),
    ...(execution.kind === undefined ? {} : { kind: execution.kind }),
    ...(execution.loopRun === undefined ? {} : { loopRun: { ...execution.loopRun } }),
  };
}

function metadata(execution: FakeExecution): Record<string, unknown> {
  return { attemptNumber: 1, originalCreatedDate: execution.state.histories[0]?.date };
}

/** GET /executions/{id} (ApiExecution): no `outputs`, no `deleted`, task runs without outputs. */
export function renderExecution(execution: FakeExecution): Record<string, unknown> {
  return {
    ...baseExecution(execution),
    metadata: metadata(execution),
    taskRunList: execution.taskRunList.map(renderApiTaskRun),
  };
}

/** The Execution model returned by the /actions/* endpoints (and, with `url`, by create). */
export function renderActionExecution(
  execution: FakeExecution,
  url?: string,
): Record<string, unknown> {
  const { tenantId: _tenant, ...rest } = baseExecution(execution);
  return {
    ...rest,
    // W3C trace context of the action, as released 2.0 answers.
    traceParent: `00-${execution.id
      .padEnd(32, "0")
      .slice(0, 32)
      .toLowerCase()
      .replace(/[^0-9a-f]/g, "0")}-${"0".repeat(15)}1-01`,
    metadata: metadata(execution),
    taskRunList: execution.taskRunList.map((t) => renderTaskRun(execution, t)),
    deleted: false,
    ...(url === undefined ? {} : { url }),
  };
}

/** ApiLightExecution, the items of /executions/search. */
export function renderLightExecution(execution: FakeExecution): Record<string, unknown> {
  return baseExecution(execution);
}
