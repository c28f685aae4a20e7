// API calls one completed run costs: /autofix → started → patch → Approve → PR opened → ended,
// with the flow driver notifying in the real order (afterExecution after the end).
import { ACTIONS } from "../src/slack/ids.ts";
import { FlowDriver } from "../test/support/flow-driver.ts";
import { CHANNEL, type Harness, REQUESTER } from "../test/support/harness.ts";
import { nextIssue } from "./issues.ts";

export interface CallCount {
  slack: number;
  slackDetail: string;
  kestra: number;
  kestraDetail: string;
  github: number;
  githubDetail: string;
}

export function tally(names: string[]): string {
  const counts = new Map<string, number>();
  for (const n of names) counts.set(n, (counts.get(n) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .map(([n, c]) => `${n}×${c}`)
    .join(", ");
}

/** Kestra paths with ids folded, so the tally reads as routes. */
export function route(path: string): string {
  return (path.split("?")[0] ?? "")
    .replace(/\/[A-Za-z0-9]{16,}(?=\/|$)/g, "/{id}")
    .replace(/\/kv\/.*/, "/kv/{key}")
    .replace("/api/v1/main", "");
}

/** GitHub paths as routes: owner, repo, numbers and shas folded. */
export function githubRoute(path: string): string {
  return (path.split("?")[0] ?? "")
    .replace(/^\/repos\/[^/]+\/[^/]+/, "/repos/{o}/{r}")
    .replace(/\/[0-9a-f]{40}(?=\/|$)/g, "/{sha}")
    .replace(/\/\d+(?=\/|$)/g, "/{n}");
}

export function countSince(
  h: Harness,
  slackFrom: number,
  kestraFrom: number,
  githubFrom = h.github.requests.length,
): CallCount {
  const slack = h.slack.calls.slice(slackFrom).filter((c) => c.method !== "response_url");
  const kestra = h.kestra.requests.slice(kestraFrom);
  const github = h.github.requests.slice(githubFrom);
  return {
    slack: slack.length,
    slackDetail: tally(slack.map((c) => c.method)),
    kestra: kestra.length,
    kestraDetail: tally(kestra.map((r) => `${r.method} ${route(r.path)}`)),
    github: github.length,
    githubDetail: tally(github.map((r) => `${r.method} ${githubRoute(r.path)} ${r.status}`)),
  };
}

export async function callsPerRun(h: Harness): Promise<CallCount> {
  // The start-up catch-up is not part of a run.
  await h.app.runtime.reconciler.runOnce();
  const slackFrom = h.slack.calls.length;
  const kestraFrom = h.kestra.requests.length;
  const githubFrom = h.github.requests.length;
  const before = h.kestra.executions.length;
  await h.command(nextIssue(h));
  await h.slack.waitFor(() => h.kestra.executions.length > before, { timeoutMs: 20_000 });
  const run = FlowDriver.latest(h);
  const rootTs = h.kestra.execution(run.id).labels.find((l) => l.key === "slack-ts")?.value ?? "";
  await run.started();
  await run.patchReady();
  await h.click({ user: REQUESTER, messageTs: rootTs, actionId: ACTIONS.approve, value: run.id });
  await h.slack.waitFor(() => h.kestra.resumes.some((r) => r.executionId === run.id));
  await h.slack.waitFor(() => h.slack.message(CHANNEL, rootTs)?.text.endsWith("Creating PR"));
  const issue = Number(
    h.kestra.execution(run.id).inputs["issue_url"]?.toString().split("/").at(-1),
  );
  await run.prCreated(h.github.addPull("acme", "api", { head: `autofix/issue-${issue}` }).htmlUrl);
  if (!h.slack.message(CHANNEL, rootTs)?.text.endsWith("PR opened")) {
    throw new Error("the run did not end on PR opened");
  }
  await h.app.runtime.background.drain();
  await h.app.runtime.edits.drain(10_000);
  return countSince(h, slackFrom, kestraFrom, githubFrom);
}
