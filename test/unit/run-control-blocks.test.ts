import { describe, expect, it } from "vitest";
import { executionSchema } from "../../src/kestra/types.ts";
import { contextOf } from "../../src/runs/context.ts";
import { factsOf as factsOfRun } from "../../src/runs/facts.ts";
import { deriveView } from "../../src/runs/status.ts";
import { formatDuration } from "../../src/shared/duration.ts";
import { logsMessage, newestLinesThatFit } from "../../src/slack/blocks/logs-message.ts";
import { decodeListPage, encodeListPage, runListMessage } from "../../src/slack/blocks/run-list.ts";
import type { RunFacts } from "../../src/slack/blocks/run-status.ts";
import { ACTIONS } from "../../src/slack/ids.ts";

const facts = (i: number): RunFacts => ({
  executionId: `exec${i}`,
  slug: `acme/api#${i}`,
  issueUrl: `https://github.com/acme/api/issues/${i}`,
  title: "t".repeat(300),
  requester: "U0REQ",
  status: "failed",
  step: "fix",
  startedAt: "2026-01-01T00:00:00.000Z",
  durationMs: 65_000,
  kestraUrl: `https://kestra.example.com/ui/main/executions/dev.autofix/ai-issue-autofix/exec${i}`,
  threadUrl: "https://fake.slack.com/archives/C1/p1",
  prUrl: undefined,
});

describe("list page values", () => {
  it("round-trip the filter and page", () => {
    expect(decodeListPage(encodeListPage("failed", 7))).toEqual({ filter: "failed", page: 7 });
  });
  it.each([
    "",
    "all",
    "all:0",
    "all:-1",
    "all:1.5",
    "all:01",
    "ALL:2",
    "all:1001",
    "x:2",
    "all:2:C1",
    "all: 2",
  ])("reject %j", (value) => {
    expect(decodeListPage(value)).toBeUndefined();
  });
});

describe("runListMessage", () => {
  it("shows Previous and Next only where there is a page, within Block Kit limits", () => {
    const runs = Array.from({ length: 10 }, (_, i) => facts(i));
    const middle = runListMessage({ channel: "C1", filter: "all", page: 2, total: 35, runs });
    const pager = middle.blocks.at(-1) as {
      type: string;
      elements: { action_id: string; value: string }[];
    };
    expect(pager.type).toBe("actions");
    expect(pager.elements.map((e) => [e.action_id, e.value])).toEqual([
      [ACTIONS.listPrevious, "all:1"],
      [ACTIONS.listNext, "all:3"],
    ]);
    expect(middle.blocks.length).toBeLessThanOrEqual(50);
    for (const b of middle.blocks) {
      const text = (b as { text?: { text: string } }).text?.text ?? "";
      expect(text.length).toBeLessThanOrEqual(3000);
    }
    const last = runListMessage({ channel: "C1", filter: "all", page: 4, total: 35, runs: [] });
    expect(JSON.stringify(last.blocks)).not.toContain(ACTIONS.listNext);
    const only = runListMessage({ channel: "C1", filter: "failed", page: 1, total: 3, runs: [] });
    expect(only.blocks.some((b) => b.type === "actions")).toBe(false);
  });
});

describe("run facts", () => {
  const execution = (state: string, taskRuns: { taskId: string; state: string }[], end?: string) =>
    executionSchema.parse({
      id: "e1",
      namespace: "dev.autofix",
      flowId: "ai-issue-autofix",
      labels: [
        { key: "slack-team", value: "T1" },
        { key: "slack-channel", value: "C1" },
        { key: "slack-ts", value: "1.2" },
        { key: "slack-user", value: "U1" },
        { key: "autofix-repo", value: "acme/api" },
        { key: "autofix-issue", value: "4" },
      ],
      inputs: { issue_url: "https://github.com/acme/api/issues/4" },
      state: {
        current: state,
        startDate: "2026-01-01T00:00:00Z",
        ...(end ? { endDate: end } : {}),
        histories: [],
      },
      taskRunList: taskRuns.map((t, i) => ({
        id: `t${i}`,
        taskId: t.taskId,
        state: { current: t.state },
      })),
    });
  const now = Date.parse("2026-01-01T00:10:00Z");
  const factsOf = (e: ReturnType<typeof execution>, opts: { kestraUrl: string; now: number }) =>
    factsOfRun(e, contextOf(e), deriveView(e), opts);

  it("a running run: the task in progress, and the time so far", () => {
    const f = factsOf(
      execution("RUNNING", [
        { taskId: "validate", state: "SUCCESS" },
        { taskId: "fix", state: "RUNNING" },
      ]),
      { kestraUrl: "k", now },
    );
    expect(f).toMatchObject({
      slug: "acme/api#4",
      step: "fix",
      durationMs: 600_000,
      status: "running",
    });
  });

  it("a failed run: the task that failed, and the time to its end", () => {
    const f = factsOf(
      execution("FAILED", [{ taskId: "fix", state: "FAILED" }], "2026-01-01T00:01:05Z"),
      {
        kestraUrl: "k",
        now,
      },
    );
    expect(f).toMatchObject({ step: "fix", durationMs: 65_000, status: "failed" });
  });

  it.each([
    [42_000, "42s"],
    [65_000, "1m 5s"],
    [192_999, "3m 12s"],
    [3_720_000, "1h 2m"],
    [90_000_000, "1d 1h"],
  ])("formats %d ms as %s", (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe("log excerpt", () => {
  const entry = (message: string) => ({ level: "ERROR", taskId: "fix", message });

  it("keeps the newest lines that fit once escaped", () => {
    const entries = Array.from({ length: 30 }, (_, i) => entry(`${i} ${"&".repeat(200)}`));
    const lines = newestLinesThatFit(entries, 2900);
    expect(lines.at(-1)).toContain("ERROR fix: 29 ");
    expect(lines.length).toBeLessThan(30);
    const message = logsMessage({
      slug: "acme/api#1",
      entries,
      logsUrl: "https://k/logs",
    });
    for (const b of message.blocks) {
      expect(((b as { text?: { text: string } }).text?.text ?? "").length).toBeLessThanOrEqual(
        3000,
      );
    }
  });
});
