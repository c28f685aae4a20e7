// Strict local fake of the Kestra 2.x REST API (OSS, tenant `main`), as a real HTTP server on
// 127.0.0.1. Every request is first checked against the operations table generated from Kestra 2.0's
// OpenAPI spec (404, 405, 415, 406, 400 as Micronaut answers them), then handled; handlers reject
// what Kestra rejects, with Kestra's error shapes. Tests drive executions in-process, the way the
// executor would (setState, addTaskRun, pause, killed, addOutputFile, ...): the fake has no HTTP
// control endpoints. Deliberate departures are commented where they are implemented.

import { bodyProblems } from "../support/json-schema.ts";
import { ApiError, renderError } from "./kestra/errors.ts";
import { registerExecutions } from "./kestra/executions.ts";
import { FakeHttpServer, type Outcome, Router } from "./kestra/http.ts";
import { jsonAnswerType, type Operation, TABLE } from "./kestra/operations.ts";
import { registerResources } from "./kestra/resources.ts";
import { Store } from "./kestra/store.ts";
import type {
  ActionRecord,
  FakeExecution,
  FakeKestraOptions,
  FaultMatch,
  FaultResponse,
  FlowDef,
  RecordedRequest,
  ReplyHook,
  ResumeRecord,
} from "./kestra/types.ts";

export type {
  ActionRecord,
  FakeExecution,
  FakeKestraOptions,
  FakeLogEntry,
  FakeState,
  FakeTaskRun,
  FaultMatch,
  FaultResponse,
  FlowDef,
  InputDef,
  Label,
  LogLevel,
  RecordedRequest,
  ReplyHook,
  ResumeRecord,
  StateType,
} from "./kestra/types.ts";
export { STATES, TERMINAL_STATES } from "./kestra/types.ts";

export interface FakeKestra {
  /** Base URL, e.g. http://127.0.0.1:PORT (no trailing slash). */
  readonly url: string;
  /** Every request received, in order. */
  readonly requests: RecordedRequest[];
  /** Every execution, in creation order (live objects). */
  readonly executions: FakeExecution[];
  readonly resumes: ResumeRecord[];
  readonly kills: ActionRecord[];
  readonly restarts: ActionRecord[];
  /** The operations table the fake enforces (from test/fixtures/kestra-2.0-operations.json). */
  readonly operations: readonly Operation[];
  close(): Promise<void>;
  /** Forgets executions, KV, records, requests and pending faults; registered flows stay. */
  reset(): void;

  addFlow(def: FlowDef): void;
  /** Registers a flow from real Kestra YAML and returns what was extracted. */
  addFlowYaml(yaml: string): FlowDef;

  execution(id: string): FakeExecution;
  setState(id: string, state: string): FakeExecution;
  /** `parentTaskRunId`: the If/Loop task run it runs under (Kestra sets it on their children). */
  addTaskRun(
    id: string,
    run: {
      taskId: string;
      state?: string;
      outputs?: Record<string, unknown>;
      parentTaskRunId?: string;
    },
  ): string;
  setTaskRunState(id: string, taskRunId: string, state: string): void;
  /** Deletes an execution as someone in the Kestra UI would (the project never deletes one). */
  deleteExecution(id: string): void;
  /** The executor finishes a kill: KILLING → KILLED, with every unfinished task run KILLED. */
  killed(id: string): FakeExecution;
  /** Every date of the execution `ms` earlier, as if it had started then (see Store.backdate). */
  backdate(id: string, ms: number): FakeExecution;
  /** A Loop iteration execution (kind LOOP) of a running parent, with the parent's labels. */
  addLoopIteration(
    parentId: string,
    loop: { taskId: string; index: number; value: string },
  ): string;
  /** Adds a PAUSED run of the flow's Pause task and pauses the execution; returns the task run id. */
  pause(id: string, pauseTaskId: string): string;
  /** Stores a file in the execution's internal storage and sets `outputFiles[fileName]`; returns its URI. */
  addOutputFile(
    id: string,
    taskId: string,
    taskRunId: string,
    fileName: string,
    content: string | Buffer,
  ): string;
  addLog(
    id: string,
    log: { level: string; taskId?: string; taskRunId?: string; message: string },
  ): void;
  /** The next `times` matching requests get `response`; "timeout" never answers, "reset" drops the socket. */
  failNext(match: FaultMatch, response: FaultResponse, times?: number): void;
  /** Runs `hook` before each answer (effect applied, caller not answered); undefined removes it. */
  beforeReply(hook: ReplyHook | undefined): void;
}

