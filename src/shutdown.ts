// The shutdown budget. Docker sends SIGKILL stop_grace_period after SIGTERM (10 s, its default,
// set explicitly in docker-compose.yml); everything below has to fit inside it.

import type { Logger } from "./logger.ts";

/** How long stop() lets work in flight finish before it aborts the waits that are left. */
export const DRAIN_MS = 7000;
/** After that, how long open requests and the database pool get to close. */
export const CLOSE_MS = 1000;
/** main.ts exits with status 1 if stop() has not returned by then: before Docker's SIGKILL. */
export const FORCE_EXIT_MS = 9000;

/** Whether `work` settled within `ms` (the timer does not keep the process alive). */
export async function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
    timer.unref();
  });
  const settled = work.then(
    () => true,
    () => true,
  );
  try {
    return await Promise.race([settled, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * SIGTERM or SIGINT stops the app once, then exits: 0 when stop() returned, 1 when it failed or
 * had not returned after FORCE_EXIT_MS (stop() bounds itself under that; the timer is the last
 * resort before Docker's SIGKILL).
 */
export function exitOnSignals(app: { stop(): Promise<void> }, logger: Logger): void {
  let stopping = false;
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.once(signal, () => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, "shutting down");
      const force = setTimeout(() => process.exit(1), FORCE_EXIT_MS);
      force.unref();
      app.stop().then(
        () => process.exit(0),
        (err: unknown) => {
          logger.error({ err }, "shutdown failed");
          process.exit(1);
        },
      );
    });
  }
}
