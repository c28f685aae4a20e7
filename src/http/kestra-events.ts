import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { notificationSchema } from "../contracts/notification.ts";
import { UpstreamError } from "../errors.ts";
import type { KestraClient } from "../kestra/client.ts";
import type { Logger } from "../logger.ts";
import type { Background } from "../runs/background.ts";
import { contextOf } from "../runs/context.ts";
import type { RunSyncer } from "../runs/sync.ts";
import { BodyTooLargeError, readBody, sendJson } from "./body.ts";

export const KESTRA_EVENTS_PATH = "/kestra/events";
const MAX_BODY = 64 * 1024;

export interface KestraEventsDeps {
  token: string;
  kestra: KestraClient;
  syncer: RunSyncer;
  background: Background;
  logger: Logger;
}

/**
 * POST /kestra/events. Checked in a fixed order, each with its own status:
 * 415 content type → 401 token → 413 size → 400 JSON → 400 schema → 202 not ours / 503 Kestra down → 200.
 * The body only wakes the bot up; the thread is synced from the execution read back from Kestra.
 */
export function kestraEventsHandler(deps: KestraEventsDeps) {
  const expected = Buffer.from(`Bearer ${deps.token}`);
  const log = deps.logger.child({ route: KESTRA_EVENTS_PATH });

  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const type = (req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
    if (type !== "application/json") {
      req.resume();
      return sendJson(res, 415, { ok: false, error: "Content-Type must be application/json" });
    }
    const given = Buffer.from(req.headers.authorization ?? "");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      req.resume();
      log.warn({ remote: req.socket.remoteAddress }, "notification with a bad token");
      return sendJson(
        res,
        401,
        { ok: false, error: "missing or invalid bearer token" },
        { "www-authenticate": "Bearer" },
      );
    }
    let raw: Buffer;
    try {
      raw = await readBody(req, MAX_BODY);
    } catch (err) {
      if (err instanceof BodyTooLargeError) {
        return sendJson(res, 413, { ok: false, error: `body larger than ${MAX_BODY} bytes` });
      }
      throw err;
    }
    let json: unknown;
    try {
      json = JSON.parse(raw.toString("utf8"));
    } catch {
      return sendJson(res, 400, { ok: false, error: "body is not valid JSON" });
    }
    const parsed = notificationSchema.safeParse(json);
    if (!parsed.success) {
      const reason = parsed.error.issues
        .map((i) => (i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message))
        .join("; ");
      return sendJson(res, 400, { ok: false, error: reason });
    }
    const note = parsed.data;
    let execution: Awaited<ReturnType<KestraClient["findExecution"]>>;
    try {
      execution = await deps.kestra.findExecution(note.executionId);
    } catch (err) {
      log.warn(
        { err, executionId: note.executionId },
        "cannot read the execution; Kestra should retry",
      );
      const detail = err instanceof UpstreamError ? err.message : "Kestra lookup failed";
      return sendJson(res, 503, { ok: false, error: detail }, { "retry-after": "10" });
    }
    if (!execution || !contextOf(execution)) {
      log.info(
        { executionId: note.executionId, event: note.event, known: Boolean(execution) },
        "notification ignored: not a Slack run",
      );
      return sendJson(res, 202, {
        ok: true,
        ignored: execution ? "no Slack labels" : "unknown execution",
      });
    }
    log.info({ executionId: note.executionId, event: note.event }, "notification");
    deps.background.run(`sync ${note.executionId}`, () =>
      deps.syncer.syncNotified(note.executionId, note),
    );
    return sendJson(res, 200, { ok: true });
  };
}
