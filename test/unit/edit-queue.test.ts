// EditQueue: an edit goes at once when chat.update's budget allows, else it waits, and a newer
// edit of the same message takes its place; an edit that must be made now never lands before one
// in flight; Slack's answers decide where a queued edit goes next.
import { describe, expect, it } from "vitest";
import { UpstreamError } from "../../src/errors.ts";
import { createLogger } from "../../src/logger.ts";
import { type Edit, EditQueue, MemoryEditStore } from "../../src/slack/edit-queue.ts";
import { MemoryPaceStore, SlackPacer } from "../../src/slack/pacer.ts";

const logger = createLogger({ level: "silent", secrets: [] });
const target = { channel: "C1", ts: "1.1", rootTs: "1.1" };
const edit = (text: string, ts = target.ts): Edit => ({
  ...target,
  ts,
  message: { text, blocks: [] },
  meta: { run: "r1", key: "root", text },
});

interface Setup {
  queue: EditQueue;
  sent: string[];
  failed: { text: string; err: unknown }[];
  /** The next sends fail with these errors, in order. */
  failures: unknown[];
  /** Resolves the send in flight when set (a slow Slack). */
  hold?: Promise<void>;
  /** Sends begun. */
  begun: number;
  /** Times the store said an edit of the message was being sent (exclusive() waits). */
  busy: number;
  /** Claims renewed by the sender. */
  renewed: number;
  readonly paces: MemoryPaceStore;
  readonly store: MemoryEditStore;
}

function setup(opts: { leaseMs?: number } = {}): Setup {
  const paces = new MemoryPaceStore();
  const store = new MemoryEditStore();
  const s = {
    sent: [],
    failed: [],
    failures: [],
    paces,
    store,
    begun: 0,
    busy: 0,
    renewed: 0,
  } as unknown as Setup;
  const renew = store.renew.bind(store);
  store.renew = async (e, owner, ms) => {
    s.renewed++;
    await renew(e, owner, ms);
  };
  const clear = store.clear.bind(store);
  store.clear = async (t) => {
    const answer = await clear(t);
    if (answer === "busy") s.busy++;
    return answer;
  };
  // Slack's windows 1,000 times shorter: chat.update's 60 s are 60 ms (+ the 50 ms lag margin).
  const pacer = new SlackPacer({ store: paces, logger, scale: 1000 });
  s.queue = new EditQueue({
    store,
    pacer,
    logger,
    pollMs: 10,
    ...(opts.leaseMs ? { leaseMs: opts.leaseMs } : {}),
    send: async (e) => {
      s.begun++;
      if (s.hold) await s.hold;
      const err = s.failures.shift();
      if (err) throw err;
      s.sent.push(e.message.text);
    },
    failed: async (e, err) => {
      s.failed.push({ text: e.message.text, err });
    },
  });
  return s;
}

/** Spends chat.update's budget but the reserve: edits wait (for 110 ms: scale 1000, lag 50). */
async function spendBudget(s: Setup): Promise<void> {
  for (let i = 0; i < 40; i++) await s.paces.take("chat.update", 45, 110, 5);
}

const settled = (q: EditQueue) => q.drain(2000);

