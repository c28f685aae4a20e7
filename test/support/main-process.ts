// `npm start` is `node src/main.ts`: the real entry point, run as a child process.
import { type ChildProcess, spawn } from "node:child_process";

const MAIN = new URL("../../src/main.ts", import.meta.url).pathname;

export interface MainProcess {
  child: ChildProcess;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  out(): string;
  err(): string;
  /** The port from the "autofix-slack is up" log line, once it is printed. */
  port(timeoutMs?: number): Promise<number>;
  /** The exit code, or fails the test when the process has not exited within `ms`. */
  exitWithin(ms: number): Promise<number | null>;
}

/**
 * Starts src/main.ts (or `opts.argv`, e.g. scripts/dev.mjs) with only `env` (and PATH); stdout and
 * stderr are collected.
 */
export function startMain(
  env: Record<string, string>,
  opts: { command?: string; argv?: string[] } = {},
): MainProcess {
  const child = spawn(opts.command ?? process.execPath, opts.argv ?? [MAIN], {
    env: { PATH: process.env["PATH"] ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d) => {
    stdout += String(d);
  });
  child.stderr?.on("data", (d) => {
    stderr += String(d);
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return {
    child,
    exited,
    out: () => stdout,
    err: () => stderr,
    async port(timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const line = stdout.split("\n").find((l) => l.includes("autofix-slack is up"));
        // A JSON line, or a readable one (LOG_FORMAT=pretty): "… autofix-slack is up port=3000".
        const port = line?.startsWith("{")
          ? (JSON.parse(line) as { port: number }).port
          : Number(/port=(\d+)/.exec(line ?? "")?.[1]);
        if (port) return port;
        if (child.exitCode !== null || Date.now() > deadline) {
          throw new Error(`main did not come up (exit ${child.exitCode}):\n${stdout}\n${stderr}`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async exitWithin(ms) {
      let timer: NodeJS.Timeout | undefined;
      const limit = new Promise<"running">((r) => {
        timer = setTimeout(() => r("running"), ms);
      });
      const result = await Promise.race([exited, limit]);
      clearTimeout(timer);
      if (result === "running") {
        throw new Error(`main had not exited ${ms} ms later:\n${stdout}\n${stderr}`);
      }
      return result;
    },
  };
}
