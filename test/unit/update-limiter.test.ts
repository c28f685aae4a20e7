// The app-wide chat.update budget: calls beyond it wait for the window, in order; stop() ends waits.
import { describe, expect, it } from "vitest";
import { UpdateLimiter } from "../../src/slack/update-limiter.ts";

describe("UpdateLimiter", () => {
  it("lets perWindow calls through at once and holds the next until the window moves", async () => {
    const limiter = new UpdateLimiter({ perWindow: 3, windowMs: 200 });
    const done: number[] = [];
    const started = Date.now();
    const calls = Array.from({ length: 5 }, (_, i) =>
      limiter.run(async () => {
        done.push(i);
        return Date.now() - started;
      }),
    );
    const at = await Promise.all(calls);
    expect(done).toEqual([0, 1, 2, 3, 4]);
    // The 4th and 5th call came after the first window had passed.
    expect(at[3]).toBeGreaterThanOrEqual(190);
    expect(at[4]).toBeGreaterThanOrEqual(190);
  });

  it("stop() ends a wait: the call is refused, not made", async () => {
    const limiter = new UpdateLimiter({ perWindow: 1, windowMs: 60_000 });
    await limiter.run(async () => "first");
    let made = false;
    const waiting = limiter.run(async () => {
      made = true;
    });
    limiter.stop();
    await expect(waiting).rejects.toThrow("shutting down");
    expect(made).toBe(false);
  });
});
