// SlackPacer: calls are paced before they are made, per lane; a 429 holds its lane and retries that
// call alone; work nobody waits for only takes what a lane's reserve leaves.
import { describe, expect, it } from "vitest";
import { UpstreamError } from "../../src/errors.ts";
import { createLogger } from "../../src/logger.ts";
import { MemoryPaceStore, retryAfterMs, SlackPacer, takeSlot } from "../../src/slack/pacer.ts";

const logger = createLogger({ level: "silent", secrets: [] });

async function until(ok: () => boolean): Promise<void> {
  while (!ok()) await new Promise((r) => setTimeout(r, 1));
}

/** What @slack/web-api throws with rejectRateLimitedCalls. */
function rateLimited(retryAfter: number): Error {
  return Object.assign(new Error("rate limited"), {
    code: "slack_webapi_rate_limited_error",
    retryAfter,
  });
}

describe("takeSlot", () => {
  it("lets `limit` calls through in any window, then plans each next one a window after", () => {
    let log: number[] = [];
    const waits: number[] = [];
    for (let i = 0; i < 7; i++) {
      const step = takeSlot(log, 1000, 3, 500, undefined);
      log = step.log;
      waits.push(step.slot.waitMs);
    }
    expect(waits).toEqual([0, 0, 0, 500, 500, 500, 1000]);
    // Later, the old calls have left the window.
    expect(takeSlot(log, 3000, 3, 500, undefined).slot).toMatchObject({ granted: true, waitMs: 0 });
  });

  it("a call with a reserve goes only now and while the reserve is left; it says when to ask again", () => {
    const one = takeSlot([], 1000, 3, 500, 1);
    expect(one.slot).toMatchObject({ granted: true, waitMs: 0 });
    const two = takeSlot(one.log, 1100, 3, 500, 1);
    expect(two.slot.granted).toBe(true);
    const three = takeSlot(two.log, 1200, 3, 500, 1);
    expect(three.slot).toEqual({ granted: false, waitMs: 300 });
    // The reserve is for calls someone waits for: they still go at once.
    expect(takeSlot(three.log, 1200, 3, 500, undefined).slot).toMatchObject({
      granted: true,
      waitMs: 0,
    });
    // Behind a call planned for later, nothing with a reserve goes.
    const planned = takeSlot([1000, 1100, 1200], 1300, 3, 500, undefined);
    expect(planned.slot.waitMs).toBe(200);
    expect(takeSlot(planned.log, 1300, 5, 500, 1).slot.granted).toBe(false);
  });
});

describe("MemoryPaceStore", () => {
  it("a call that left late is logged at its real time: the calls planned after it keep the window", async () => {
    let now = 1000;
    const store = new MemoryPaceStore(() => now);
    const first = await store.take("lane", 1, 500);
    // It really left 200 ms after its time: the next call comes a window after that.
    now = 1200;
    await store.late("lane", first.at ?? 0);
    expect((await store.take("lane", 1, 500)).waitMs).toBe(500);
  });
});

