// What there is to say about a followed PR (runs/pr-events.ts), and the log tails a fix is given.
import { describe, expect, it } from "vitest";
import type { CheckRunInfo, PullInfo, ReviewInfo } from "../../src/github/pulls.ts";
import { checksOutcome, PR_KEYS, prEvents } from "../../src/runs/pr-events.ts";
import { logTail } from "../../src/runs/pr-feedback.ts";

const run = (name: string, status: string, conclusion: string | null = null): CheckRunInfo => ({
  id: name.length,
  name,
  status,
  conclusion,
  url: undefined,
  app: "github-actions",
  output: { title: "", summary: "", text: "" },
});
const pull = (state: PullInfo["state"]): PullInfo => ({
  number: 43,
  url: "https://github.com/acme/api/pull/43",
  state,
  mergedBy: state === "merged" ? "octocat" : undefined,
  headSha: "a".repeat(40),
  headRef: "autofix/issue-42",
  headRepo: "acme/api",
  baseRepo: "acme/api",
  maintainerCanModify: false,
});
const review = (id: number, state: string): ReviewInfo => ({
  id,
  user: "bob",
  state,
  body: "",
  url: "",
  commit: undefined,
});
const at = { seenAt: 0, now: 60_000, timeoutMs: 120 * 60_000 };

describe("checksOutcome", () => {
  it("says nothing while checks run, or when a commit has none", () => {
    expect(checksOutcome([], "s", at)).toBeUndefined();
    expect(
      checksOutcome([run("a", "completed", "success"), run("b", "queued")], "s", at),
    ).toBeUndefined();
  });

  it("passes with success, neutral and skipped; fails with failure, timed_out, cancelled, action_required", () => {
    const ok = ["success", "neutral", "skipped"].map((c, i) => run(`ok${i}`, "completed", c));
    expect(checksOutcome(ok, "s", at)?.verdict).toBe("passed");
    for (const c of ["failure", "timed_out", "cancelled", "action_required"]) {
      const o = checksOutcome([...ok, run("bad", "completed", c)], "s", at);
      expect(o?.verdict).toBe("failed");
      expect(o?.failed.map((f) => f.name)).toEqual(["bad"]);
    }
  });

  it("says checks still running after the timeout hang, counted from when the commit was first seen", () => {
    const runs = [run("a", "completed", "failure"), run("slow", "in_progress")];
    const late = checksOutcome(runs, "s", { ...at, now: at.timeoutMs });
    expect(late).toMatchObject({ verdict: "timeout", pending: [{ name: "slow" }] });
  });
});

describe("prEvents", () => {
  const said = (keys: string[]) => (k: string) => keys.includes(k);
  it("says each outcome per head commit once, approving and change-requesting reviews once, and the end", () => {
    const checks = checksOutcome([run("a", "completed", "failure")], "a".repeat(40), at);
    const reviews = [review(1, "COMMENTED"), review(2, "APPROVED"), review(3, "CHANGES_REQUESTED")];
    const first = prEvents({ pull: pull("open"), checks, reviews, said: said([]) });
    expect(first.map((e) => e.key)).toEqual([
      PR_KEYS.checks("a".repeat(40), "failed"),
      PR_KEYS.review(2),
      PR_KEYS.review(3),
    ]);
    expect(
      prEvents({ pull: pull("open"), checks, reviews, said: said(first.map((e) => e.key)) }),
    ).toEqual([]);
    const end = prEvents({ pull: pull("merged"), checks: undefined, reviews: [], said: said([]) });
    expect(end).toEqual([{ kind: "end", key: "pr-end:merged", state: "merged", by: "octocat" }]);
  });
});

describe("logTail", () => {
  it("keeps the last lines, without timestamps, colour codes or blank lines", () => {
    const log = [
      "2024-01-01T00:00:00.1234567Z first",
      "",
      "2024-01-01T00:00:01.0000000Z \u001b[31merror\u001b[0m: boom",
    ].join("\r\n");
    expect(logTail(log)).toBe("first\nerror: boom");
    expect(logTail(Array.from({ length: 100 }, (_, i) => `l${i}`).join("\n"), 3)).toBe(
      "l97\nl98\nl99",
    );
    expect(logTail("x".repeat(50), 40, 10)).toBe(`…${"x".repeat(10)}`);
  });
});
