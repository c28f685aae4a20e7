// The thread is the record: what a run's posts say in their metadata (and files in their names)
// is what the bot knows it has shown, after a restart as before it.
import { describe, expect, it } from "vitest";
import { KEYS, RunRecord } from "../../src/runs/record.ts";
import { fileTag, ThreadSnapshot } from "../../src/slack/thread.ts";

const thread = { channel: "C1", rootTs: "1.1" };
const shared = () => ({ rootOwner: undefined as string | undefined });
const decision = { verdict: "approve", by: "U1", at: "2026-01-01T00:00:00Z", attempt: 0 };

describe("RunRecord from a thread", () => {
  const snapshot = new ThreadSnapshot([
    {
      ts: "1.1",
      meta: { run: "e1", key: "root", status: "awaiting_approval", render: "abc", decision },
      fileNames: [],
    },
    {
      ts: "1.2",
      meta: undefined,
      fileNames: [`acme-api-42-${fileTag("e1", KEYS.patch("t1", 1))}.diff`],
    },
    {
      ts: "1.3",
      meta: { run: "e1", key: "pr:t9", prUrl: "https://github.com/acme/api/pull/3" },
      fileNames: [],
    },
    { ts: "1.4", meta: { run: "e2", key: "failure:0" }, fileNames: [] },
  ]);

  it("knows what was posted for the run, files included, and nothing of other runs", () => {
    const r = new RunRecord("e1", thread, shared(), snapshot);
    expect(r.has(KEYS.patch("t1", 1))).toBe(true);
    expect(r.has(KEYS.patch("t1", 2))).toBe(false);
    expect(r.has("pr:t9")).toBe(true);
    expect(r.has("failure:0")).toBe(false);
    expect(new RunRecord("e2", thread, shared(), snapshot).has("failure:0")).toBe(true);
  });

  it("takes the decision, PR link, status and render from the metadata", () => {
    const r = new RunRecord("e1", thread, shared(), snapshot);
    expect(r.decision).toEqual(decision);
    expect(r.prUrl).toBe("https://github.com/acme/api/pull/3");
    expect(r.status).toBe("awaiting_approval");
    expect(r.rootRender).toBe("abc");
  });

  it("a file of another run never counts as this run's patch", () => {
    const r = new RunRecord("e2", thread, shared(), snapshot);
    expect(r.has(KEYS.patch("t1", 1))).toBe(false);
  });

  it("marks what this process posts", () => {
    const r = new RunRecord("e3", thread, shared());
    expect(r.has(KEYS.failure(0))).toBe(false);
    r.mark(KEYS.failure(0));
    expect(r.has(KEYS.failure(0))).toBe(true);
  });

  it("gives the root up once another run follows it (Revise)", () => {
    const s = shared();
    const old = new RunRecord("e1", thread, s, snapshot);
    expect(old.ownsRoot).toBe(true);
    s.rootOwner = "e9";
    expect(old.ownsRoot).toBe(false);
  });

  it("ignores metadata that is not a post identity", () => {
    const other = new ThreadSnapshot([
      { ts: "1.1", meta: undefined, fileNames: [] },
      {
        ts: "1.2",
        meta: { run: "e1", key: "closed:rejected:0", decision: { verdict: "maybe" } },
        fileNames: [],
      },
    ]);
    const r = new RunRecord("e1", thread, shared(), other);
    expect(r.decision).toBeUndefined();
    expect(r.has("closed:rejected:0")).toBe(true);
  });
});
