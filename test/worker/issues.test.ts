import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createSandbox, kestraOutputs, runCli, type Sandbox } from "./helpers.ts";

let sb: Sandbox;
let env: Record<string, string>;

beforeEach(async () => {
  sb = await createSandbox();
  sb.github.addRepo("acme", "api");
  env = { GITHUB_API_URL: sb.github.url, GITHUB_TOKEN: sb.github.token };
});

afterEach(async () => {
  await sb.close();
});

const issues = (...args: string[]) => runCli(["issues", "--repo", "acme/api", ...args], env);
const parse = (stdout: string) =>
  JSON.parse(stdout) as { number: number; title: string; url: string }[];

describe("autofix issues", () => {
  it("lists open issues with every label, newest first, without pull requests", async () => {
    const gh = sb.github;
    gh.addIssue("acme", "api", { number: 1, title: "old bug", labels: ["bug", "autofix"] });
    gh.addIssue("acme", "api", { number: 2, title: "only bug", labels: ["bug"] });
    gh.addIssue("acme", "api", {
      number: 3,
      title: "closed",
      labels: ["bug", "autofix"],
      state: "closed",
    });
    gh.addIssue("acme", "api", {
      number: 4,
      title: "a PR",
      labels: ["bug", "autofix"],
      isPullRequest: true,
    });
    gh.addIssue("acme", "api", { number: 5, title: "new bug", labels: ["Bug", "autofix"] });

    const run = await issues("--labels", "bug,autofix", "--max", "5");
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(parse(run.stdout)).toEqual([
      { number: 5, title: "new bug", url: `https://${gh.webHost}/acme/api/issues/5` },
      { number: 1, title: "old bug", url: `https://${gh.webHost}/acme/api/issues/1` },
    ]);
    const list = gh.requests.find((r) => r.path.startsWith("/repos/acme/api/issues?"));
    expect(list?.path).toContain("labels=bug%2Cautofix");
    expect(list?.path).toContain("state=open");
  });

  it("follows pagination past pages of pull requests and stops at --max", async () => {
    for (let n = 1; n <= 45; n++) {
      // The 35 newest are pull requests: the first page (30 items) holds no issue at all.
      sb.github.addIssue("acme", "api", {
        number: n,
        title: `item ${n}`,
        labels: ["bug"],
        isPullRequest: n > 10,
      });
    }
    const run = await issues("--labels", "bug", "--max", "3");
    expect(run.code).toBe(0);
    expect(parse(run.stdout).map((i) => i.number)).toEqual([10, 9, 8]);
    const pages = sb.github.requests.filter((r) => r.path.startsWith("/repos/acme/api/issues?"));
    expect(pages).toHaveLength(2);
    expect(pages[1]?.path).toContain("page=2");
  });

  it("with --skip-existing, leaves out issues with an open autofix PR", async () => {
    sb.github.addIssue("acme", "api", { number: 1, title: "has PR", labels: ["bug"] });
    sb.github.addIssue("acme", "api", { number: 2, title: "had PR", labels: ["bug"] });
    sb.github.addIssue("acme", "api", { number: 3, title: "no PR", labels: ["bug"] });
    sb.github.addPull("acme", "api", { head: "autofix/issue-1" });
    sb.github.addPull("acme", "api", { head: "autofix/issue-2", state: "closed" });
    sb.github.addPull("acme", "api", { head: "someone/else" });

    const run = await issues("--labels", "bug", "--skip-existing");
    expect(run.code).toBe(0);
    expect(parse(run.stdout).map((i) => i.number)).toEqual([3, 2]);

    const plain = await issues("--labels", "bug");
    expect(parse(plain.stdout).map((i) => i.number)).toEqual([3, 2, 1]);
  });

  it("with --skipped-out, writes the issues left out and why (open PR, beyond --max)", async () => {
    const gh = sb.github;
    for (let n = 1; n <= 5; n++)
      gh.addIssue("acme", "api", { number: n, title: `bug ${n}`, labels: ["bug"] });
    gh.addIssue("acme", "api", { number: 6, title: "a PR", labels: ["bug"], isPullRequest: true });
    const open = gh.addPull("acme", "api", { head: "autofix/issue-4" });
    const out = join(sb.dir, "skipped.json");

    const run = await issues(
      "--labels",
      "bug",
      "--max",
      "2",
      "--skip-existing",
      "--skipped-out",
      out,
    );
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(parse(run.stdout).map((i) => i.number)).toEqual([5, 3]);
    const url = (n: number) => `https://${gh.webHost}/acme/api/issues/${n}`;
    expect(JSON.parse(await readFile(out, "utf8"))).toEqual([
      // The PR that caused the skip, so the digest can link it.
      { number: 4, title: "bug 4", url: url(4), reason: "open_pr", prUrl: open.htmlUrl },
      { number: 2, title: "bug 2", url: url(2), reason: "over_max" },
      { number: 1, title: "bug 1", url: url(1), reason: "over_max" },
    ]);
    // Issues beyond --max are not checked for PRs: only 4, 5 and 3 were looked up.
    const prLookups = gh.requests.filter((r) => r.path.startsWith("/repos/acme/api/pulls?"));
    expect(prLookups).toHaveLength(3);
  });

  it("with --skipped-out and nothing skipped, writes an empty array", async () => {
    sb.github.addIssue("acme", "api", { number: 1, title: "bug", labels: ["bug"] });
    const out = join(sb.dir, "skipped.json");
    const run = await issues("--labels", "bug", "--skipped-out", out, "--kestra");
    expect(run.code).toBe(0);
    expect(kestraOutputs(run.stdout)["count"]).toBe(1);
    expect(await readFile(out, "utf8")).toBe("[]\n");
  });

  it("writes --skipped-out relative to its working directory", async () => {
    sb.github.addIssue("acme", "api", { number: 1, title: "bug", labels: ["bug"] });
    sb.github.addIssue("acme", "api", { number: 2, title: "bug 2", labels: ["bug"] });
    const run = await runCli(
      ["issues", "--repo", "acme/api", "--max", "1", "--skipped-out", "skipped.json"],
      env,
      sb.dir,
    );
    expect(run.code).toBe(0);
    expect(JSON.parse(await readFile(join(sb.dir, "skipped.json"), "utf8"))).toMatchObject([
      { number: 1, reason: "over_max" },
    ]);
  });

  it("prints a Kestra outputs line with --kestra", async () => {
    sb.github.addIssue("acme", "api", { number: 1, title: "bug", labels: ["bug"] });
    const run = await issues("--labels", "bug", "--kestra");
    expect(kestraOutputs(run.stdout)).toEqual({
      issues: [{ number: 1, title: "bug", url: `https://${sb.github.webHost}/acme/api/issues/1` }],
      count: 1,
    });
  });

  it("works without a token on a public repository", async () => {
    sb.github.addIssue("acme", "api", { number: 1, title: "bug" });
    const run = await runCli(["issues", "--repo", "acme/api"], { GITHUB_API_URL: sb.github.url });
    expect(run.code).toBe(0);
    expect(parse(run.stdout)).toHaveLength(1);
  });

  it("rejects a bad --max as a usage error", async () => {
    const run = await issues("--max", "0");
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('autofix: --max must be a whole number from 1 to 100, not "0"\n');
  });

  it("reports an unknown repository in one line", async () => {
    const run = await runCli(["issues", "--repo", "acme/nope"], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe("autofix: cannot list issues of acme/nope: Not Found\n");
  });
});
