import type { IncomingMessage, ServerResponse } from "node:http";
import { sendJson } from "./body.ts";

/** A dependency check: resolves with what it learned (a version), or throws with what is wrong. */
export type Probe = () => Promise<string | undefined>;

/** A check answered from local state on every request: "ok", or what is wrong. */
export type LiveCheck = () => string;

interface Result {
  check: string;
  detail?: string;
}

/**
 * Readiness, checked in the background and answered from what was last seen, so that a probe never
 * waits on Kestra or Slack (and never floods them): every dependency's check runs at start, then
 * every `intervalMs`. Until the first round ends, every check reads "checking".
 */
export class Readiness {
  private readonly probes: Record<string, Probe>;
  private readonly live: Record<string, LiveCheck>;
  private readonly timeoutMs: number;
  private results: Record<string, Result> = {};
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> | undefined;

  constructor(
    probes: Record<string, Probe>,
    live: Record<string, LiveCheck> = {},
    timeoutMs = 5000,
  ) {
    this.probes = probes;
    this.live = live;
    this.timeoutMs = timeoutMs;
  }

  start(intervalMs: number): void {
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One round of every probe (a round in progress is shared). */
  refresh(): Promise<void> {
    this.round ??= this.run().finally(() => {
      this.round = undefined;
    });
    return this.round;
  }

  private async run(): Promise<void> {
    const names = Object.keys(this.probes);
    const settled = await Promise.allSettled(
      names.map((n) =>
        withTimeout(this.probes[n]?.() ?? Promise.resolve(undefined), this.timeoutMs),
      ),
    );
    const results: Record<string, Result> = {};
    names.forEach((name, i) => {
      const s = settled[i];
      results[name] =
        s?.status === "fulfilled"
          ? { check: "ok", ...(s.value ? { detail: s.value } : {}) }
          : { check: reasonOf(s?.reason) };
    });
    this.results = results;
  }

  /** GET /readyz: 200 when every check says "ok", else 503 naming what is not. */
  handler() {
    return (_req: IncomingMessage, res: ServerResponse) => {
      const checks: Record<string, string> = {};
      const details: Record<string, string> = {};
      for (const name of Object.keys(this.probes)) {
        const r = this.results[name];
        checks[name] = r?.check ?? "checking";
        if (r?.detail) details[name] = r.detail;
      }
      for (const [name, check] of Object.entries(this.live)) checks[name] = check();
      const ok = Object.values(checks).every((c) => c === "ok");
      sendJson(res, ok ? 200 : 503, {
        ok,
        checks,
        ...(Object.keys(details).length ? { versions: details } : {}),
      });
    };
  }
}

/** GET /healthz: 200 while every liveness check says "ok", else 503 (the orchestrator restarts). */
export function healthzHandler(live: Record<string, LiveCheck> = {}) {
  return (_req: IncomingMessage, res: ServerResponse) => {
    const checks = Object.fromEntries(Object.entries(live).map(([n, c]) => [n, c()]));
    const ok = Object.values(checks).every((c) => c === "ok");
    sendJson(res, ok ? 200 : 503, { ok, ...(Object.keys(checks).length ? { checks } : {}) });
  };
}

/** A probe's failure in a few words: its message when it gave one for people, else "unreachable". */
function reasonOf(err: unknown): string {
  if (err instanceof ProbeError) return err.message;
  return "unreachable";
}

/** Thrown by a probe to say, in a few words, what is wrong (shown as the check's value). */
export class ProbeError extends Error {}

async function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ProbeError("no answer")), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
