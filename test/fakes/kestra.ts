// Strict local fake of the Kestra 2.x REST API (OSS, tenant `main`), as a real HTTP server on
// 127.0.0.1. It rejects what Kestra rejects, with Kestra's error shapes; tests drive executions the
// way the executor would (setState, addTaskRun, pause, addOutputFile, ...). Facts and sources: the
// project's kestra contract; deliberate departures are commented where they are implemented.

import { ApiError, renderError } from "./kestra/errors.ts";
import { registerExecutions } from "./kestra/executions.ts";
import { FakeHttpServer, Router } from "./kestra/http.ts";
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
  close(): Promise<void>;
  /** Forgets executions, KV, records, requests and pending faults; registered flows stay. */
  reset(): void;

  addFlow(def: FlowDef): void;
  /** Registers a flow from real Kestra YAML and returns what was extracted. */
  addFlowYaml(yaml: string): FlowDef;

  execution(id: string): FakeExecution;
  setState(id: string, state: string): FakeExecution;
  addTaskRun(
    id: string,
    run: { taskId: string; state?: string; outputs?: Record<string, unknown> },
  ): string;
  setTaskRunState(id: string, taskRunId: string, state: string): void;
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
  setFlowOutputs(id: string, outputs: Record<string, unknown>): void;
  addLog(
    id: string,
    log: { level: string; taskId?: string; taskRunId?: string; message: string },
  ): void;
  /** The next `times` matching requests get `response`; "timeout" never answers, "reset" drops the socket. */
  failNext(match: FaultMatch, response: FaultResponse, times?: number): void;
}

const OPEN_PATHS = new Set(["/api/v1/configs/login", "/api/v1/login"]);
/** Kestra's default basic-auth open-urls: webhook triggers. */
const OPEN_PREFIXES = ["/api/v1/main/executions/webhook/"];

export async function startFakeKestra(options: FakeKestraOptions = {}): Promise<FakeKestra> {
  const username = options.username ?? "admin@kestra.io";
  const password = options.password ?? "Admin1234";
  const errorFormat = options.errorFormat ?? "classic";
  const store = new Store();
  const router = new Router();
  let server: FakeHttpServer | undefined;
  const baseUrl = () => server?.url ?? "";
  registerExecutions(router, { store, baseUrl });
  registerResources(router, {
    store,
    baseUrl,
    version: options.version ?? "2.0.1",
    outputsPaths: options.outputsPaths ?? "server",
  });

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

  server = new FakeHttpServer({
    handle: async (ctx) => {
      const pathname = ctx.url.pathname;
      try {
        const isApi = pathname === "/api/v1" || pathname.startsWith("/api/v1/");
        const open = OPEN_PATHS.has(pathname) || OPEN_PREFIXES.some((p) => pathname.startsWith(p));
        if (isApi && !open && !authorized(ctx.headers)) {
          // Kestra 2.0.1 sends no body; newer builds' ProblemResponseFilter fills a problem document.
          const headers = { "www-authenticate": "Basic" };
          if (errorFormat === "classic") return { status: 401, headers };
          const rendered = renderError(
            new ApiError("unauthenticated", "Authentication required"),
            ctx.rawPath,
            "problem",
          );
          return { status: 401, headers, text: rendered.body, contentType: rendered.contentType };
        }
        const { handler, params } = router.resolve(ctx.method, pathname, ctx.mediaType);
        const tenant = params["tenant"];
        if (tenant !== undefined && tenant !== "main") {
          throw new ApiError(
            "bad-request",
            `Tenant '${tenant}' is not valid: the open-source edition only has the 'main' tenant`,
          );
        }
        return await handler({ ...ctx, params });
      } catch (error) {
        const apiError =
          error instanceof ApiError ? error : new ApiError("internal", (error as Error).message);
        const rendered = renderError(apiError, ctx.rawPath, errorFormat);
        return {
          status: apiError.status,
          text: rendered.body,
          contentType: rendered.contentType,
          headers: apiError.headers,
        };
      }
    },
  });
  await server.listen();
  const http = server;

  return {
    get url() {
      return http.url;
    },
    requests: http.requests,
    get executions() {
      return [...store.executions.values()];
    },
    resumes: store.resumes,
    kills: store.kills,
    restarts: store.restarts,
    close: () => http.close(),
    reset() {
      store.reset();
      http.requests.length = 0;
      http.clearFaults();
    },
    addFlow: (def) => {
      store.addFlow(def);
    },
    addFlowYaml: (yaml) => store.addFlowYaml(yaml),
    execution: (id) => store.execution(id),
    setState: (id, state) => store.setState(id, state),
    addTaskRun: (id, run) => store.addTaskRun(id, run),
    setTaskRunState: (id, taskRunId, state) => store.setTaskRunState(id, taskRunId, state),
    pause: (id, pauseTaskId) => store.pause(id, pauseTaskId),
    addOutputFile: (id, taskId, taskRunId, fileName, content) =>
      store.addOutputFile(id, taskId, taskRunId, fileName, content),
    setFlowOutputs: (id, outputs) => {
      store.execution(id).outputs = structuredClone(outputs);
    },
    addLog: (id, log) => store.addLog(id, log),
    failNext: (match, response, times = 1) => http.failNext(match, response, times),
  };
}
