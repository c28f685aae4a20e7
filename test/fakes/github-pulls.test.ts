import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type FakeGitHub, startFakeGitHub } from "./github.ts";

// What the PR follower reads: PRs, their check runs and reviews, job logs, and conditional GETs.

let gh: FakeGitHub;

beforeEach(async () => {
  gh = await startFakeGitHub({ readOnlyTokens: ["ghp_readonly"] });
  gh.addRepo("acme", "api");
  gh.addIssue("acme", "api", { number: 1, title: "Bug" });
});

afterEach(async () => {
  await gh.close();
});

async function get(path: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${gh.url}${path}`, {
    headers: {
      accept: "application/vnd.github+json",
      "user-agent": "test",
      authorization: "Bearer ghp_readonly",
      ...headers,
    },
    redirect: "manual",
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    body: text && res.headers.get("content-type")?.includes("json") ? JSON.parse(text) : text,
  };
}

describe("fake GitHub: pull requests", () => {
  it("serves a PR's state, head commit and branch, then its merge by whom, and its close", async () => {
    const pr = gh.addPull("acme", "api", { head: "autofix/issue-1", headSha: "a".repeat(40) });
    const open = await get(`/repos/acme/api/pulls/${pr.number}`);
    expect(open.body).toMatchObject({
      number: pr.number,
      state: "open",
      merged: false,
      merged_by: null,
      maintainer_can_modify: false,
      head: { ref: "autofix/issue-1", sha: "a".repeat(40), repo: { full_name: "acme/api" } },
      base: { ref: "main", repo: { full_name: "acme/api" } },
    });
    gh.setHead("acme", "api", pr.number, "b".repeat(40));
    expect((await get(`/repos/acme/api/pulls/${pr.number}`)).body.head.sha).toBe("b".repeat(40));
    gh.mergePull("acme", "api", pr.number, "octocat");
    expect((await get(`/repos/acme/api/pulls/${pr.number}`)).body).toMatchObject({
      state: "closed",
      merged: true,
      merged_by: { login: "octocat" },
    });
    const other = gh.addPull("acme", "api", { head: "autofix/issue-9" });
    gh.closePull("acme", "api", other.number);
    expect((await get(`/repos/acme/api/pulls/${other.number}`)).body).toMatchObject({
      state: "closed",
      merged: false,
      merged_at: null,
    });
    expect((await get("/repos/acme/api/pulls/999")).status).toBe(404);
  });

  it("names a fork's repository as the head, with maintainer_can_modify", async () => {
    const pr = gh.addPull("acme", "api", {
      head: "patch-1",
      headOwner: "someone",
      headRepo: "api-fork",
      maintainerCanModify: true,
    });
    const body = (await get(`/repos/acme/api/pulls/${pr.number}`)).body;
    expect(body.head.repo).toMatchObject({ full_name: "someone/api-fork", fork: true });
    expect(body.maintainer_can_modify).toBe(true);
  });
});

describe("fake GitHub: check runs", () => {
  it("lists the newest run of each name for a commit (filter=latest), every run with filter=all", async () => {
    const sha = "c".repeat(40);
    const first = gh.addCheckRun("acme", "api", { sha, name: "build", conclusion: "failure" });
    gh.addCheckRun("acme", "api", { sha, name: "lint", status: "in_progress" });
    gh.addCheckRun("acme", "api", { sha: "d".repeat(40), name: "build", conclusion: "success" });
    const rerun = gh.addCheckRun("acme", "api", { sha, name: "build", conclusion: "success" });
    const latest = (await get(`/repos/acme/api/commits/${sha}/check-runs`)).body;
    expect(latest.total_count).toBe(2);
    expect(latest.check_runs.map((r: { id: number }) => r.id)).toEqual([first.id + 1, rerun.id]);
    expect(latest.check_runs[0]).toMatchObject({
      name: "lint",
      status: "in_progress",
      conclusion: null,
      head_sha: sha,
      app: { slug: "github-actions" },
    });
    const all = (await get(`/repos/acme/api/commits/${sha}/check-runs?filter=all`)).body;
    expect(all.total_count).toBe(3);
    gh.updateCheckRun("acme", "api", first.id + 1, { conclusion: "timed_out" });
    const after = (await get(`/repos/acme/api/commits/${sha}/check-runs`)).body;
    expect(after.check_runs[0]).toMatchObject({ status: "completed", conclusion: "timed_out" });
  });

  it("answers a job log with a redirect to a download (Actions jobs only), 403 when the token may not read it", async () => {
    const sha = "e".repeat(40);
    const job = gh.addCheckRun("acme", "api", {
      sha,
      name: "test",
      conclusion: "failure",
      log: "2024-01-01T00:00:00.0000000Z npm test\nFAIL src/a.test.ts\n",
    });
    const res = await get(`/repos/acme/api/actions/jobs/${job.id}/logs`);
    expect(res.status).toBe(302);
    const location = res.headers.get("location") ?? "";
    const download = await fetch(location);
    expect(await download.text()).toContain("FAIL src/a.test.ts");
    const other = gh.addCheckRun("acme", "api", {
      sha,
      name: "ci/x",
      app: "circleci",
      conclusion: "failure",
    });
    expect((await get(`/repos/acme/api/actions/jobs/${other.id}/logs`)).status).toBe(404);
    const locked = gh.addCheckRun("acme", "api", {
      sha,
      name: "t2",
      conclusion: "failure",
      log: "forbidden",
    });
    expect((await get(`/repos/acme/api/actions/jobs/${locked.id}/logs`)).status).toBe(403);
  });
});

describe("fake GitHub: reviews", () => {
  it("lists a PR's reviews in order, and a review's comments on the code", async () => {
    const pr = gh.addPull("acme", "api", { head: "autofix/issue-1" });
    gh.addReview("acme", "api", pr.number, { user: "alice", state: "COMMENTED", body: "hm" });
    const asked = gh.addReview("acme", "api", pr.number, {
      user: "bob",
      state: "CHANGES_REQUESTED",
      body: "Please rename.",
      comments: [{ path: "src/a.ts", line: 3, body: "call it `login`" }],
    });
    const reviews = (await get(`/repos/acme/api/pulls/${pr.number}/reviews`)).body;
    expect(
      reviews.map((r: { user: { login: string }; state: string }) => [r.user.login, r.state]),
    ).toEqual([
      ["alice", "COMMENTED"],
      ["bob", "CHANGES_REQUESTED"],
    ]);
    expect(reviews[1].html_url).toBe(`${pr.htmlUrl}#pullrequestreview-${asked.id}`);
    const comments = (await get(`/repos/acme/api/pulls/${pr.number}/reviews/${asked.id}/comments`))
      .body;
    expect(comments).toMatchObject([{ path: "src/a.ts", line: 3, body: "call it `login`" }]);
  });
});

