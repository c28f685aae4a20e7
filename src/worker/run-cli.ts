import { parseArgs } from "node:util";
import { pino } from "pino";
import { AutofixError, ConfigError, InputError, UpstreamError } from "../errors.ts";
import { createOctokit, type OctokitOptions } from "../github/octokit.ts";
import { checkSetup } from "./check.ts";
import { type CommandSpec, commandHelp, commandSpec, mainHelp } from "./commands.ts";
import { knownSecrets, loadWorkerConfig } from "./config.ts";
import type { WorkerContext } from "./context.ts";
import { fileIssue, printIssue } from "./file-issue.ts";
import { fixIssue } from "./fix.ts";
import { GitHub } from "./github.ts";
import { listFixableIssues, MAX_ISSUES, writeSkipped } from "./issues.ts";
import { openPrFromFiles, printPr } from "./publish.ts";
import { printPushed, pushToPr } from "./push.ts";
import { redact } from "./redact.ts";
import { kestraOutputsLine } from "./report.ts";

// The `autofix` CLI as a function: arguments, environment, output streams and working directory
// come in, the exit code goes out. It reads nothing of the process (no process.env, argv, cwd or
// exit): cli.ts wires those, and tests call runCli in-process.

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

type Env = Record<string, string | undefined>;

/** Where text goes: process.stdout and process.stderr, or a test's buffer. */
export interface TextSink {
  write(text: string): unknown;
}

export interface RunCliOptions {
  env: Env;
  stdout: TextSink;
  stderr: TextSink;
  /** Relative paths in the arguments (--out, --patch, …) are taken from here. */
  cwd: string;
  /** Octokit settings that tests tune (faster retries, a throttling id per in-process run). */
  octokit?: Pick<OctokitOptions, "retryBaseMs" | "throttleId">;
}

/** What commands write through: every text is scrubbed of the known secrets first. */
interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

type Values = Record<string, string | boolean | undefined>;

export async function runCli(argv: readonly string[], opts: RunCliOptions): Promise<number> {
  // Agent text reaches stdout (the Kestra outputs line) and stderr (its last error line).
  const secrets = knownSecrets(opts.env);
  const io: CliIo = {
    stdout: (text) => void opts.stdout.write(redact(text, secrets)),
    stderr: (text) => void opts.stderr.write(redact(text, secrets)),
  };
  try {
    return await dispatch([...argv], opts, io);
  } catch (err) {
    return reportFailure(err, io.stderr);
  }
}

/** Writes the failure's one line and returns its exit code. */
export function reportFailure(err: unknown, stderr: (text: string) => void): number {
  const failure = describeFailure(err);
  stderr(`${failure.message}\n`);
  return failure.exitCode;
}

async function dispatch(argv: string[], opts: RunCliOptions, io: CliIo): Promise<number> {
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

  const config = loadWorkerConfig(opts.env);
  // Synchronous writes to stderr, scrubbed like everything else the CLI prints.
  const logger = pino(
    { level: config.logLevel, base: { cmd: spec.name } },
    { write: (line: string) => io.stderr(line) },
  );
  const octokitFor = (token: string | undefined) =>
    createOctokit({
      baseUrl: config.apiUrl,
      token,
      userAgent: "autofix-worker",
      logger,
      ...opts.octokit,
    });
  const github = new GitHub(octokitFor(config.githubToken));
  const ctx: WorkerContext = {
    config,
    github,
    logger,
    cwd: opts.cwd,
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
        pr: prNumber(optional(values, "pr")),
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
    case "push": {
      const pushed = await pushToPr(ctx, {
        issueUrl: required(spec, values, "issue"),
        repoUrl: optional(values, "repo"),
        pr: prNumber(required(spec, values, "pr")) as number,
        patchFile: required(spec, values, "patch"),
        summaryFile: optional(values, "summary"),
        baseSha: optional(values, "base"),
      });
      printPushed(ctx, pushed);
      return EXIT_OK;
    }
    case "file-issue": {
      const issue = await fileIssue(ctx, {
        repoUrl: required(spec, values, "repo"),
        title: required(spec, values, "title"),
        bodyFile: required(spec, values, "body-file"),
      });
      printIssue(ctx, issue);
      return EXIT_OK;
    }
    case "check": {
      const out = optional(values, "out") ?? "check.json";
      await checkSetup(ctx, { repoUrl: optional(values, "repo"), outFile: out, octokitFor });
      ctx.print(`setup check written to ${out}`);
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
      if (skippedOut !== undefined) await writeSkipped(ctx, skippedOut, skipped);
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

function prNumber(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) {
    throw new InputError(`--pr must be a pull request number, not "${text}"`);
  }
  return n;
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
