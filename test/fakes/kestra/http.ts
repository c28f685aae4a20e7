// Small private HTTP layer: a router built from the Kestra 2.0 operations table (path + method, then
// Content-Type, then Accept, then required parameters, as Micronaut checks them before a controller
// runs), request recording and fault injection.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { ApiError } from "./errors.ts";
import {
  acceptEntries,
  acceptMatches,
  consumedTypes,
  type Operation,
  producedTypes,
} from "./operations.ts";
import type { FaultMatch, FaultResponse, RecordedRequest, ReplyHook } from "./types.ts";

export interface Ctx {
  method: string;
  url: URL;
  /** Path plus query as sent. */
  rawPath: string;
  params: Record<string, string>;
  headers: IncomingMessage["headers"];
  body: Buffer;
  /** Lower-cased media type without parameters, or undefined when absent. */
  mediaType: string | undefined;
  /** The Content-Type header verbatim (multipart needs its boundary). */
  contentType: string | undefined;
}

export interface Reply {
  status: number;
  json?: unknown;
  text?: string;
  bytes?: Buffer;
  contentType?: string;
  headers?: Record<string, string>;
}

export type Handler = (ctx: Ctx) => Reply | Promise<Reply>;

interface Route {
  operation: Operation;
  segments: string[];
  handler: Handler | undefined;
}

export interface Resolved {
  operation: Operation;
  handler: Handler;
  params: Record<string, string>;
}

/**
 * Routes exist only for operations of the table: the fake can never serve a path or method that
 * Kestra 2.0's spec does not have.
 */
export class Router {
  private readonly routes: Route[];

  constructor(operations: readonly Operation[]) {
    this.routes = operations.map((operation) => ({
      operation,
      segments: operation.path.split("/").slice(1),
      handler: undefined,
    }));
  }

  /** Implements one operation of the table, by its operationId. */
  handle(operationId: string, handler: Handler): void {
    const route = this.routes.find((r) => r.operation.operationId === operationId);
    if (!route) throw new Error(`fake kestra: ${operationId} is not in the operations table`);
    if (route.handler) throw new Error(`fake kestra: ${operationId} is implemented twice`);
    route.handler = handler;
  }

  /** The operations of the table that have no handler (the fake must serve them all). */
  unimplemented(): string[] {
    return this.routes.filter((r) => !r.handler).map((r) => r.operation.operationId);
  }

  /** The operation a request reaches, or the 404/405/415/406/400 Micronaut answers before it. */
  resolve(
    method: string,
    pathname: string,
    headers: IncomingMessage["headers"],
    query: URLSearchParams,
    body: Buffer,
  ): Resolved {
    let segments: string[];
    try {
      segments = pathname.split("/").slice(1).map(decodeURIComponent);
    } catch {
      throw new ApiError("bad-request", `Malformed path ${pathname}`);
    }
    const matches: { route: Route; params: Record<string, string>; literals: number }[] = [];
    for (const route of this.routes) {
      const params = matchSegments(route.segments, segments);
      if (params) {
        const literals = route.segments.filter((s) => !s.startsWith("{")).length;
        matches.push({ route, params, literals });
      }
    }
    if (matches.length === 0)
      throw new ApiError("not-found", "Page Not Found", { framework: true });
    const byMethod = matches.filter((m) => m.route.operation.method === method);
    if (byMethod.length === 0) {
      const allowed = [...new Set(matches.map((m) => m.route.operation.method))].sort();
      throw new ApiError(
        "method-not-allowed",
        `Method [${method}] not allowed for URI [${pathname}]. Allowed methods: [${allowed.join(", ")}]`,
        { framework: true, headers: { allow: allowed.join(", ") } },
      );
    }
    // The most specific template wins: /executions/search over /executions/{executionId}.
    byMethod.sort((a, b) => b.literals - a.literals);
    const best = byMethod[0];
    if (!best) throw new ApiError("not-found", "Page Not Found", { framework: true });
    const { operation } = best.route;

    const contentType = header(headers, "content-type");
    const media = contentType?.split(";")[0]?.trim().toLowerCase() || undefined;
    const consumes = consumedTypes(operation);
    // A request without Content-Type reaches any route.
    if (media !== undefined && !consumes.includes(media)) {
      throw new ApiError(
        "unsupported-media-type",
        `Content Type [${media}] not allowed. Allowed types: [${consumes.join(", ")}]`,
        { framework: true },
      );
    }
    const accept = header(headers, "accept");
    const produces = producedTypes(operation);
    if (!acceptMatches(accept, produces)) {
      throw new ApiError(
        "not-acceptable",
        `Specified Accept Types [${acceptEntries(accept ?? "").join(", ")}] not supported. Supported types: [${produces.join(", ")}]`,
        { framework: true },
      );
    }
    for (const p of operation.parameters) {
      if (!p.required || p.in === "path") continue;
      const present =
        p.in === "query" ? query.has(p.name) : header(headers, p.name.toLowerCase()) !== undefined;
      if (!present) {
        const kind = p.in === "query" ? "QueryValue" : p.in === "header" ? "Header" : "CookieValue";
        throw new ApiError("bad-request", `Required ${kind} [${p.name}] not specified`);
      }
    }
    if (operation.requiredBody && body.length === 0) {
      throw new ApiError("bad-request", "Required Body [body] not specified");
    }
    const handler = best.route.handler;
    if (!handler) {
      throw new ApiError(
        "not-implemented",
        `${operation.operationId} exists in Kestra 2.x but the fake does not implement it`,
      );
    }
    return { operation, handler, params: best.params };
  }
}

