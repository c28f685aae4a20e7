#!/usr/bin/env node
import { parseArgs } from "node:util";
import { pino } from "pino";
import { AutofixError, ConfigError, InputError, UpstreamError } from "../errors.ts";
import { createOctokit } from "../github/octokit.ts";
import { type CommandSpec, commandHelp, commandSpec, mainHelp } from "./commands.ts";
import { knownSecrets, loadWorkerConfig } from "./config.ts";
import type { WorkerContext } from "./context.ts";
import { fixIssue } from "./fix.ts";
import { GitHub } from "./github.ts";
import { secureEnvironment } from "./handover.ts";
import { listFixableIssues, MAX_ISSUES, writeSkipped } from "./issues.ts";
import { openPrFromFiles, printPr } from "./publish.ts";
import { redact } from "./redact.ts";
import { kestraOutputsLine } from "./report.ts";

// The `autofix` entry point. The only module that touches process.env, argv and exit codes.

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

type Values = Record<string, string | boolean | undefined>;

export async function main(
  argv: string[],
  env: Record<string, string | undefined>,
  rawIo: CliIo,
): Promise<number> {
  // Agent text reaches stdout (the Kestra outputs line) and stderr (its last error line).
  const secrets = knownSecrets(env);
  const io: CliIo = {
    stdout: (text) => rawIo.stdout(redact(text, secrets)),
    stderr: (text) => rawIo.stderr(redact(text, secrets)),
  };
  try {
    return await dispatch(argv, env, io);
  } catch (err) {
    const failure = describeFailure(err);
    io.stderr(`${failure.message}\n`);
    return failure.exitCode;
  }
}

async function dispatch(
  argv: string[],
  env: Record<string, string | undefined>,
  io: CliIo,
): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.stderr(mainHelp());
    return EXIT_USAGE;
  }
  if (name === "--help" || name === "-h" || name === "help") {
    io.stdout(mainHelp());
    return EXIT_OK;
  }
  const spec = commandSpec(name);
  if (!spec) throw new InputError(`unknown command "${name}" (run autofix --help)`);
  const values = parseCommandArgs(spec, rest);
  if (values["help"] === true) {
    io.stdout(commandHelp(spec));
    return EXIT_OK;
  }

  const config = loadWorkerConfig(env);
  const logger = pino(
    { level: config.logLevel, base: { cmd: spec.name } },
    pino.destination({ fd: 2, sync: true }),
  );
  const github = new GitHub(
    createOctokit({
      baseUrl: config.apiUrl,
      token: config.githubToken,
      userAgent: "autofix-worker",
      logger,
    }),
  );
  const ctx: WorkerContext = {
    config,
    github,
    logger,
    print: (line) => io.stdout(`${line}\n`),
  };

  switch (spec.name) {
    case "fix":
      await fixIssue(ctx, {
        issueUrl: required(spec, values, "issue"),
        repoUrl: optional(values, "repo"),
        outDir: optional(values, "out") ?? ".",
        feedbackFile: optional(values, "feedback-file"),
        previousPatchFile: optional(values, "previous-patch"),
        push: values["push"] === true,
        draft: values["draft"] === true,
      });
      return EXIT_OK;
    case "pr": {
      const pr = await openPrFromFiles(ctx, {
        issueUrl: required(spec, values, "issue"),
        patchFile: required(spec, values, "patch"),
        summaryFile: optional(values, "summary"),
        repoUrl: optional(values, "repo"),
        draft: values["draft"] === true,
      });
      printPr(ctx, pr);
      return EXIT_OK;
    }
    case "issues": {
      const skippedOut = optional(values, "skipped-out");
      const { issues, skipped } = await listFixableIssues(ctx, {
        repoUrl: required(spec, values, "repo"),
        labels: (optional(values, "labels") ?? "")
          .split(",")
          .map((l) => l.trim())
          .filter((l) => l.length > 0),
        max: parseMax(optional(values, "max")),
        skipExisting: values["skip-existing"] === true,
        collectSkipped: skippedOut !== undefined,
      });
      if (skippedOut !== undefined) await writeSkipped(skippedOut, skipped);
      ctx.print(
        values["kestra"] === true
          ? kestraOutputsLine({ issues, count: issues.length })
          : JSON.stringify(issues),
      );
      return EXIT_OK;
    }
  }
}

function parseCommandArgs(spec: CommandSpec, args: string[]): Values {
  try {
    return parseArgs({ args, options: spec.options, strict: true, allowPositionals: false })
      .values as Values;
  } catch (err) {
    const message = err instanceof Error ? err.message.split("\n")[0] : String(err);
    throw new InputError(`${message} (run autofix ${spec.name} --help)`);
  }
}

function required(spec: CommandSpec, values: Values, name: string): string {
  const value = optional(values, name);
  if (value === undefined) {
    throw new InputError(`--${name} is required (run autofix ${spec.name} --help)`);
  }
  return value;
}

function optional(values: Values, name: string): string | undefined {
  const value = values[name];
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}

function parseMax(text: string | undefined): number {
  if (text === undefined) return 10;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > MAX_ISSUES) {
    throw new InputError(`--max must be a whole number from 1 to ${MAX_ISSUES}, not "${text}"`);
  }
  return n;
}

/** The one place where errors become the CLI's stderr text and exit code. */
export function describeFailure(err: unknown): { message: string; exitCode: number } {
  if (err instanceof ConfigError) {
    return { message: `autofix: ${err.message}`, exitCode: EXIT_USAGE };
  }
  if (err instanceof InputError) {
    return { message: `autofix: ${err.message}`, exitCode: EXIT_USAGE };
  }
  if (err instanceof UpstreamError || err instanceof AutofixError) {
    return { message: `autofix: ${oneLine(err.message)}`, exitCode: EXIT_FAILURE };
  }
  const reason = err instanceof Error ? err.message : String(err);
  return { message: `autofix: unexpected error: ${oneLine(reason)}`, exitCode: EXIT_FAILURE };
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

/** The process entry: hides the GitHub tokens from /proc (see handover.ts), then runs `main`. */
async function entry(): Promise<number> {
  const io: CliIo = {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  };
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
    if (secured.warning) io.stderr(`${secured.warning}\n`);
    env = secured.env;
  } catch (err) {
    const failure = describeFailure(err);
    io.stderr(`${failure.message}\n`);
    return failure.exitCode;
  }
  return main(process.argv.slice(2), env, io);
}

if (import.meta.main) {
  process.exitCode = await entry();
}
