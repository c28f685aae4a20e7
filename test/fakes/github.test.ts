import { get } from "node:http";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type FakeGitHub, startFakeGitHub } from "./github.ts";

// The fake must refuse what GitHub refuses, with GitHub's error shapes.

let gh: FakeGitHub;
const existing = new Set(["main", "autofix/issue-1"]);

beforeEach(async () => {
  gh = await startFakeGitHub({
    readOnlyTokens: ["ghp_readonly"],
    branchExists: (_o, _r, branch) => existing.has(branch),
  });
  gh.addRepo("acme", "api");
  gh.addRepo("acme", "secret", { private: true, defaultBranch: "develop" });
  gh.addIssue("acme", "api", { number: 1, title: "Bug", labels: ["bug"] });
});

afterEach(async () => {
  await gh.close();
});

async function call(method: string, path: string, opts: { token?: string; body?: unknown } = {}) {
  const headers: Record<string, string> = {
    accept: "application/vnd.github+json",
    "user-agent": "test",
  };
  if (opts.token) headers["authorization"] = `Bearer ${opts.token}`;
  if (opts.body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(`${gh.url}${path}`, {
    method,
    headers,
    ...(opts.body === undefined
      ? {}
      : { body: typeof opts.body === "string" ? opts.body : JSON.stringify(opts.body) }),
  });
  return { status: res.status, link: res.headers.get("link"), body: (await res.json()) as unknown };
}

const newPr = { title: "Fix #1: Bug", head: "autofix/issue-1", base: "main", body: "Fixes #1" };

describe("fake GitHub", () => {
  it("serves repositories and issues with GitHub's fields", async () => {
    const repo = await call("GET", "/repos/acme/api");
    expect(repo).toMatchObject({
      status: 200,
      body: { full_name: "acme/api", default_branch: "main", private: false },
    });
    const issue = await call("GET", "/repos/acme/api/issues/1");
    expect(issue.body).toMatchObject({
      number: 1,
      state: "open",
      title: "Bug",
      html_url: `https://${gh.webHost}/acme/api/issues/1`,
      labels: [{ name: "bug" }],
    });
    expect(issue.body).not.toHaveProperty("pull_request");
  });

  it("answers unknown endpoints and repositories with 404 Not Found", async () => {
    for (const path of [
      "/user/repos",
      "/repos/acme/nope",
      "/repos/acme/api/issues/99",
      "/repos/acme/api/hooks",
    ]) {
      const res = await call("GET", path, { token: gh.token });
      expect(res).toEqual({
        status: 404,
        link: null,
        body: {
          message: "Not Found",
          documentation_url: "https://docs.github.com/rest",
          status: "404",
        },
      });
    }
  });

  it("rejects bad credentials, hides private repositories from anonymous callers", async () => {
    expect(await call("GET", "/repos/acme/api", { token: "ghp_wrong" })).toMatchObject({
      status: 401,
      body: { message: "Bad credentials" },
    });
    expect((await call("GET", "/repos/acme/secret")).status).toBe(404);
    expect((await call("GET", "/repos/acme/secret", { token: "ghp_readonly" })).status).toBe(200);
  });

  it("refuses requests without a User-Agent header", async () => {
    // fetch always sends one; node:http sends none unless told.
    const status = await new Promise<number | undefined>((resolve, reject) => {
      get(`${gh.url}/repos/acme/api`, (res) => {
        res.resume();
        resolve(res.statusCode);
      }).on("error", reject);
    });
    expect(status).toBe(403);
  });

  it("accepts both token and Bearer authorization schemes", async () => {
    const res = await fetch(`${gh.url}/repos/acme/secret`, {
      headers: { authorization: `token ${gh.token}`, "user-agent": "t" },
    });
    expect(res.status).toBe(200);
  });

  it("creates pull requests only with a write token", async () => {
    expect(await call("POST", "/repos/acme/api/pulls", { body: newPr })).toMatchObject({
      status: 401,
      body: { message: "Requires authentication" },
    });
    expect(
      await call("POST", "/repos/acme/api/pulls", { body: newPr, token: "ghp_readonly" }),
    ).toMatchObject({
      status: 403,
      body: { message: "Resource not accessible by personal access token" },
    });

    const created = await call("POST", "/repos/acme/api/pulls", { body: newPr, token: gh.token });
    expect(created).toMatchObject({
      status: 201,
      body: {
        number: 2,
        state: "open",
        draft: false,
        head: { ref: "autofix/issue-1", label: "acme:autofix/issue-1" },
        base: { ref: "main" },
      },
    });
    expect(gh.pulls("acme", "api")).toHaveLength(1);
    // A PR is an issue too, with the same number.
    expect((await call("GET", "/repos/acme/api/issues/2")).body).toHaveProperty("pull_request");
  });

  it("refuses a second PR for the same head with GitHub's 422 shape", async () => {
    await call("POST", "/repos/acme/api/pulls", { body: newPr, token: gh.token });
    const dup = await call("POST", "/repos/acme/api/pulls", { body: newPr, token: gh.token });
    expect(dup).toEqual({
      status: 422,
      link: null,
      body: {
        message: "Validation Failed",
        errors: [
          {
            resource: "PullRequest",
            code: "custom",
            message: "A pull request already exists for acme:autofix/issue-1.",
          },
        ],
        documentation_url: "https://docs.github.com/rest/pulls/pulls#create-a-pull-request",
        status: "422",
      },
    });
  });

  it("refuses a head branch that does not exist, missing fields and bad JSON", async () => {
    const noBranch = await call("POST", "/repos/acme/api/pulls", {
      body: { ...newPr, head: "autofix/issue-9" },
      token: gh.token,
    });
    expect(noBranch).toMatchObject({
      status: 422,
      body: { errors: [{ resource: "PullRequest", field: "head", code: "invalid" }] },
    });
    const missing = await call("POST", "/repos/acme/api/pulls", {
      body: { head: "autofix/issue-1" },
      token: gh.token,
    });
    expect(missing).toMatchObject({
      status: 422,
      body: {
        errors: [
          { resource: "PullRequest", field: "title", code: "missing_field" },
          { resource: "PullRequest", field: "base", code: "missing_field" },
        ],
      },
    });
    const badJson = await call("POST", "/repos/acme/api/pulls", { body: "{", token: gh.token });
    expect(badJson).toMatchObject({ status: 400, body: { message: "Problems parsing JSON" } });
  });

  it("filters pulls by owner:branch and ignores a head without owner, as GitHub does", async () => {
    gh.addPull("acme", "api", { head: "autofix/issue-1" });
    gh.addPull("acme", "api", { head: "feature" });
    const byHead = await call("GET", "/repos/acme/api/pulls?state=open&head=acme:autofix/issue-1");
    expect((byHead.body as { head: { ref: string } }[]).map((p) => p.head.ref)).toEqual([
      "autofix/issue-1",
    ]);
    const ignored = await call("GET", "/repos/acme/api/pulls?state=open&head=autofix/issue-1");
    expect(ignored.body).toHaveLength(2);
  });

  it("lists issues by labels and paginates with a Link header", async () => {
    for (let n = 2; n <= 5; n++)
      gh.addIssue("acme", "api", { number: n, title: `i${n}`, labels: ["bug"] });
    gh.addIssue("acme", "api", { number: 6, title: "closed", labels: ["bug"], state: "closed" });
    const first = await call("GET", "/repos/acme/api/issues?state=open&labels=bug&per_page=2");
    expect((first.body as { number: number }[]).map((i) => i.number)).toEqual([5, 4]);
    expect(first.link).toBe(
      `<${gh.url}/repos/acme/api/issues?state=open&labels=bug&per_page=2&page=2>; rel="next", <${gh.url}/repos/acme/api/issues?state=open&labels=bug&per_page=2&page=3>; rel="last"`,
    );
    const last = await call(
      "GET",
      "/repos/acme/api/issues?state=open&labels=bug&per_page=2&page=3",
    );
    expect((last.body as { number: number }[]).map((i) => i.number)).toEqual([1]);
    expect(last.link).toContain('rel="prev"');
    expect(last.link).not.toContain('rel="next"');
  });

  it("fails the next matching requests on demand and records every request", async () => {
    gh.failNext("GET /repos/acme/api", 500, 2);
    expect((await call("GET", "/repos/acme/api")).status).toBe(500);
    expect((await call("GET", "/repos/acme/api")).status).toBe(500);
    expect((await call("GET", "/repos/acme/api")).status).toBe(200);
    gh.failNext(/^POST /, 502);
    expect(
      (await call("POST", "/repos/acme/api/pulls", { body: newPr, token: gh.token })).status,
    ).toBe(502);
    expect(gh.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "GET /repos/acme/api",
      "GET /repos/acme/api",
      "GET /repos/acme/api",
      "POST /repos/acme/api/pulls",
    ]);
    expect(gh.requests[3]?.body).toEqual(newPr);
    expect(gh.requests[3]?.headers["authorization"]).toBe(`Bearer ${gh.token}`);
  });
});
