// When the bot reads a thread back: after a restart (nothing known), and at every look when other
// replicas may post; never again for a run new to a thread this process alone has been posting in.
import { describe, expect, it } from "vitest";
import type { RecordJournal } from "../../src/runs/journal.ts";
import { KEYS, RunRecords } from "../../src/runs/record.ts";
import {
  fileTag,
  type SlackThreads,
  type ThreadPost,
  ThreadSnapshot,
} from "../../src/slack/thread.ts";

const batch = { channel: "C1", rootTs: "1.1" };

function counting(posts: ConstructorParameters<typeof ThreadSnapshot>[0] = []) {
  const reads: string[] = [];
  const threads = {
    read: async (t: { rootTs: string }) => {
      reads.push(t.rootTs);
      return new ThreadSnapshot(posts);
    },
  } as unknown as SlackThreads;
  return { threads, reads };
}

describe("RunRecords", () => {
  it("alone, reads a thread once: later runs in it start from what this process posted", async () => {
    const { threads, reads } = counting([
      { ts: "1.1", meta: { run: "batch", key: "root" }, fileNames: [] },
      { ts: "1.2", meta: { run: "child1", key: "failure:0" }, fileNames: [] },
    ]);
    const records = new RunRecords(threads, {});
    expect((await records.load("child1", batch)).has("failure:0")).toBe(true);
    const child2 = await records.load("child2", batch);
    expect(child2.has("failure:0")).toBe(false);
    expect(reads).toEqual(["1.1"]);
    // Each record stays this process's copy.
    child2.mark("patch:t:1");
    expect((await records.load("child2", batch)).has("patch:t:1")).toBe(true);
    expect(reads).toEqual(["1.1"]);
  });

  it("a run whose only post is a file (no metadata) is still known from the thread it was read in", async () => {
    const key = KEYS.patch("t9", 1);
    const { threads, reads } = counting([
      { ts: "1.1", meta: { run: "batch", key: "root" }, fileNames: [] },
      { ts: "1.2", meta: undefined, fileNames: [`acme-api-9-${fileTag("child9", key)}.diff`] },
    ]);
    const records = new RunRecords(threads, {});
    await records.load("child1", batch);
    expect((await records.load("child9", batch)).has(key)).toBe(true);
    expect(reads).toEqual(["1.1"]);
  });

  it("with replicas, reads the journal at every load, and the thread only where the journal is in doubt", async () => {
    const { threads, reads } = counting([
      { ts: "1.1", meta: { run: "batch", key: "root" }, fileNames: [] },
      { ts: "1.3", meta: { run: "a", key: "failure:0" }, fileNames: [] },
    ]);
    // What another replica journaled: b's patch; a's failure reply is in doubt (it died mid-call).
    const rows: ThreadPost[] = [
      { ts: "1.1", meta: { run: "batch", key: "root" }, fileNames: [] },
      { ts: "1.2", meta: { run: "b", key: "patch:t:1" }, fileNames: [] },
    ];
    let doubtful = true;
    const looks: string[] = [];
    const journal = {
      look: async (_t: unknown, run: string) => {
        looks.push(run);
        return { snapshot: new ThreadSnapshot(rows), doubt: run === "a" && doubtful };
      },
      settle: async (_t: unknown, _run: string, read: ThreadSnapshot) => {
        for (const p of read.posts) if (!rows.some((r) => r.ts === p.ts)) rows.push(p);
        doubtful = false;
      },
    } as unknown as RecordJournal;
    const records = new RunRecords(threads, { journal });
    expect((await records.load("b", batch)).has("patch:t:1")).toBe(true);
    expect(reads).toEqual([]);
    expect((await records.load("a", batch)).has("failure:0")).toBe(true);
    expect(reads).toEqual(["1.1"]);
    await records.load("a", batch);
    expect(reads).toEqual(["1.1"]);
    expect(looks).toEqual(["b", "a", "a", "a"]);
  });

  it("forgets a whole thread when it drops a record, and reads it back next time", async () => {
    const { threads, reads } = counting();
    const records = new RunRecords(threads, { max: 2 });
    records.fresh("a", batch);
    records.fresh("b", batch);
    records.fresh("x", { channel: "C1", rootTs: "2.2" }); // over the bound: the oldest thread goes
    expect(records.peek("a")).toBeUndefined();
    expect(records.peek("b")).toBeUndefined();
    await records.load("c", batch);
    expect(reads).toEqual(["1.1"]);
  });
});
