import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ConfigError } from "../../src/errors.ts";
import { knownSecrets } from "../../src/worker/config.ts";
import {
  type Execve,
  HANDOVER_ENV,
  type ProcessImage,
  secureEnvironment,
} from "../../src/worker/handover.ts";
import { redact } from "../../src/worker/redact.ts";

// The re-exec that takes the GitHub tokens out of /proc/<pid>/environ, with execve replaced by a
// recorder (the real one is exercised end to end in fix.test.ts).

interface Exec {
  file: string;
  args: string[];
  env: Record<string, string>;
}

let tmp: string;

beforeEach(async () => {
  tmp = await mkdtemp(join(tmpdir(), "autofix-handover-test-"));
});

afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

function image(env: Record<string, string | undefined>, execve: Execve | undefined): ProcessImage {
  return {
    env,
    argv: ["/usr/bin/node", "/app/src/worker/cli.ts", "fix", "--issue", "a b"],
    execPath: process.execPath,
    execArgv: ["--no-warnings"],
    execve,
  };
}

/** An execve that records its call and, like the real one, does not come back. */
function recorder(calls: Exec[]): Execve {
  return (file, args, env) => {
    calls.push({ file, args, env });
    throw new Error("recorded");
  };
}

describe("secureEnvironment", () => {
  it("leaves an environment without GitHub credentials as it is", () => {
    const calls: Exec[] = [];
    const env = { PATH: "/bin", OPENAI_API_KEY: "sk-123456789" };
    const secured = secureEnvironment(image(env, recorder(calls)));
    expect(calls).toEqual([]);
    expect(secured).toEqual({ env: { ...env } });
  });

  it("re-executes with the same argv, without the credentials, which it hands over in a private file", () => {
    const calls: Exec[] = [];
    const env = {
      PATH: "/bin",
      GITHUB_TOKEN: "ghp_write_123",
      GITHUB_READ_TOKEN: "ghp_read_456",
      GH_TOKEN: "gho_789",
      OPENAI_API_KEY: "sk-123456789",
    };
    const first = image(env, (file, args, e) => {
      calls.push({ file, args, env: e });
      // What the new image finds, before anything else runs.
      const file0 = e[HANDOVER_ENV] ?? "";
      expect(statSync(file0).mode & 0o777).toBe(0o600);
      expect(statSync(dirname(file0)).mode & 0o777).toBe(0o700);
      throw new Error("recorded");
    });
    secureEnvironment(first);
    expect(calls).toHaveLength(1);
    const [call] = calls;
    expect(call?.file).toBe(process.execPath);
    expect(call?.args).toEqual([
      process.execPath,
      "--no-warnings",
      "/app/src/worker/cli.ts",
      "fix",
      "--issue",
      "a b",
    ]);
    const file = call?.env[HANDOVER_ENV] ?? "";
    expect(call?.env).toEqual({
      PATH: "/bin",
      OPENAI_API_KEY: "sk-123456789",
      [HANDOVER_ENV]: file,
    });
    // The recorder threw, as a failed execve would: nothing is left behind.
    expect(existsSync(dirname(file))).toBe(false);
  });

  it("in the re-executed image, restores the credentials and deletes the file and its directory", () => {
    let handed: Record<string, string> = {};
    const first = image({ PATH: "/bin", GITHUB_READ_TOKEN: "ghp_read_456" }, (_f, _a, e) => {
      handed = e;
      // Read the hand-over as the new image would, while the file exists.
      const second = secureEnvironment({ ...image({}, undefined), env: e });
      expect(second).toEqual({ env: { PATH: "/bin", GITHUB_READ_TOKEN: "ghp_read_456" } });
      expect(existsSync(e[HANDOVER_ENV] ?? "")).toBe(false);
      expect(existsSync(dirname(e[HANDOVER_ENV] ?? ""))).toBe(false);
      throw new Error("recorded");
    });
    secureEnvironment(first);
    expect(handed[HANDOVER_ENV]).toMatch(/autofix-handover-[^/]+\/credentials\.json$/);
    expect(JSON.stringify(handed)).not.toContain("ghp_read_456");
  });

  it("continues with a one-line warning when execve is unavailable or fails", () => {
    const env = { PATH: "/bin", GITHUB_TOKEN: "ghp_write_123" };
    const none = secureEnvironment(image(env, undefined));
    expect(none.env).toEqual({ ...env });
    expect(none.warning).toBe(
      "autofix: warning: cannot re-execute without the GitHub tokens in the environment (process.execve is not available in this Node); the agent may be able to read them from /proc",
    );
    const failed = secureEnvironment(
      image(env, () => {
        throw new Error("EPERM: not allowed\nmore");
      }),
    );
    expect(failed.env).toEqual({ ...env });
    expect(failed.warning).toContain("(EPERM: not allowed)");
    expect(failed.warning?.includes("\n")).toBe(false);
  });

  it("refuses, and deletes nothing, when the variable names a file it did not make", () => {
    const other = join(tmp, "keep", "credentials.json");
    mkdirSync(dirname(other));
    writeFileSync(other, "{}");
    expect(() => secureEnvironment(image({ [HANDOVER_ENV]: other }, undefined))).toThrow(
      ConfigError,
    );
    expect(readFileSync(other, "utf8")).toBe("{}");
  });

  it("fails with a configuration error when the hand-over file is gone", () => {
    const gone = join(tmp, "autofix-handover-x", "credentials.json");
    let error: unknown;
    try {
      secureEnvironment(image({ [HANDOVER_ENV]: gone }, undefined));
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      `${HANDOVER_ENV}: cannot read ${JSON.stringify(gone)} (ENOENT); it is set only by the worker for its own re-exec, unset it`,
    ]);
  });
});

describe("redact", () => {
  it("replaces every GitHub token and provider key of the environment, ignoring short values", () => {
    const secrets = knownSecrets({
      GITHUB_TOKEN: "ghp_write_123",
      GITHUB_READ_TOKEN: " ghp_read_456 ",
      GH_TOKEN: "short",
      OPENAI_API_KEY: "sk-123456789",
      OPENAI_BASE_URL: "https://llm.example.com/v1",
    });
    expect(
      redact(
        "w=ghp_write_123 r=ghp_read_456 k=sk-123456789 short https://llm.example.com/v1 w=ghp_write_123",
        secrets,
      ),
    ).toBe("w=[redacted] r=[redacted] k=[redacted] short https://llm.example.com/v1 w=[redacted]");
  });
});
