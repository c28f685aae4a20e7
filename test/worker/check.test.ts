import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { setupCheckReportSchema } from "../../src/contracts/setup-check.ts";
import { type FakeGitHub, startFakeGitHub } from "../fakes/github.ts";
import { runCli } from "./helpers.ts";

const PR_TOKEN = "ghp_pr_token_can_push_0123456789";
const READ_TOKEN = "ghp_read_token_only_reads_0123";
const LLM_KEY = "sk-llm-key-0123456789abcdef";

let gh: FakeGitHub;
let dir: string;

beforeEach(async () => {
  gh = await startFakeGitHub({ token: PR_TOKEN, readOnlyTokens: [READ_TOKEN] });
  gh.addRepo("acme", "api");
  gh.addRepo("acme", "secret", { private: true });
  dir = await mkdtemp(join(tmpdir(), "autofix-check-"));
});
afterEach(async () => {
  await gh.close();
  await rm(dir, { recursive: true, force: true });
});

async function check(env: Record<string, string>, ...args: string[]) {
  const run = await runCli(
    ["check", "--out", "check.json", ...args],
    {
      GITHUB_API_URL: gh.url,
      ...env,
    },
    dir,
  );
  const text = run.code === 0 ? await readFile(join(dir, "check.json"), "utf8") : "";
  return {
    ...run,
    text,
    report: text ? setupCheckReportSchema.parse(JSON.parse(text)) : undefined,
  };
}

describe("autofix check", () => {
  it("tries each token on the repository: valid, can read, can push (permissions.push), LLM key set", async () => {
    const run = await check(
      { GITHUB_READ_TOKEN: READ_TOKEN, GITHUB_TOKEN: PR_TOKEN, OPENAI_API_KEY: LLM_KEY },
      "--repo",
      "acme/api",
    );
    expect(run.code).toBe(0);
    expect(run.report).toEqual({
      repo: "acme/api",
      readToken: { set: true, valid: true, canRead: true, canPush: false },
      prToken: { set: true, valid: true, canRead: true, canPush: true },
      llmKey: { set: true },
    });
    // Booleans only: no secret reaches the report or the output.
    for (const secret of [PR_TOKEN, READ_TOKEN, LLM_KEY]) {
      expect(run.text + run.stdout + run.stderr).not.toContain(secret);
    }
    // Each token was sent to GitHub as itself.
    const auths = gh.requests
      .filter((r) => r.path === "/repos/acme/api")
      .map((r) => r.headers["authorization"]);
    expect(auths).toEqual([`token ${READ_TOKEN}`, `token ${PR_TOKEN}`]);
  });

  it("a token GitHub refuses is not valid; one that cannot see the repository cannot read or push", async () => {
    const run = await check(
      { GITHUB_READ_TOKEN: READ_TOKEN, GITHUB_TOKEN: "ghp_revoked_token_0000000000" },
      "--repo",
      "acme/missing",
    );
    expect(run.code).toBe(0);
    expect(run.report).toEqual({
      repo: "acme/missing",
      readToken: { set: true, valid: true, canRead: false, canPush: false },
      prToken: { set: true, valid: false, canRead: false, canPush: false },
      llmKey: { set: false },
    });
  });

  it("without tokens or a repository, says only what is set", async () => {
    const none = await check({}, "--repo", "acme/api");
    expect(none.report).toMatchObject({
      readToken: { set: false, valid: null, canRead: null, canPush: null },
      prToken: { set: false, valid: null },
    });
    expect(gh.requests).toHaveLength(0);
    const noRepo = await check({ GITHUB_TOKEN: PR_TOKEN });
    expect(noRepo.report).toMatchObject({
      repo: null,
      prToken: { set: true, valid: null, canRead: null, canPush: null },
    });
    expect(gh.requests).toHaveLength(0);
  });

  it("a GitHub that does not answer fails the command with one line", async () => {
    gh.failNext(/^GET \/repos\/acme\/api/, 503, 10);
    const run = await check({ GITHUB_TOKEN: PR_TOKEN }, "--repo", "acme/api");
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^autofix: cannot read repository acme\/api/);
  });
});
