import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type FakeGitHub, startFakeGitHub } from "../fakes/github.ts";
import { kestraOutputs, runCli } from "./helpers.ts";

const ISSUES_TOKEN = "ghp_issues_write_token_0123456789";
const READ_TOKEN = "ghp_read_token_only_reads_0123";

let gh: FakeGitHub;
let dir: string;

beforeEach(async () => {
  gh = await startFakeGitHub({ token: ISSUES_TOKEN, readOnlyTokens: [READ_TOKEN] });
  gh.addRepo("acme", "api");
  gh.addIssue("acme", "api", { number: 41, title: "Older" });
  dir = await mkdtemp(join(tmpdir(), "autofix-file-issue-"));
  await writeFile(join(dir, "body.md"), "**Ann** wrote:\n> Login fails\n");
});
afterEach(async () => {
  await gh.close();
  await rm(dir, { recursive: true, force: true });
});

const file = (env: Record<string, string>, ...args: string[]) =>
  runCli(["file-issue", ...args], { GITHUB_API_URL: gh.url, ...env }, dir);

describe("autofix file-issue", () => {
  it("files the issue with the title and the body file, prints its URL and Kestra outputs", async () => {
    const run = await file(
      { GITHUB_TOKEN: ISSUES_TOKEN },
      "--repo",
      "acme/api",
      "--title",
      "  Login fails   for empty names ",
      "--body-file",
      "body.md",
    );
    expect(run.code).toBe(0);
    const filed = gh.issues("acme", "api").find((i) => i.number === 42);
    expect(filed).toMatchObject({
      title: "Login fails for empty names",
      body: "**Ann** wrote:\n> Login fails\n",
    });
    expect(run.stdout.split("\n")[0]).toBe(filed?.htmlUrl);
    expect(kestraOutputs(run.stdout)).toEqual({ issue_url: filed?.htmlUrl, issue_number: 42 });
    expect(run.stdout + run.stderr).not.toContain(ISSUES_TOKEN);
  });

  it("says plainly what is missing: the token, a title, the body file", async () => {
    const noToken = await file({}, "--repo", "acme/api", "--title", "x", "--body-file", "body.md");
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toContain("GITHUB_TOKEN is required to file an issue");
    expect(noToken.stderr).toContain("Issues: write");
    const blank = await file(
      { GITHUB_TOKEN: ISSUES_TOKEN },
      "--repo",
      "acme/api",
      "--title",
      "   ",
      "--body-file",
      "body.md",
    );
    expect(blank.code).toBe(2);
    expect(blank.stderr).toContain("--title is required");
    const noBody = await file(
      { GITHUB_TOKEN: ISSUES_TOKEN },
      "--repo",
      "acme/api",
      "--title",
      "x",
      "--body-file",
      "missing.md",
    );
    expect(noBody.code).toBe(2);
    expect(noBody.stderr).toContain('--body-file "missing.md" cannot be read');
    expect(gh.issues("acme", "api").map((i) => i.number)).toEqual([41]);
  });

  it("fails with GitHub's words when the token may not write issues", async () => {
    const run = await file(
      { GITHUB_TOKEN: READ_TOKEN },
      "--repo",
      "acme/api",
      "--title",
      "x",
      "--body-file",
      "body.md",
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      "cannot file the issue in acme/api: Resource not accessible by personal access token",
    );
    expect(gh.issues("acme", "api").map((i) => i.number)).toEqual([41]);
  });
});
