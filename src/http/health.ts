import type { IncomingMessage, ServerResponse } from "node:http";
import { sendJson } from "./body.ts";

export type Probe = () => Promise<unknown>;

/** GET /healthz: the process serves HTTP. */
export function healthzHandler() {
  return (_req: IncomingMessage, res: ServerResponse) => sendJson(res, 200, { ok: true });
}

/** A check answered from local state on every request: "ok", or what is wrong. */
export type LiveCheck = () => string;

/**
 * GET /readyz: every probe answers and every live check says "ok"; 503 names what is not.
 * Probe results are cached briefly so health checks cannot flood Kestra and Slack; live checks
 * (the Socket Mode connection) are cheap and read fresh each time.
 */
export function readyzHandler(
  probes: Record<string, Probe>,
  live: Record<string, LiveCheck> = {},
  cacheMs = 5000,
) {
  let cached: { at: number; checks: Record<string, string> } | undefined;
  return async (_req: IncomingMessage, res: ServerResponse) => {
    if (!cached || Date.now() - cached.at > cacheMs) {
      const names = Object.keys(probes);
      const results = await Promise.allSettled(names.map((n) => probes[n]?.()));
      const checks = Object.fromEntries(
        names.map((n, i) => [n, results[i]?.status === "fulfilled" ? "ok" : "unreachable"]),
      );
      cached = { at: Date.now(), checks };
    }
    const checks = { ...cached.checks };
    for (const [name, check] of Object.entries(live)) checks[name] = check();
    const ok = Object.values(checks).every((c) => c === "ok");
    sendJson(res, ok ? 200 : 503, { ok, checks });
  };
}
