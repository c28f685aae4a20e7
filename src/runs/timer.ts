/**
 * Runs `work` every `intervalMs` (none when 0), plus a jitter so that replicas do not move in
 * lock-step; the timer never keeps the process alive.
 */
export function every(
  intervalMs: number,
  work: () => Promise<unknown>,
  onError: (err: unknown) => void,
): NodeJS.Timeout | undefined {
  if (intervalMs <= 0) return undefined;
  const jitter = Math.round(Math.random() * Math.min(intervalMs / 5, 30_000));
  const timer = setInterval(() => {
    work().catch(onError);
  }, intervalMs + jitter);
  timer.unref();
  return timer;
}
