// file-issue.yml: the contract the bot starts it with, the only token that may write issues, and
// its shell step run as Kestra runs it (sh -c, `set -e` first) against the GitHub fake.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FILE_ISSUE, FILE_ISSUE_FLOW_ID } from "../../src/contracts/flow.ts";
import { type FakeGitHub, startFakeGitHub } from "../fakes/github.ts";
import { NODE24_BIN, REPO_BIN } from "../kestra/engine.ts";
import { allTasks, asList, loadFlow, stringList, stringMap, taskById } from "./flow-walk.ts";

const flow = loadFlow("main_dev.autofix_file-issue.yml");
const inputs = asList(flow["inputs"]);
const input = (id: string) => {
  const found = inputs.find((i) => i["id"] === id);
  if (!found) throw new Error(`no input ${id}`);
  return found;
};

describe("file-issue contract", () => {
  it("has the flow id, inputs and task the bot uses", () => {
    expect(flow["id"]).toBe(FILE_ISSUE_FLOW_ID);
    expect(inputs.map((i) => i["id"]).sort()).toEqual(Object.values(FILE_ISSUE.inputs).sort());
    expect(input(FILE_ISSUE.inputs.repo)).toMatchObject({ type: "STRING", required: true });
    expect(input(FILE_ISSUE.inputs.title)).toMatchObject({ type: "STRING", required: true });
    expect(input(FILE_ISSUE.inputs.body)).toMatchObject({ type: "STRING", required: false });
    expect(taskById(flow, FILE_ISSUE.tasks.file)["type"]).toBe(
      "io.kestra.plugin.scripts.shell.Commands",
    );
    const notify = asList(flow["afterExecution"]).find((t) => t["id"] === FILE_ISSUE.tasks.notify);
    expect(String(notify?.["body"])).toContain("'event': 'file_issue'");
  });

  it("validates the repository and the title as the bot sends them", () => {
    const repo = new RegExp(String(input(FILE_ISSUE.inputs.repo)["validator"]));
    expect(repo.test("acme/api")).toBe(true);
    for (const bad of ["acme", "acme/api; rm -rf /", "https://github.com/acme/api", "acme/api/x"]) {
      expect(repo.test(bad), bad).toBe(false);
    }
    const title = new RegExp(String(input(FILE_ISSUE.inputs.title)["validator"]));
    expect(title.test("Login fails")).toBe(true);
    expect(title.test("")).toBe(false);
    expect(title.test("x".repeat(257))).toBe(false);
  });

  it("gives the write token to the file task alone, through env", () => {
    const holders = allTasks(flow)
      .filter(({ task }) =>
        Object.values(stringMap(task["env"])).some((v) => v.includes("secret('GITHUB")),
      )
      .map(({ task }) => task["id"]);
    expect(holders).toEqual([FILE_ISSUE.tasks.file]);
    const env = stringMap(taskById(flow, FILE_ISSUE.tasks.file)["env"]);
    expect(env["GITHUB_TOKEN"]).toBe("{{ secret('GITHUB_PR_TOKEN') }}");
    // The write token Kestra already holds for PRs (it needs Issues: write too); never the read one.
    expect(JSON.stringify(flow)).not.toMatch(/GITHUB_READ_TOKEN/);
  });
});

describe("file-issue's step, run as Kestra runs it", () => {
  const TOKEN = "ghp_issues_token_for_the_flow_0123";
  let gh: FakeGitHub;
  let dir: string;
  beforeAll(async () => {
    gh = await startFakeGitHub({ token: TOKEN });
    gh.addRepo("acme", "api");
    dir = mkdtempSync(join(tmpdir(), "file-issue-step-"));
  });
  afterAll(async () => {
    await gh.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("files exactly the title and body it was given: nothing in them runs", async () => {
    const task = taskById(flow, FILE_ISSUE.tasks.file);
    const declared = Object.keys(stringMap(task["env"])).sort();
    expect(declared).toEqual([
      "GITHUB_API_URL",
      "GITHUB_TOKEN",
      "ISSUE_BODY",
      "ISSUE_TITLE",
      "REPO",
    ]);
    const title = `Login "fails" $(touch ${join(dir, "pwned")}) \`id\``;
    const body = "**Ann** wrote:\n> it's `broken` $HOME\n";
    // Asynchronously: the GitHub fake answers from this process.
    const r = await runShell(["set -e", ...stringList(task["commands"])].join("\n"), dir, {
      PATH: `${NODE24_BIN}:${REPO_BIN}:/usr/bin:/bin`,
      REPO: "acme/api",
      ISSUE_TITLE: title,
      ISSUE_BODY: body,
      GITHUB_API_URL: gh.url,
      GITHUB_TOKEN: TOKEN,
    });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const filed = gh.issues("acme", "api")[0];
    expect(filed).toMatchObject({ title, body });
    expect(existsSync(join(dir, "pwned"))).toBe(false);
    const line = r.stdout.split("\n").find((l) => l.startsWith("::{")) ?? "";
    expect(JSON.parse(line.slice(2, -2))).toEqual({
      outputs: { issue_url: filed?.htmlUrl, issue_number: filed?.number },
    });
    expect(r.stdout).not.toContain(TOKEN);
  });
});

function runShell(
  script: string,
  cwd: string,
  env: Record<string, string>,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("/bin/sh", ["-c", script], { cwd, env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c) => {
      stdout += String(c);
    });
    child.stderr.on("data", (c) => {
      stderr += String(c);
    });
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}
