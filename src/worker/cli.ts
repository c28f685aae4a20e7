#!/usr/bin/env node
import { secureEnvironment } from "./handover.ts";
import { reportFailure, runCli } from "./run-cli.ts";

// The `autofix` process entry: the only file that touches process.env, argv, cwd and the exit
// code. It hides the GitHub tokens from /proc first (see handover.ts: this may re-execute the
// process), then runs the CLI (run-cli.ts).

function entry(): Promise<number> | number {
  const stderr = (text: string) => void process.stderr.write(text);
  let env: Record<string, string | undefined>;
  try {
    const secured = secureEnvironment({
      env: process.env,
      argv: process.argv,
      execPath: process.execPath,
      execArgv: process.execArgv,
      execve:
        typeof process.execve === "function"
          ? (file, args, e) => process.execve?.(file, args, e)
          : undefined,
    });
    if (secured.warning) stderr(`${secured.warning}\n`);
    env = secured.env;
  } catch (err) {
    return reportFailure(err, stderr);
  }
  return runCli(process.argv.slice(2), {
    env,
    stdout: process.stdout,
    stderr: process.stderr,
    cwd: process.cwd(),
  });
}

process.exitCode = await entry();