describe("fake GitHub: conditional requests", () => {
  it("answers a matching If-None-Match with 304 and no body, not counted against the rate limit", async () => {
    const pr = gh.addPull("acme", "api", { head: "autofix/issue-1" });
    const first = await get(`/repos/acme/api/pulls/${pr.number}`);
    const etag = first.headers.get("etag") ?? "";
    expect(etag).toMatch(/^W\/"[0-9a-f]{32}"$/);
    expect(first.headers.get("x-ratelimit-used")).toBe("1");
    const again = await get(`/repos/acme/api/pulls/${pr.number}`, { "if-none-match": etag });
    expect(again.status).toBe(304);
    expect(again.body).toBe("");
    expect(again.headers.get("etag")).toBe(etag);
    expect(again.headers.get("x-ratelimit-remaining")).toBe("4999");
    expect(gh.rate).toMatchObject({ used: 1, notModified: 1 });
    gh.mergePull("acme", "api", pr.number);
    const changed = await get(`/repos/acme/api/pulls/${pr.number}`, { "if-none-match": etag });
    expect(changed.status).toBe(200);
    expect(changed.headers.get("etag")).not.toBe(etag);
    expect(gh.rate.used).toBe(2);
    expect(gh.requests.map((r) => r.status)).toEqual([200, 304, 200]);
  });
});
