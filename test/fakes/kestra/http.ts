// Small private HTTP layer: a Micronaut-like router (most specific literal match wins, 405 when only
// the method differs, 415 when the route does not consume the content type), request recording and
// fault injection.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { ApiError } from "./errors.ts";
import type { FaultMatch, FaultResponse, RecordedRequest } from "./types.ts";

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
  method: string;
  segments: string[];
  consumes: string[] | undefined;
  handler: Handler;
}

export class Router {
  private readonly routes: Route[] = [];

  add(method: string, pattern: string, handler: Handler, consumes?: string[]): void {
    this.routes.push({ method, segments: pattern.split("/").slice(1), consumes, handler });
  }

  /** Finds the handler for a request or throws the router's 404/405/415. */
  resolve(method: string, pathname: string, mediaType: string | undefined) {
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
        const literals = route.segments.filter((s) => !s.startsWith(":")).length;
        matches.push({ route, params, literals });
      }
    }
    if (matches.length === 0)
      throw new ApiError("not-found", "Page Not Found", { framework: true });
    const byMethod = matches.filter((m) => m.route.method === method);
    if (byMethod.length === 0) {
      const allowed = [...new Set(matches.map((m) => m.route.method))].sort();
      throw new ApiError(
        "method-not-allowed",
        `Method [${method}] not allowed for URI [${pathname}]. Allowed methods: [${allowed.join(", ")}]`,
        { framework: true, headers: { allow: allowed.join(", ") } },
      );
    }
    byMethod.sort((a, b) => b.literals - a.literals);
    const best = byMethod[0];
    if (!best) throw new ApiError("not-found", "Page Not Found", { framework: true });
    const consumes = best.route.consumes;
    // Micronaut accepts a request without Content-Type on any route.
    if (consumes && mediaType !== undefined && !consumes.includes(mediaType)) {
      throw new ApiError(
        "unsupported-media-type",
        `Content Type [${mediaType}] not allowed. Allowed types: [${consumes.join(", ")}]`,
        { framework: true },
      );
    }
    return { handler: best.route.handler, params: best.params };
  }
}

function matchSegments(pattern: string[], actual: string[]): Record<string, string> | undefined {
  if (pattern.length !== actual.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i] ?? "";
    const a = actual[i] ?? "";
    if (p.startsWith(":")) {
      if (a === "") return undefined;
      params[p.slice(1)] = a;
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

export interface ServerHooks {
  /** Answers one request (auth, routing, handlers); must not throw. */
  handle: (ctx: Omit<Ctx, "params">) => Promise<Reply>;
}

export class FakeHttpServer {
  readonly requests: RecordedRequest[] = [];
  private readonly faults: PendingFault[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly server: Server;
  private readonly hooks: ServerHooks;
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

  private takeFault(method: string, rawPath: string, pathname: string): FaultResponse | undefined {
    const fault = this.faults.find(({ match }) => {
      if (match.method && match.method.toUpperCase() !== method) return false;
      return typeof match.path === "string" ? match.path === pathname : match.path.test(rawPath);
    });
    if (!fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining === 0) this.faults.splice(this.faults.indexOf(fault), 1);
    return fault.response;
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

    const fault = this.takeFault(method, rawPath, url.pathname);
    if (fault === "timeout") {
      record.fault = "timeout";
      return; // never answered; close() destroys the socket
    }
    if (fault === "reset") {
      record.fault = "reset";
      req.socket.destroy();
      return;
    }
    let reply: Reply;
    if (fault) {
      reply =
        typeof fault.body === "string"
          ? { status: fault.status, text: fault.body }
          : fault.body === undefined
            ? { status: fault.status }
            : { status: fault.status, json: fault.body };
    } else {
      const contentType = req.headers["content-type"];
      reply = await this.hooks.handle({
        method,
        url,
        rawPath,
        headers: req.headers,
        body,
        contentType,
        mediaType: contentType?.split(";")[0]?.trim().toLowerCase() || undefined,
      });
    }
    record.status = reply.status;
    send(res, reply);
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
