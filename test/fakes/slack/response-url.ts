// response_url endpoint of the fake Slack. Slack documents "up to 5 times within 30 minutes";
// the exact answer past that is not documented, so the fake answers 404 (Bolt's respond()
// then throws RespondError) with used_url / expired_url.

import type { IncomingMessage } from "node:http";
import { headerValue } from "../http-server.ts";
import { formatIssue, validateBlocks } from "./block-kit.ts";
import type { SlackState } from "./state.ts";

export const RESPONSE_URL_MAX_USES = 5;
export const RESPONSE_URL_TTL_MS = 30 * 60 * 1000;

export interface ResponseOutcome {
  status: number;
  body: Record<string, unknown>;
}

const fail = (
  status: number,
  error: string,
  extra: Record<string, unknown> = {},
): ResponseOutcome => ({
  status,
  body: { ok: false, error, ...extra },
});

export function receiveResponse(
  state: SlackState,
  id: string,
  req: IncomingMessage,
  raw: Buffer,
  now: number,
): ResponseOutcome {
  const record = state.responseUrls.get(id);
  if (!record || now - record.createdAt > RESPONSE_URL_TTL_MS) return fail(404, "expired_url");
  if (record.bodies.length >= RESPONSE_URL_MAX_USES) return fail(404, "used_url");
  const contentType = headerValue(req, "content-type") ?? "";
  if (!contentType.toLowerCase().startsWith("application/json"))
    return fail(400, "invalid_payload");
  let body: unknown;
  try {
    body = JSON.parse(raw.toString("utf8"));
  } catch {
    return fail(400, "invalid_payload");
  }
  if (typeof body !== "object" || body === null || Array.isArray(body))
    return fail(400, "invalid_payload");
  const message = body as Record<string, unknown>;
  const hasContent = typeof message["text"] === "string" && message["text"].length > 0;
  if (!hasContent && message["blocks"] === undefined && message["delete_original"] !== true)
    return fail(400, "no_text");
  if (message["blocks"] !== undefined) {
    const issues = validateBlocks(message["blocks"], "message");
    if (issues.length > 0)
      return fail(400, "invalid_blocks", {
        response_metadata: { messages: issues.map(formatIssue) },
      });
  }
  record.bodies.push(message);
  return { status: 200, body: { ok: true } };
}
