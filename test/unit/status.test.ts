import { describe, expect, it } from "vitest";
import type { Execution } from "../../src/kestra/types.ts";
import { deriveView } from "../../src/runs/status.ts";

function exec(state: string, tasks: [string, string][], waits = true): Execution {
  return {
    id: "e1",
    namespace: "dev.autofix",
    flowId: "ai-issue-autofix",
    labels: [],
    inputs: { wait_for_approval: waits },
    state: { current: state, histories: [] },
    taskRunList: tasks.map(([taskId, s], i) => ({ id: `tr${i}`, taskId, state: { current: s } })),
  };
}

describe("deriveView", () => {
  it.each([
    ["CREATED", [], "queued"],
    ["RUNNING", [["fix", "RUNNING"]], "running"],
    // patch_ready arrives just before the Pause task starts: already awaiting approval.
    ["RUNNING", [["fix", "SUCCESS"]], "awaiting_approval"],
    [
      "PAUSED",
      [
        ["fix", "SUCCESS"],
        ["approval", "PAUSED"],
      ],
      "awaiting_approval",
    ],
    [
      "RUNNING",
      [
        ["fix", "SUCCESS"],
        ["approval", "SUCCESS"],
      ],
      "creating_pr",
    ],
    [
      "RUNNING",
      [
        ["fix", "SUCCESS"],
        ["approval", "SUCCESS"],
        ["create_pr", "RUNNING"],
      ],
      "creating_pr",
    ],
    [
      "SUCCESS",
      [
        ["fix", "SUCCESS"],
        ["approval", "SUCCESS"],
        ["create_pr", "SUCCESS"],
      ],
      "pr_opened",
    ],
    [
      "SUCCESS",
      [
        ["fix", "SUCCESS"],
        ["approval", "SUCCESS"],
      ],
      "rejected",
    ],
    [
      "CANCELLED",
      [
        ["fix", "SUCCESS"],
        ["approval", "CANCELLED"],
      ],
      "expired",
    ],
    [
      "FAILED",
      [
        ["fix", "SUCCESS"],
        ["approval", "FAILED"],
      ],
      "expired",
    ],
    [
      "KILLED",
      [
        ["fix", "SUCCESS"],
        ["approval", "KILLED"],
      ],
      "cancelled",
    ],
    ["KILLED", [["fix", "RUNNING"]], "cancelled"],
    [
      "FAILED",
      [
        ["validate", "SUCCESS"],
        ["fix", "FAILED"],
      ],
      "failed",
    ],
  ] as [string, [string, string][], string][])("%s with %j is %s", (state, tasks, status) => {
    expect(deriveView(exec(state, tasks)).status).toBe(status);
  });

  it("names the failed step", () => {
    expect(
      deriveView(
        exec("FAILED", [
          ["validate", "SUCCESS"],
          ["fix", "FAILED"],
        ]),
      ).failedTask,
    ).toBe("fix");
  });

  it("offers buttons only while a decision is possible", () => {
    expect(
      deriveView(
        exec("PAUSED", [
          ["fix", "SUCCESS"],
          ["approval", "PAUSED"],
        ]),
      ).approvable,
    ).toBe(true);
    expect(deriveView(exec("RUNNING", [["fix", "SUCCESS"]], false)).approvable).toBe(false);
    expect(deriveView(exec("SUCCESS", [["fix", "SUCCESS"]], false)).status).toBe("finished");
  });
});

describe("reconcile window", () => {
  it("keeps a run that started long ago but changed state recently, and drops a quiet old one", async () => {
    const { changedSince } = await import("../../src/runs/reconciler.ts");
    const since = Date.parse("2026-11-20T00:00:00Z");
    const state = (dates: string[]) => ({
      current: "SUCCESS",
      startDate: dates[0],
      histories: dates.map((date) => ({ state: "RUNNING", date })),
    });
    expect(
      changedSince({ state: state(["2026-11-10T00:00:00Z", "2026-11-21T00:00:00Z"]) }, since),
    ).toBe(true);
    expect(
      changedSince({ state: state(["2026-11-10T00:00:00Z", "2026-11-11T00:00:00Z"]) }, since),
    ).toBe(false);
  });
});
