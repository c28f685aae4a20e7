import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import type { Notification } from "../contracts/notification.ts";
import { notificationSchema } from "../contracts/notification.ts";
import { UpstreamError } from "../errors.ts";
import type { Logger } from "../logger.ts";
import type { Background } from "../runs/background.ts";
import type { SyncOutcome } from "../runs/sync.ts";
import { BodyTooLargeError, readBody, sendJson } from "./body.ts";

export const KESTRA_EVENTS_PATH = "/kestra/events";
const MAX_BODY = 64 * 1024;
/** Under the flow's Request readIdleTimeout (PT15S), so a slow sync answers 202, not a timeout. */
export const EVENT_DEADLINE_MS = 10_000;

export interface KestraEventsDeps {
  token: string;
  sync: (executionId: string, hint: Notification) => Promise<SyncOutcome>;
  background: Background;
  logger: Logger;
  deadlineMs?: number;
  /** Aborted when shutdown gives up on work in flight: the wait ends with a 503. */
  signal?: AbortSignal;
  /** False while the bot starts (Slack, the database): 503, delivered again. */
  accepting?: () => boolean;
}

/**
 * POST /kestra/events. Checked in a fixed order, each with its own status:
 * 415 content type → 401 token → 413 size → 400 JSON → 400 schema. Then the run's thread is
 * synced from the execution read back from Kestra, and the answer says how that went:
 * 200 synced · 202 not a Slack run, or still syncing past the deadline · 503 the sync failed
 * (Kestra or Slack unavailable) or the bot is shutting down, so the flow's retry delivers the
 * notification again.
 */
export function kestraEventsHandler(deps: KestraEventsDeps) {
  const expected = Buffer.from(`Bearer ${deps.token}`);
  const log = deps.logger.child({ route: KESTRA_EVENTS_PATH });
  const deadlineMs = deps.deadlineMs ?? EVENT_DEADLINE_MS;

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
    const where = { executionId: note.executionId, event: note.event };
    if (deps.signal?.aborted) return shuttingDown(res);
    if (deps.accepting && !deps.accepting()) {
      return sendJson(
        res,
        503,
        { ok: false, error: "the bot is starting" },
        { "retry-after": "5" },
      );
    }
    log.info(where, "notification");
    const work = deps.background.watch(deps.sync(note.executionId, note));
    const timer = new AbortController();
    const wait = deps.signal ? AbortSignal.any([timer.signal, deps.signal]) : timer.signal;
    const outcome = await Promise.race([
      work.then(
        (result) => ({ result }),
        (err: unknown) => ({ err }),
      ),
      sleep(deadlineMs, "late" as const, { signal: wait }).catch(() => "late" as const),
    ]).finally(() => timer.abort());
    if (outcome === "late" && deps.signal?.aborted) {
      log.warn(where, "shutting down before the sync ended; the flow delivers it again");
      work.catch(() => {});
      return shuttingDown(res);
    }
    if (outcome === "late") {
      log.warn(where, "sync still running past the deadline; it goes on in the background");
      work.catch((err: unknown) => log.error({ ...where, err }, "late sync failed"));
      return sendJson(res, 202, { ok: true, pending: true });
    }
    if ("err" in outcome) {
      log.warn({ ...where, err: outcome.err }, "sync failed; the flow will deliver it again");
      const detail = outcome.err instanceof UpstreamError ? outcome.err.message : "sync failed";
      return sendJson(res, 503, { ok: false, error: detail }, { "retry-after": "5" });
    }
    if (outcome.result !== "synced") {
      log.info({ ...where, outcome: outcome.result }, "notification ignored: not a Slack run");
      return sendJson(res, 202, {
        ok: true,
        ignored: outcome.result === "unknown_execution" ? "unknown execution" : "no Slack labels",
      });
    }
    return sendJson(res, 200, { ok: true });
  };
}

function shuttingDown(res: ServerResponse): void {
  sendJson(res, 503, { ok: false, error: "the bot is shutting down" }, { "retry-after": "5" });
}
