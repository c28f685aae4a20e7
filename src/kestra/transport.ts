import { Agent, type Dispatcher, FormData, request, errors as undiciErrors } from "undici";
import type { z } from "zod";
import { UpstreamError, type UpstreamKind, upstreamKindForStatus } from "../errors.ts";
import type { Logger } from "../logger.ts";

// HTTP to Kestra: Basic auth, multipart inputs, and one rule for answers. A status the caller did
// not list as an answer, a redirect, a body that does not parse or does not have the expected
// shape is an UpstreamError naming the route and the server's version: never an empty value.

export type FormValue = string | number | boolean;
/** A multipart field: text, or a Buffer sent as a file part (Kestra FILE inputs). */
export type InputValue = FormValue | Buffer;

export interface CallOptions {
  query?: URLSearchParams;
  form?: Record<string, InputValue>;
  /** A JSON value sent as the body, as `contentType` (default application/json). */
  json?: unknown;
  contentType?: string;
  /** The Accept header, as Kestra's SDK sends it (`requests` sends *\/* unless told). */
  accept?: string;
  /** Statuses that are answers, not errors, with a check of the body (a KV key that is not set). */
  answers?: Record<number, (body: Buffer) => boolean>;
  /**
   * The route and what it names must exist (the outputs of a task run just read): a 404 means this
   * server does not serve what the bot needs, not "nothing there".
   */
  required?: boolean;
}

export interface Reply {
  status: number;
  body: Buffer;
}

export interface TransportOptions {
  baseUrl: string;
  username: string;
  password: string;
  timeoutMs: number;
  logger: Logger;
  dispatcher?: Dispatcher;
}

export class KestraTransport {
  private readonly origin: string;
  private readonly auth: string;
  private readonly timeoutMs: number;
  private readonly logger: Logger;
  private readonly dispatcher: Dispatcher;
  /** The server's version once GET /api/v1/configs has answered: errors name it. */
  serverVersion: string | undefined;

  constructor(opts: TransportOptions) {
    this.origin = opts.baseUrl.replace(/\/+$/, "");
    this.auth = `Basic ${Buffer.from(`${opts.username}:${opts.password}`).toString("base64")}`;
    this.timeoutMs = opts.timeoutMs;
    this.logger = opts.logger.child({ client: "kestra" });
    this.dispatcher = opts.dispatcher ?? new Agent({ keepAliveTimeout: 10_000, connections: 32 });
  }

  /** A JSON answer, checked against `schema`. */
  async json<S extends z.ZodType>(
    method: string,
    path: string,
    opts: CallOptions,
    schema: S,
  ): Promise<z.output<S>> {
    const reply = await this.send(method, path, opts);
    return this.parse(method, path, reply.body, schema);
  }

  parse<S extends z.ZodType>(method: string, path: string, body: Buffer, schema: S): z.output<S> {
    let data: unknown;
    try {
      data = JSON.parse(body.toString("utf8"));
    } catch (cause) {
      throw this.error(
        "incompatible",
        `${this.server()} answered ${method} ${path} with a body that is not JSON`,
        {
          cause,
        },
      );
    }
    const parsed = schema.safeParse(data);
    if (!parsed.success) {
      const where = parsed.error.issues[0];
      const detail = where ? ` (${where.path.join(".") || "body"}: ${where.message})` : "";
      throw this.error(
        "incompatible",
        `${this.server()} answered ${method} ${path} with a body of an unexpected shape${detail}`,
        { cause: parsed.error },
      );
    }
    return parsed.data;
  }

  async send(method: string, path: string, opts: CallOptions): Promise<Reply> {
    const url = `${this.origin}${path}`;
    const target = opts.query?.size ? `${url}?${opts.query.toString()}` : url;
    const headers: Record<string, string> = {
      authorization: this.auth,
      accept: opts.accept ?? "*/*",
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
    const log = this.logger.child({ method, path });
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
      throw this.error(
        "unavailable",
        timedOut
          ? `Kestra did not answer ${method} ${path} within ${Math.round(this.timeoutMs / 1000)} s`
          : `Kestra is unreachable (${method} ${path})`,
        { cause },
      );
    }
    const buf = Buffer.from(await res.body.arrayBuffer());
    const ms = Math.round(performance.now() - started);
    const status = res.statusCode;
    if (opts.answers?.[status]?.(buf)) {
      log.debug({ status, ms }, "kestra call");
      return { status, body: buf };
    }
    if (status >= 300 && status < 400) {
      // undici does not follow redirects; Kestra redirects a file of another execution (301).
      log.warn({ status, ms, location: res.headers["location"] }, "kestra call redirected");
      throw this.error(
        "incompatible",
        `${this.server()} answered ${method} ${path} with a redirect (${status})`,
        { status },
      );
    }
    if (status >= 400) {
      const detail = errorDetail(buf);
      log.warn({ status, ms, detail }, "kestra call refused");
      throw this.error(
        status === 404 && opts.required ? "incompatible" : kindOf(status, buf),
        `${this.server()} answered ${status} to ${method} ${path}${detail ? `: ${detail}` : ""}`,
        { status, ...(detail ? { detail } : {}) },
      );
    }
    log.debug({ status, ms }, "kestra call");
    return { status, body: buf };
  }

  /** "Kestra 2.0.0" once the version is known. */
  private server(): string {
    return this.serverVersion ? `Kestra ${this.serverVersion}` : "Kestra";
  }

  private error(
    kind: UpstreamKind,
    message: string,
    opts: { cause?: unknown; status?: number; detail?: string },
  ): UpstreamError {
    return new UpstreamError("kestra", kind, message, opts);
  }
}

/**
 * A 404 is "not found" only when Kestra itself says so (its JsonError body); a 404 without one is a
 * route this server does not have, or not Kestra at all.
 */
function kindOf(status: number, body: Buffer): UpstreamKind {
  const kind = upstreamKindForStatus(status);
  if (kind === "not_found" && !isKestraError(body)) return "incompatible";
  return kind;
}

/**
 * Kestra's own error body: Micronaut's JsonError as 2.0's ErrorController renders it (message and
 * _links.self), or the problem document of newer builds (title and status).
 */
function isKestraError(body: Buffer): boolean {
  try {
    const e = JSON.parse(body.toString("utf8")) as Record<string, unknown>;
    const jsonError = typeof e["message"] === "string" && typeof e["_links"] === "object";
    const problem = typeof e["title"] === "string" && typeof e["status"] === "number";
    return jsonError || problem;
  } catch {
    return false;
  }
}

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
