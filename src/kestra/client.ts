import { Agent, type Dispatcher, FormData, request, errors as undiciErrors } from "undici";
import type { z } from "zod";
import { UpstreamError, upstreamKindForStatus } from "../errors.ts";
import type { Logger } from "../logger.ts";
import {
  type Execution,
  executionSchema,
  type LogEntry,
  logEntrySchema,
  type SearchResult,
  searchResultSchema,
} from "./types.ts";

export interface KestraClientOptions {
  baseUrl: string;
  username: string;
  password: string;
  tenant: string;
  namespace: string;
  timeoutMs: number;
  logger: Logger;
  dispatcher?: Dispatcher;
}

export type FormValue = string | number | boolean;
/** A multipart field: text, or a Buffer sent as a file part (Kestra FILE inputs). */
export type InputValue = FormValue | Buffer;

/** Kestra log levels (io.kestra Level), lowest first. */
export type LogLevel = "TRACE" | "DEBUG" | "INFO" | "WARN" | "ERROR";

export interface SearchQuery {
  flowId?: string;
  states?: readonly string[];
  labels?: Record<string, string>;
  /** Only executions that ended at or after this instant (ISO 8601). */
  endedAfter?: string;
  page?: number;
  size?: number;
}

interface CallOptions {
  query?: URLSearchParams;
  form?: Record<string, InputValue>;
  /** A JSON value sent as the body, with `contentType` (default application/json). */
  json?: unknown;
  contentType?: string;
  /**
   * The Accept header: a media type the route produces. Micronaut answers 406 unless an entry is
   * exactly one of them (kill produces only text/json, the file route only octet-stream/x-ndjson).
   */
  produces?: string;
  /** Statuses that are answers, not errors (e.g. 404 on a KV read). */
  answers?: number[];
}

interface Reply {
  status: number;
  body: Buffer;
}

/**
 * A thin client for the Kestra 2.x REST API: multipart inputs, filters[...], Basic auth. Each call
 * matches an operation of Kestra 2.0's OpenAPI spec (test/contract checks them all).
 */
export class KestraClient {
  readonly namespace: string;
  private readonly base: string;
  private readonly auth: string;
  private readonly timeoutMs: number;
  private readonly logger: Logger;
  private readonly dispatcher: Dispatcher;

  constructor(opts: KestraClientOptions) {
    this.namespace = opts.namespace;
    this.base = `${opts.baseUrl}/api/v1/${encodeURIComponent(opts.tenant)}`;
    this.auth = `Basic ${Buffer.from(`${opts.username}:${opts.password}`).toString("base64")}`;
    this.timeoutMs = opts.timeoutMs;
    this.logger = opts.logger.child({ client: "kestra" });
    this.dispatcher = opts.dispatcher ?? new Agent({ keepAliveTimeout: 10_000, connections: 32 });
  }

  async version(): Promise<string | undefined> {
    const root = this.base.replace(/\/api\/v1\/[^/]+$/, "/api/v1");
    const reply = await this.#send("GET", `${root}/configs`, {});
    const parsed = JSON.parse(reply.body.toString("utf8")) as { version?: unknown };
    return typeof parsed.version === "string" ? parsed.version : undefined;
  }

