// A run asked for by a mention has its root as a reply in the person's thread: the labels carry
// that thread and the message that asked, and reading the thread back finds the root by its ts.
import { describe, expect, it } from "vitest";
import { contextOf, runLabels } from "../../src/runs/context.ts";
import { RunRecord } from "../../src/runs/record.ts";
import { ThreadSnapshot } from "../../src/slack/thread.ts";

const base = {
  team: "T1",
  channel: "C1",
  rootTs: "1700000000.000200",
  user: "U1",
  repo: "acme/api",
  issue: "42",
  title: "Login fails",
  slug: "acme/api#42",
};

describe("a run whose root is a reply in a person's thread", () => {
  it("keeps the thread and the asking message in its labels, and reads them back", () => {
    const labels = runLabels({
      ...base,
      threadTs: "1700000000.000100",
      askTs: "1700000000.000100",
    });
    expect(labels).toMatchObject({
      "slack-ts": "1700000000.000200",
      "slack-thread": "1700000000.000100",
      "slack-ask": "1700000000.000100",
    });
    const ctx = contextOf({
      id: "e1",
      labels: Object.entries(labels).map(([key, value]) => ({ key, value })),
    });
    expect(ctx).toMatchObject({ threadTs: "1700000000.000100", askTs: "1700000000.000100" });
  });

  it("has neither when /autofix started it, and ignores a label that is not a ts", () => {
    const labels = runLabels(base);
    expect(Object.keys(labels)).not.toContain("slack-thread");
    const ctx = contextOf({
      id: "e1",
      labels: [
        ...Object.entries(labels).map(([key, value]) => ({ key, value })),
        { key: "slack-thread", value: "not-a-ts" },
      ],
    });
    expect(ctx?.threadTs).toBeUndefined();
    expect(ctx?.askTs).toBeUndefined();
  });

  it("finds the root among the person's messages by its ts, and what the root follows", () => {
    const snapshot = new ThreadSnapshot(
      [
        { ts: "1.1", meta: undefined, fileNames: [] },
        { ts: "1.2", meta: { run: "e1", key: "root", render: "r1" }, fileNames: [] },
        { ts: "1.3", meta: { run: "e1", key: "pr:t1" }, fileNames: [] },
      ],
      "1.2",
    );
    expect(snapshot.root?.ts).toBe("1.2");
    const record = new RunRecord(
      "e1",
      { channel: "C1", rootTs: "1.2", threadTs: "1.1" },
      { rootOwner: undefined },
      snapshot,
    );
    expect(record.rootRender).toBe("r1");
    expect(record.has("pr:t1")).toBe(true);
  });
});