describe("EditQueue", () => {
  it("sends an edit at once when the budget allows: it is in Slack when edit() resolves", async () => {
    const s = setup();
    await s.queue.edit(edit("one"));
    expect(s.sent).toEqual(["one"]);
  });

  it("sends what waits once the budget allows, oldest first, each message once with its newest content", async () => {
    const s = setup();
    await spendBudget(s);
    await s.queue.edit(edit("a1"));
    await s.queue.edit(edit("b", "2.2"));
    await s.queue.edit(edit("a2"));
    expect(s.sent).toEqual([]);
    s.queue.start();
    await settled(s.queue);
    await s.queue.stop();
    expect(s.sent).toEqual(["a2", "b"]);
  });

  it("an edit that must be made now drops the waiting one, and waits for one in flight", async () => {
    const s = setup();
    await spendBudget(s);
    await s.queue.edit(edit("waiting"));
    await s.queue.exclusive(target);
    s.queue.start();
    await settled(s.queue);
    expect(s.sent).toEqual([]);

    // One in flight: exclusive() resolves only once it has landed.
    const t = setup();
    let release: () => void = () => {};
    t.hold = new Promise((r) => {
      release = r;
    });
    const inFlight = t.queue.edit(edit("in flight"));
    while (t.begun === 0) await new Promise((r) => setTimeout(r, 1));
    let exclusive = false;
    const now = t.queue.exclusive(target).then(() => {
      exclusive = true;
    });
    // It has found the edit in flight, and waits.
    while (t.busy === 0) await new Promise((r) => setTimeout(r, 1));
    expect(exclusive).toBe(false);
    release();
    await inFlight;
    await now;
    expect(t.sent).toEqual(["in flight"]);
    await s.queue.stop();
  });

  it("a send that outlasts its claim's lease renews it: no other replica takes the edit meanwhile", async () => {
    const s = setup({ leaseMs: 60 });
    let release: () => void = () => {};
    s.hold = new Promise((r) => {
      release = r;
    });
    const sending = s.queue.edit(edit("slow"));
    // Renewed three times: the send has gone on past the 60 ms it claimed first.
    while (s.renewed < 3) await new Promise((r) => setTimeout(r, 5));
    expect(await s.store.claim("another replica", 60_000, target)).toBeUndefined();
    expect(await s.store.clear(target)).toBe("busy");
    release();
    await sending;
    expect(s.sent).toEqual(["slow"]);
    expect(await s.store.due()).toBe(false);
  });

  it("sent at once and refused: the caller hears it (the notification is delivered again)", async () => {
    const s = setup();
    s.failures.push(
      new UpstreamError("slack", "invalid", "Slack refused chat.update: invalid_blocks"),
    );
    await expect(s.queue.edit(edit("bad"))).rejects.toThrow("invalid_blocks");
    expect(s.failed).toEqual([]);
    // Dropped, not tried again.
    s.queue.start();
    await settled(s.queue);
    await s.queue.stop();
    expect(s.sent).toEqual([]);
  });

  it("a queued edit Slack refuses for good is dropped and told; one Slack cannot take now is told and tried again", async () => {
    const s = setup();
    await spendBudget(s);
    await s.queue.edit(edit("refused"));
    const refused = new UpstreamError(
      "slack",
      "invalid",
      "Slack refused chat.update: invalid_blocks",
    );
    s.failures.push(refused);
    s.queue.start();
    await settled(s.queue);
    expect(s.failed).toEqual([{ text: "refused", err: refused }]);
    expect(s.sent).toEqual([]);

    const down = new UpstreamError("slack", "unavailable", "Slack answered 503 to chat.update");
    await spendBudget(s);
    await s.queue.edit(edit("later", "3.3"));
    s.failures.push(down);
    for (let i = 0; i < 100 && s.failed.length < 2; i++)
      await new Promise((r) => setTimeout(r, 10));
    expect(s.failed.at(-1)).toEqual({ text: "later", err: down });
    // Tried again after its backoff (1 s), and sent.
    for (let i = 0; i < 300 && s.sent.length === 0; i++)
      await new Promise((r) => setTimeout(r, 10));
    await s.queue.stop();
    expect(s.sent).toEqual(["later"]);
  }, 10_000);
});

describe("MemoryEditStore", () => {
  it("a version sent while a newer one came stays for the newer; the same content does not count as newer", async () => {
    const store = new MemoryEditStore();
    await store.put(edit("v1"));
    const claimed = await store.claim("me", 60_000);
    expect(claimed?.version).toBe(1);
    expect(await store.claim("other", 60_000)).toBeUndefined();
    expect(await store.clear(target)).toBe("busy");
    await store.put(edit("v2"));
    await store.put(edit("v2"));
    if (claimed) await store.settle(claimed);
    const next = await store.claim("me", 60_000);
    expect(next).toMatchObject({ version: 2, message: { text: "v2" } });
    if (next) await store.settle(next);
    expect(await store.due()).toBe(false);
  });
});
