// Conditional requests and the primary rate limit, as GitHub documents them (REST API, "Best
// practices": "Most endpoints return an etag header… If the data has not changed, you will receive
// a 304 Not Modified response. Making a conditional request does not count against your primary
// rate limit if a 304 response is returned and the request was made while correctly authorized").
// Applied to every GET the fake answers 200: the ETag is a weak validator of the body, a matching
// If-None-Match gets 304 with no body, and the x-ratelimit-* headers count only what was not a 304.

import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

export interface RateLimit {
  limit: number;
  /** Requests counted against the limit (authorized, not answered 304). */
  used: number;
  /** Requests answered 304. */
  notModified: number;
}

type WriteHead = (status: number, headers?: Record<string, string | number>) => ServerResponse;
type End = (chunk?: string | Buffer) => ServerResponse;

/** Makes `res` answer a GET conditionally; call before the route handler writes. */
export function answerConditionally(
  req: IncomingMessage,
  res: ServerResponse,
  rate: RateLimit,
  authorized: boolean,
): void {
  const writeHead = res.writeHead.bind(res) as unknown as WriteHead;
  const end = res.end.bind(res) as unknown as End;
  let status = 200;
  let headers: Record<string, string | number> = {};
  (res as unknown as { writeHead: WriteHead }).writeHead = (s, h) => {
    status = s;
    headers = h ?? {};
    return res;
  };
  (res as unknown as { end: End }).end = (chunk) => {
    const body = chunk === undefined ? Buffer.alloc(0) : Buffer.from(chunk);
    const etag =
      status === 200
        ? `W/"${createHash("sha256").update(body).digest("hex").slice(0, 32)}"`
        : undefined;
    const asked = (req.headers["if-none-match"] ?? "")
      .toString()
      .split(",")
      .map((t) => t.trim());
    const match = etag !== undefined && asked.includes(etag);
    if (match) rate.notModified++;
    else if (authorized) rate.used++;
    const limits = {
      "x-ratelimit-limit": String(rate.limit),
      "x-ratelimit-remaining": String(Math.max(0, rate.limit - rate.used)),
      "x-ratelimit-used": String(rate.used),
      "x-ratelimit-resource": "core",
      "x-ratelimit-reset": String(Math.floor(Date.now() / 1000) + 3600),
    };
    if (match) {
      writeHead(304, { etag, ...limits });
      return end();
    }
    writeHead(status, { ...headers, ...(etag ? { etag } : {}), ...limits });
    return end(body);
  };
}