export async function startFakeKestra(options: FakeKestraOptions = {}): Promise<FakeKestra> {
  const username = options.username ?? "admin@kestra.io";
  const password = options.password ?? "Admin1234";
  const errorFormat = options.errorFormat ?? "classic";
  const store = new Store();
  const router = new Router(TABLE.operations);
  let server: FakeHttpServer | undefined;
  const baseUrl = () => server?.url ?? "";
  registerExecutions(router, {
    store,
    baseUrl,
    ...(options.indexLagMs ? { indexLagMs: options.indexLagMs } : {}),
  });
  registerResources(router, { store, baseUrl, version: options.version ?? "2.0.0" });
  const missing = router.unimplemented();
  if (missing.length > 0) throw new Error(`fake kestra: no handler for ${missing.join(", ")}`);

  const authorized = (headers: Record<string, string | string[] | undefined>): boolean => {
    const expected = Buffer.from(`${username}:${password}`).toString("base64");
    const header = headers["authorization"];
    if (typeof header === "string" && /^basic /i.test(header)) {
      return header.slice(6).trim() === expected;
    }
    // The UI's BASIC_AUTH cookie carries the same token.
    const cookie = typeof headers["cookie"] === "string" ? headers["cookie"] : "";
    return cookie.split(";").some((pair) => pair.trim() === `BASIC_AUTH=${expected}`);
  };

  const errorReply = (error: unknown, rawPath: string): Outcome => {
    const apiError =
      error instanceof ApiError ? error : new ApiError("internal", (error as Error).message);
    const rendered = renderError(apiError, rawPath, errorFormat);
    return {
      status: apiError.status,
      text: rendered.body,
      contentType: rendered.contentType,
      headers: apiError.headers,
    };
  };

  server = new FakeHttpServer({
    handle: async (ctx, record) => {
      // Released 2.0's AuthenticationFilter covers /api/v1/** only, and leaves the configs open.
      const guarded =
        ctx.url.pathname.startsWith("/api/v1/") && ctx.url.pathname !== "/api/v1/configs";
      if (guarded && !authorized(ctx.headers)) {
        // Released 2.0 sends no body; newer builds' ProblemResponseFilter fills a problem document.
        const headers = { "www-authenticate": "Basic" };
        if (errorFormat === "classic") return { status: 401, headers };
        const rendered = renderError(
          new ApiError("unauthenticated", "Authentication required"),
          ctx.rawPath,
          "problem",
        );
        return { status: 401, headers, text: rendered.body, contentType: rendered.contentType };
      }
      let resolved: ReturnType<Router["resolve"]>;
      try {
        resolved = router.resolve(
          ctx.method,
          ctx.url.pathname,
          ctx.headers,
          ctx.url.searchParams,
          ctx.body,
        );
      } catch (error) {
        if (error instanceof ApiError) {
          record.table = { passed: false, status: error.status, message: error.message };
        }
        return errorReply(error, ctx.rawPath);
      }
      const { operation, handler, params } = resolved;
      record.table = { passed: true, operationId: operation.operationId };
      const fault = http().takeFault(ctx.method, ctx.rawPath, ctx.url.pathname, (status, message) =>
        errorReply(ApiError.forStatus(status, message), ctx.rawPath),
      );
      if (fault) return fault;
      try {
        const tenant = params["tenant"];
        if (tenant !== undefined && tenant !== "main") {
          throw new ApiError("bad-request", "Tenant must be 'main' for OSS version");
        }
        const reply = await handler({ ...ctx, params });
        if (reply.json !== undefined && reply.status < 300) {
          // The fake must not drift from the spec: a body its schema refuses is the fake's bug.
          const problems = bodyProblems(operation, JSON.parse(JSON.stringify(reply.json)));
          if (problems.length > 0) {
            record.shapeProblems = problems;
            throw new Error(`fake kestra answer does not match the spec: ${problems.join("; ")}`);
          }
          // A JSON answer carries the route's produced type (kill: text/json).
          const type = jsonAnswerType(operation);
          if (type && !reply.contentType) reply.contentType = type;
        }
        return reply;
      } catch (error) {
        return errorReply(error, ctx.rawPath);
      }
    },
  });
  const http = (): FakeHttpServer => {
    if (!server) throw new Error("fake kestra: not started");
    return server;
  };
  await server.listen();
  const running = server;

  return {
    get url() {
      return running.url;
    },
    requests: running.requests,
    get executions() {
      return [...store.executions.values()];
    },
    resumes: store.resumes,
    kills: store.kills,
    restarts: store.restarts,
    operations: TABLE.operations,
    close: () => running.close(),
    reset() {
      store.reset();
      running.requests.length = 0;
      running.clearFaults();
    },
    addFlow: (def) => {
      store.addFlow(def);
    },
    addFlowYaml: (yaml) => store.addFlowYaml(yaml),
    execution: (id) => store.execution(id),
    setState: (id, state) => store.setState(id, state),
    addTaskRun: (id, run) => store.addTaskRun(id, run),
    setTaskRunState: (id, taskRunId, state) => store.setTaskRunState(id, taskRunId, state),
    deleteExecution: (id) => {
      store.execution(id);
      store.executions.delete(id);
    },
    killed: (id) => store.killed(id),
    backdate: (id, ms) => store.backdate(id, ms),
    addLoopIteration: (parentId, loop) => store.addLoopIteration(parentId, loop),
    pause: (id, pauseTaskId) => store.pause(id, pauseTaskId),
    addOutputFile: (id, taskId, taskRunId, fileName, content) =>
      store.addOutputFile(id, taskId, taskRunId, fileName, content),
    addLog: (id, log) => store.addLog(id, log),
    failNext: (match, response, times = 1) => running.failNext(match, response, times),
    beforeReply: (hook) => {
      running.beforeReply = hook;
    },
  };
}