  async createExecution(
    flowId: string,
    inputs: Record<string, InputValue>,
    labels: Record<string, string>,
  ): Promise<Execution> {
    const query = new URLSearchParams();
    for (const [k, v] of Object.entries(labels)) query.append("labels", `${k}:${v}`);
    return this.#json(
      "POST",
      `/executions/${enc(this.namespace)}/${enc(flowId)}`,
      { query, form: inputs },
      executionSchema,
    );
  }

  getExecution(id: string): Promise<Execution> {
    return this.#json("GET", `/executions/${enc(id)}`, {}, executionSchema);
  }

  /** The execution, or undefined when Kestra does not know it. */
  async findExecution(id: string): Promise<Execution | undefined> {
    try {
      return await this.getExecution(id);
    } catch (err) {
      if (err instanceof UpstreamError && err.kind === "not_found") return undefined;
      throw err;
    }
  }

  async searchExecutions(q: SearchQuery): Promise<SearchResult> {
    const query = new URLSearchParams({
      page: String(q.page ?? 1),
      size: String(q.size ?? 25),
      sort: "state.startDate:desc",
    });
    // No kind filter: 2.0 then searches normal runs only, leaving out the Loop iterations (kind
    // LOOP, with the parent's labels). A filter on NORMAL finds nothing: NORMAL is stored as null.
    query.append("filters[namespace][EQUALS]", this.namespace);
    if (q.flowId) query.append("filters[flowId][EQUALS]", q.flowId);
    if (q.states?.length) query.append("filters[state][IN]", q.states.join(","));
    if (q.endedAfter) {
      // 2.0 applies every date filter to the column `dateFilter` names, start_date by default: without
      // END_DATE this would find the runs that *started* since then (seen on the real 2.0.0 engine).
      query.append("dateFilter", "END_DATE");
      query.append("filters[endDate][GREATER_THAN_OR_EQUAL_TO]", q.endedAfter);
    }
    for (const [k, v] of Object.entries(q.labels ?? {})) {
      query.append(`filters[labels][EQUALS][${k}]`, v);
    }
    const found = await this.#json("GET", "/executions/search", { query }, searchResultSchema);
    // Also dropped here, in case another 2.x build searches every kind.
    return { ...found, results: found.results.filter((e) => e.kind !== "LOOP") };
  }

  resume(id: string, fields: Record<string, FormValue>): Promise<Execution> {
    return this.#json(
      "POST",
      `/executions/${enc(id)}/actions/resume`,
      { form: fields },
      executionSchema,
    );
  }

  /**
   * 2.x declares kill as DELETE producing only text/json. It is asynchronous: the answer, and reads
   * shortly after, show KILLING until the executor has killed the run.
   */
  kill(id: string): Promise<Execution> {
    return this.#json(
      "DELETE",
      `/executions/${enc(id)}/actions/kill`,
      { produces: "text/json" },
      executionSchema,
    );
  }

  restart(id: string): Promise<Execution> {
    return this.#json("POST", `/executions/${enc(id)}/actions/restart`, {}, executionSchema);
  }

  /** Downloads an output file of the execution; Kestra refuses URIs of other executions. */
  async downloadFile(id: string, uri: string): Promise<Buffer> {
    const query = new URLSearchParams({ path: uri });
    const reply = await this.#send("GET", `${this.base}/executions/${enc(id)}/file`, {
      query,
      produces: "application/octet-stream",
    });
    return reply.body;
  }

  errorLogs(id: string, limit = 20): Promise<LogEntry[]> {
    return this.logsAtLeast(id, "ERROR", limit);
  }

  /** The execution's log lines at `minLevel` or above (2.x filters), oldest first; the last `limit`. */
  async logsAtLeast(id: string, minLevel: LogLevel, limit: number): Promise<LogEntry[]> {
    const query = new URLSearchParams();
    query.append("filters[level][GREATER_THAN_OR_EQUAL_TO]", minLevel);
    const reply = await this.#send("GET", `${this.base}/logs/${enc(id)}`, { query });
    const parsed = logEntrySchema.array().safeParse(JSON.parse(reply.body.toString("utf8")));
    if (!parsed.success) throw badShape("logs", parsed.error);
    return parsed.data.slice(-limit);
  }

  /**
   * Outputs of one task run: inline on 1.3; on 2.x at the 2.0 spec's `/outputs/{executionId}/{taskRunId}`
   * (a map of output names to values). The server code has also had `/outputs/tasks/...`; the spec
   * is followed (test/fixtures/kestra-2.0-operations.json).
   */
  async taskRunOutputs(execution: Execution, taskRunId: string): Promise<Record<string, unknown>> {
    const inline = execution.taskRunList.find((t) => t.id === taskRunId)?.outputs;
    if (inline) return inline;
    const reply = await this.#send(
      "GET",
      `${this.base}/outputs/${enc(execution.id)}/${enc(taskRunId)}`,
      { answers: [404] },
    );
    if (reply.status === 404) return {};
    const parsed = JSON.parse(reply.body.toString("utf8")) as unknown;
    return parsed && typeof parsed === "object" && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : {};
  }

  async kvGet(key: string): Promise<unknown> {
    const reply = await this.#send(
      "GET",
      `${this.base}/namespaces/${enc(this.namespace)}/kv/${enc(key)}`,
      { answers: [404] },
    );
    if (reply.status === 404) return undefined;
    const parsed = JSON.parse(reply.body.toString("utf8")) as { value?: unknown };
    return parsed.value;
  }

  /** The 2.0 spec declares the body text/plain; Kestra parses it as JSON either way. */
  async kvPut(key: string, value: unknown): Promise<void> {
    await this.#send("PUT", `${this.base}/namespaces/${enc(this.namespace)}/kv/${enc(key)}`, {
      json: value,
      contentType: "text/plain",
    });
  }

  async #json<S extends z.ZodType>(
    method: string,
    path: string,
    opts: CallOptions,
    schema: S,
  ): Promise<z.output<S>> {
    const reply = await this.#send(method, `${this.base}${path}`, opts);
    let data: unknown;
    try {
      data = JSON.parse(reply.body.toString("utf8"));
    } catch (cause) {
      throw new UpstreamError("kestra", "unavailable", "Kestra answered with invalid JSON", {
        cause,
        status: reply.status,
      });
    }
    const parsed = schema.safeParse(data);
    if (!parsed.success) throw badShape(path, parsed.error);
    return parsed.data;
  }

  async #send(method: string, url: string, opts: CallOptions): Promise<Reply> {
    const target = opts.query?.size ? `${url}?${opts.query.toString()}` : url;
    const headers: Record<string, string> = {
      authorization: this.auth,
      accept: opts.produces ?? "application/json",
    };
    let body: string | FormData | undefined;
    if (opts.form) {
      const form = new FormData();
      for (const [k, v] of Object.entries(opts.form)) {
        // A FILE input must be a file part; its name is the input id.
        if (Buffer.isBuffer(v)) form.append(k, new Blob([new Uint8Array(v)]), k);
        else form.append(k, String(v));
      }
      body = form;
    } else if (opts.json !== undefined) {
      headers["content-type"] = opts.contentType ?? "application/json";
      body = JSON.stringify(opts.json);
    }
    const started = performance.now();
    const log = this.logger.child({ method, path: new URL(url).pathname });
    let res: Dispatcher.ResponseData;
    try {
      res = await request(target, {
        method: method as Dispatcher.HttpMethod,
        headers,
        body: body ?? null,
        dispatcher: this.dispatcher,
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      });
    } catch (cause) {
      const timedOut =
        cause instanceof undiciErrors.HeadersTimeoutError ||
        cause instanceof undiciErrors.BodyTimeoutError;
      log.warn({ err: cause, ms: Math.round(performance.now() - started) }, "kestra call failed");
      throw new UpstreamError(
        "kestra",
        "unavailable",
        timedOut
          ? `Kestra did not answer within ${Math.round(this.timeoutMs / 1000)} s`
          : "Kestra is unreachable",
        { cause },
      );
    }
    const buf = Buffer.from(await res.body.arrayBuffer());
    const ms = Math.round(performance.now() - started);
    if (res.statusCode >= 400 && !opts.answers?.includes(res.statusCode)) {
      const detail = errorDetail(buf);
      log.warn({ status: res.statusCode, ms, detail }, "kestra call refused");
      throw new UpstreamError(
        "kestra",
        upstreamKindForStatus(res.statusCode),
        `Kestra answered ${res.statusCode}${detail ? `: ${detail}` : ""}`,
        { status: res.statusCode },
      );
    }
    log.debug({ status: res.statusCode, ms }, "kestra call");
    return { status: res.statusCode, body: buf };
  }
}

const enc = encodeURIComponent;

/** Kestra's error text: `message` (Micronaut) or `detail` (problem+json), plus field errors. */
function errorDetail(body: Buffer): string | undefined {
  try {
    const parsed = JSON.parse(body.toString("utf8")) as {
      message?: string;
      detail?: string;
      _embedded?: { errors?: { message?: string }[] };
      errors?: { message?: string }[];
    };
    const fieldErrors = (parsed._embedded?.errors ?? parsed.errors ?? [])
      .map((e) => e.message)
      .filter((m): m is string => typeof m === "string");
    const main = parsed.message ?? parsed.detail;
    const text = [main, ...fieldErrors.filter((m) => m !== main)].filter(Boolean).join("; ");
    return text.length > 0 ? text.slice(0, 500) : undefined;
  } catch {
    const text = body.toString("utf8").trim();
    return text.length > 0 ? text.slice(0, 200) : undefined;
  }
}

function badShape(what: string, cause: unknown): UpstreamError {
  return new UpstreamError(
    "kestra",
    "unavailable",
    `Kestra's ${what} answer has an unexpected shape`,
    {
      cause,
    },
  );
}