describe("SlackPacer", () => {
  it("a 429 stalls only its own call: another method's call goes while it waits", async () => {
    const stopper = new AbortController();
    const pacer = new SlackPacer({ store: new MemoryPaceStore(), logger, signal: stopper.signal });
    let attempts = 0;
    // A minute's Retry-After: were the other call held by it, this test would time out.
    const limited = pacer.call("chat.update", "C1", async () => {
      attempts++;
      throw rateLimited(60);
    });
    await until(() => attempts === 1);
    let posted = false;
    await pacer.call("chat.postMessage", "C1", async () => {
      posted = true;
    });
    expect(posted).toBe(true);
    expect(attempts).toBe(1);
    stopper.abort(new Error("shutting down"));
    await expect(limited).rejects.toThrow("shutting down");
  });

  it("a rate-limited call is tried again once its Retry-After has passed", async () => {
    const pacer = new SlackPacer({ store: new MemoryPaceStore(), logger });
    const started = Date.now();
    let attempts = 0;
    const at = await pacer.call("chat.update", "C1", async () => {
      attempts++;
      if (attempts === 1) throw rateLimited(1);
      return Date.now() - started;
    });
    expect(attempts).toBe(2);
    expect(at).toBeGreaterThanOrEqual(990);
  });

  it("a 429 holds its lane: the lane's next call waits for Retry-After too", async () => {
    const pacer = new SlackPacer({ store: new MemoryPaceStore(), logger });
    const started = Date.now();
    let first = true;
    const a = pacer.call("chat.update", undefined, async () => {
      if (first) {
        first = false;
        throw rateLimited(1);
      }
    });
    await new Promise((r) => setTimeout(r, 50));
    const b = await pacer.call("chat.update", undefined, async () => Date.now() - started);
    await a;
    expect(b).toBeGreaterThanOrEqual(990);
  });

  it("gives up after a few 429s in a row: the caller's error (rate_limited passes: tried again later)", async () => {
    const pacer = new SlackPacer({ store: new MemoryPaceStore(), logger, scale: 1000 });
    let attempts = 0;
    const call = pacer.call("conversations.join", "C1", async () => {
      attempts++;
      throw rateLimited(0.001);
    });
    await expect(call).rejects.toMatchObject({ code: "slack_webapi_rate_limited_error" });
    expect(attempts).toBe(5);
  });

  it("chat.postMessage is paced per channel: a busy channel does not hold another", async () => {
    // Slack's own pace: 5 messages in any 5.5 s per channel.
    const stopper = new AbortController();
    const pacer = new SlackPacer({ store: new MemoryPaceStore(), logger, signal: stopper.signal });
    const made: string[] = [];
    const post = (channel: string, name: string) =>
      pacer.call("chat.postMessage", channel, async () => {
        made.push(name);
      });
    await Promise.all(Array.from({ length: 5 }, (_, i) => post("C1", `C1 #${i + 1}`)));
    const sixth = post("C1", "C1 #6");
    await post("C2", "C2 #1");
    // C2's message went while C1's sixth waits for C1's window.
    expect(made).toEqual(["C1 #1", "C1 #2", "C1 #3", "C1 #4", "C1 #5", "C2 #1"]);
    stopper.abort(new Error("shutting down"));
    await expect(sixth).rejects.toThrow("shutting down");
  });

  it("a yielding call (a new run's root) lets calls someone waits for go first, then goes", async () => {
    // Windows 100 times shorter: 5 messages in any 55 ms (plus the lag margin) per channel.
    const pacer = new SlackPacer({ store: new MemoryPaceStore(), logger, scale: 100 });
    const made: string[] = [];
    // Three replies fill what the reserve leaves a root (5 - 2).
    await Promise.all(
      Array.from({ length: 3 }, () => pacer.call("chat.postMessage", "C1", async () => 0)),
    );
    const root = pacer.call(
      "chat.postMessage",
      "C1",
      async () => {
        made.push("root");
      },
      { yielding: true },
    );
    await pacer.call("chat.postMessage", "C1", async () => {
      made.push("reply");
    });
    await root;
    expect(made).toEqual(["reply", "root"]);
  });

  it("reads Retry-After from the Web API error, also once classified", () => {
    expect(retryAfterMs(rateLimited(3))).toBe(3000);
    const classified = new UpstreamError("slack", "rate_limited", "Slack rate-limited x", {
      cause: rateLimited(2),
    });
    expect(retryAfterMs(classified)).toBe(2000);
    expect(retryAfterMs(new Error("other"))).toBeUndefined();
  });

  it("stops waiting at shutdown", async () => {
    const stopper = new AbortController();
    const pacer = new SlackPacer({ store: new MemoryPaceStore(), logger, signal: stopper.signal });
    await Promise.all(
      Array.from({ length: 5 }, () => pacer.call("chat.postMessage", "C1", async () => 0)),
    );
    let made = false;
    const waiting = pacer.call("chat.postMessage", "C1", async () => {
      made = true;
    });
    stopper.abort(new Error("shutting down"));
    await expect(waiting).rejects.toThrow("shutting down");
    expect(made).toBe(false);
  });
});