function header(headers: IncomingMessage["headers"], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(", ") : value;
}

function matchSegments(pattern: string[], actual: string[]): Record<string, string> | undefined {
  if (pattern.length !== actual.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i] ?? "";
    const a = actual[i] ?? "";
    if (p.startsWith("{")) {
      if (a === "") return undefined;
      params[p.slice(1, -1)] = a;
    } else if (p !== a) {
      return undefined;
    }
  }
  return params;
}

interface PendingFault {
  match: FaultMatch;
  response: FaultResponse;
  remaining: number;
}

export type Outcome = Reply | "timeout" | "reset";

export interface ServerHooks {
  /** Answers one request (auth, table checks, faults, handlers) and fills its record; must not throw. */
  handle: (ctx: Omit<Ctx, "params">, record: RecordedRequest) => Promise<Outcome>;
}

export class FakeHttpServer {
  readonly requests: RecordedRequest[] = [];
  private readonly faults: PendingFault[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly server: Server;
  private readonly hooks: ServerHooks;
  /** See ReplyHook; set by FakeKestra.beforeReply. */
  beforeReply: ReplyHook | undefined;
  url = "";

  constructor(hooks: ServerHooks) {
    this.hooks = hooks;
    this.server = createServer((req, res) => {
      void this.onRequest(req, res);
    });
    this.server.on("connection", (socket) => {
      this.sockets.add(socket);
      socket.on("close", () => this.sockets.delete(socket));
    });
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(0, "127.0.0.1", () => resolve());
    });
    const { port } = this.server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
  }

  async close(): Promise<void> {
    // Sockets held open by a "timeout" fault would keep close() waiting forever.
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  failNext(match: FaultMatch, response: FaultResponse, times: number): void {
    if (!Number.isInteger(times) || times < 1) throw new Error("fake kestra: times must be ≥ 1");
    this.faults.push({ match, response, remaining: times });
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  /** The scripted answer of the next pending fault this request matches, if any. */
  takeFault(
    method: string,
    rawPath: string,
    pathname: string,
    kestraError: (status: number, message: string) => Outcome,
  ): Outcome | undefined {
    const fault = this.faults.find(({ match }) => {
      if (match.method && match.method.toUpperCase() !== method) return false;
      return typeof match.path === "string" ? match.path === pathname : match.path.test(rawPath);
    });
    if (!fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining === 0) this.faults.splice(this.faults.indexOf(fault), 1);
    const response = fault.response;
    if (response === "timeout" || response === "reset") return response;
    if ("error" in response) return kestraError(response.status, response.error);
    if (typeof response.body === "string") return { status: response.status, text: response.body };
    if (response.body === undefined) return { status: response.status };
    return { status: response.status, json: response.body };
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const method = (req.method ?? "GET").toUpperCase();
    const rawPath = req.url ?? "/";
    const url = new URL(rawPath, "http://127.0.0.1");
    const record: RecordedRequest = {
      method,
      path: rawPath,
      headers: flattenHeaders(req.headers),
      body: body.toString("utf8"),
      bodyBytes: body.length,
      status: 0,
    };
    this.requests.push(record);
    const n = this.requests.length;
    const contentType = req.headers["content-type"];
    const outcome = await this.hooks.handle(
      {
        method,
        url,
        rawPath,
        headers: req.headers,
        body,
        contentType,
        mediaType: contentType?.split(";")[0]?.trim().toLowerCase() || undefined,
      },
      record,
    );
    if (outcome !== "timeout" && outcome !== "reset") record.status = outcome.status;
    await this.beforeReply?.({ ...record, n });
    if (outcome === "timeout") {
      record.fault = "timeout";
      return; // never answered; close() destroys the socket
    }
    if (outcome === "reset") {
      record.fault = "reset";
      req.socket.destroy();
      return;
    }
    send(res, outcome);
  }
}

function flattenHeaders(headers: IncomingMessage["headers"]): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return flat;
}

function send(res: ServerResponse, reply: Reply): void {
  const headers: Record<string, string> = { ...reply.headers };
  let payload: Buffer | string | undefined;
  if (reply.bytes !== undefined) {
    payload = reply.bytes;
    headers["content-type"] = reply.contentType ?? "application/octet-stream";
  } else if (reply.text !== undefined) {
    payload = reply.text;
    headers["content-type"] = reply.contentType ?? "text/plain";
  } else if (reply.json !== undefined) {
    payload = JSON.stringify(reply.json);
    headers["content-type"] = reply.contentType ?? "application/json";
  }
  if (payload !== undefined) headers["content-length"] = String(Buffer.byteLength(payload));
  else headers["content-length"] = "0";
  res.writeHead(reply.status, headers);
  res.end(payload);
}
