import { execFile } from "node:child_process";
import { mkdtemp, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs, promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { parseIssueUrl, parseRepoUrl } from "../../src/shared/issue-url.ts";
import { COMMANDS, commandHelp, mainHelp } from "../../src/worker/commands.ts";
import { ROOT, runCli } from "./helpers.ts";

const execFileAsync = promisify(execFile);

describe("autofix --help", () => {
  it("prints the commands, the environment and the exit codes", async () => {
    const run = await runCli(["--help"], {});
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(mainHelp());
    for (const c of COMMANDS) expect(run.stdout).toContain(`  ${c.name}`);
    for (const name of [
      "GITHUB_TOKEN",
      "GITHUB_API_URL",
      "AUTOFIX_AGENT_COMMAND",
      "AUTOFIX_CLONE_URL",
    ]) {
      expect(run.stdout).toContain(name);
    }
    expect(run.stdout).toContain(
      "Exit codes: 0 success, 1 operational failure, 2 usage or configuration error.",
    );
  });

  it.each(COMMANDS.map((c) => c.name))("%s --help needs no configuration", async (name) => {
    const spec = COMMANDS.find((c) => c.name === name);
    // An invalid environment must not stop --help.
    const run = await runCli([name, "--help"], { AUTOFIX_AGENT_TIMEOUT: "soon" });
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(spec ? commandHelp(spec) : "");
  });

  it("documents every option of every command, and its examples parse", () => {
    for (const spec of COMMANDS) {
      const help = commandHelp(spec);
      for (const option of Object.keys(spec.options)) expect(help).toContain(`--${option}`);
      for (const example of spec.examples) {
        expect(help).toContain(example);
        const [bin, name, ...args] = example.split(" ");
        expect([bin, name]).toEqual(["autofix", spec.name]);
        const { values } = parseArgs({ args, options: spec.options, strict: true });
        if (typeof values["issue"] === "string") {
          expect(parseIssueUrl(values["issue"], "github.com").ok).toBe(true);
        }
        if (typeof values["repo"] === "string") {
          expect(parseRepoUrl(values["repo"], "github.com", true).ok).toBe(true);
        }
      }
    }
  });

  it("works through a symlinked bin/autofix, as a process with its exit code", async () => {
    const dir = await mkdtemp(join(tmpdir(), "autofix-bin-"));
    try {
      await symlink(join(ROOT, "bin/autofix"), join(dir, "autofix"));
      const { stdout } = await execFileAsync(join(dir, "autofix"), ["issues", "--help"], {
        env: { PATH: `${join(process.execPath, "..")}:/usr/bin:/bin` },
      });
      expect(stdout).toContain("Usage: autofix issues --repo <url>");
      // The process entry hands runCli's exit code and stderr to the process.
      const failed = await execFileAsync(join(dir, "autofix"), ["deploy"], {
        env: { PATH: `${join(process.execPath, "..")}:/usr/bin:/bin` },
      }).catch((e: unknown) => e as { code?: unknown; stdout?: unknown; stderr?: unknown });
      expect(failed).toMatchObject({
        code: 2,
        stdout: "",
        stderr: 'autofix: unknown command "deploy" (run autofix --help)\n',
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("usage and configuration errors exit 2", () => {
  it("lists every invalid setting with how to fix it", async () => {
    const run = await runCli(["issues", "--repo", "acme/api"], {
      GITHUB_API_URL: "ftp://example.com",
      AUTOFIX_AGENT_TIMEOUT: "soon",
      AUTOFIX_GIT_AUTHOR_EMAIL: "not-an-email",
      AUTOFIX_CLONE_URL: "https://git.example.com/repo.git",
      AUTOFIX_LOG_LEVEL: "loud",
    });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    const lines = run.stderr.trimEnd().split("\n");
    expect(lines[0]).toBe("autofix: Invalid configuration:");
    expect(lines.slice(1).sort()).toEqual(
      [
        "  - GITHUB_API_URL must be an http(s) URL, e.g. https://api.github.com",
        "  - AUTOFIX_AGENT_TIMEOUT must be a number of seconds, e.g. 1200",
        "  - AUTOFIX_GIT_AUTHOR_EMAIL must be an e-mail address, e.g. bot@example.com",
        "  - AUTOFIX_CLONE_URL must contain {owner} and {repo}, e.g. https://git.example.com/{owner}/{repo}.git",
        "  - AUTOFIX_LOG_LEVEL must be one of silent, error, warn, info, debug",
      ].sort(),
    );
  });

  it("rejects an unknown command", async () => {
    const run = await runCli(["deploy"], {});
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('autofix: unknown command "deploy" (run autofix --help)\n');
  });

  it("rejects an unknown option", async () => {
    const run = await runCli(["fix", "--isue", "x"], {});
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^autofix: Unknown option '--isue'.* \(run autofix fix --help\)\n$/);
  });

  it("requires --issue", async () => {
    const run = await runCli(["fix"], {});
    expect(run.code).toBe(2);
    expect(run.stderr).toBe("autofix: --issue is required (run autofix fix --help)\n");
  });

  it("prints the help on stderr without a command", async () => {
    const run = await runCli([], {});
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(mainHelp());
  });
});
