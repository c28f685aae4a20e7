import type { IncomingMessage, ServerResponse } from "node:http";
import { sendJson } from "./body.ts";

export type Probe = () => Promise<unknown>;

/** GET /healthz: the process serves HTTP. */
export function healthzHandler() {
  return (_req: IncomingMessage, res: ServerResponse) => sendJson(res, 200, { ok: true });
}

/** GET /readyz: Kestra and Slack answer. Results are cached briefly so probes cannot flood them. */
export function readyzHandler(probes: Record<string, Probe>, cacheMs = 5000) {
  let cached: { at: number; status: number; body: unknown } | undefined;
  return async (_req: IncomingMessage, res: ServerResponse) => {
    if (!cached || Date.now() - cached.at > cacheMs) {
      const names = Object.keys(probes);
      const results = await Promise.allSettled(names.map((n) => probes[n]?.()));
      const checks = Object.fromEntries(
        names.map((n, i) => [n, results[i]?.status === "fulfilled" ? "ok" : "unreachable"]),
      );
      const ok = Object.values(checks).every((c) => c === "ok");
      cached = { at: Date.now(), status: ok ? 200 : 503, body: { ok, checks } };
    }
    sendJson(res, cached.status, cached.body);
  };
}
