import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { UpstreamError } from "../errors.ts";
import type { WorkerConfig } from "./config.ts";
import { lastLine, type RunResult, run } from "./process.ts";
import { redact } from "./redact.ts";

// The coding agent: Cline CLI by default, or any shell command (AUTOFIX_AGENT_COMMAND).
// Its environment is an allow-list: no GitHub token can reach it.

export interface AgentOutcome {
  name: string;
  model?: string;
  explanation?: string;
  usage?: { inputTokens?: number; outputTokens?: number; costUsd?: number };
}

export interface AgentRequest {
  agent: WorkerConfig["agent"];
  baseEnv: Record<string, string>;
  providerEnv: Record<string, string>;
  /** The clone the agent works in. */
  cwd: string;
  prompt: string;
  /** A private scratch directory outside the clone (prompt file, Cline state). */
  scratchDir: string;
  /** Where the agent's stdout/stderr are kept, if anywhere. */
  logFile?: string;
  /** Values scrubbed from what the agent printed before it is kept or shown (see redact.ts). */
  secrets?: readonly string[];
}

/** Names that must never reach the agent, whatever the allow-lists say. */
const FORBIDDEN_ENV = /GITHUB|^GH_|^GIT_|TOKEN/;

export function agentEnv(req: AgentRequest, extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = { ...req.baseEnv, ...req.providerEnv };
  if (req.agent.model) env["AUTOFIX_MODEL"] = req.agent.model;
  Object.assign(env, extra);
  for (const name of Object.keys(env)) {
    if (FORBIDDEN_ENV.test(name)) delete env[name];
  }
  return env;
}

export async function runAgent(req: AgentRequest): Promise<AgentOutcome> {
  const promptFile = join(req.scratchDir, "prompt.md");
  await writeFile(promptFile, req.prompt, { mode: 0o600 });
  const common = { AUTOFIX_PROMPT: req.prompt, AUTOFIX_PROMPT_FILE: promptFile };
  return req.agent.command === undefined
    ? runCline(req, common)
    : runCustom(req, req.agent.command, common);
}

async function runCustom(
  req: AgentRequest,
  command: string,
  common: Record<string, string>,
): Promise<AgentOutcome> {
  const resultFile = join(req.scratchDir, "agent-result.json");
  const env = agentEnv(req, { ...common, AUTOFIX_RESULT_FILE: resultFile });
  await supervise(req, "/bin/sh", ["-c", command], env);
  const reported = await readReport(resultFile);
  const model = reported.model ?? req.agent.model;
  return {
    name: "custom",
    ...(model ? { model } : {}),
    ...(reported.explanation ? { explanation: reported.explanation } : {}),
    ...usageOf(reported.inputTokens, reported.outputTokens, reported.costUsd),
  };
}

/** What a custom agent may write to $AUTOFIX_RESULT_FILE; every field optional. */
const customReportSchema = z.object({
  explanation: z.string().optional(),
  model: z.string().optional(),
  inputTokens: z.number().nonnegative().optional(),
  outputTokens: z.number().nonnegative().optional(),
  costUsd: z.number().nonnegative().optional(),
});

async function readReport(file: string): Promise<z.output<typeof customReportSchema>> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch {
    return {};
  }
  try {
    const parsed = customReportSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : {};
  } catch {
    return {};
  }
}

/**
 * Cline CLI 3.x headless: `--json` streams NDJSON, `--yolo` auto-approves tools and ends the run
 * with its submit tool, `--data-dir` isolates its state and keeps its hub daemon from starting
 * (a daemon would escape our process-group kill). The API key stays in the environment
 * (OPENAI_API_KEY for openai-compatible), not in argv; Cline has no flag for a base URL, so an
 * OpenAI-compatible endpoint goes into its provider settings file in the private data dir.
 */
export function clineArgs(opts: {
  dataDir: string;
  cwd: string;
  provider: string;
  model: string | undefined;
  prompt: string;
}): string[] {
  return [
    "--json",
    "--yolo",
    "--data-dir",
    opts.dataDir,
    "--cwd",
    opts.cwd,
    "--provider",
    opts.provider,
    ...(opts.model ? ["--model", opts.model] : []),
    opts.prompt,
  ];
}

/** Cline's settings/providers.json (format of cline 3.0.x `cline auth`), without the key. */
export function clineProviderSettings(opts: {
  provider: string;
  model: string | undefined;
  baseUrl: string;
  now: Date;
}): string {
  return `${JSON.stringify(
    {
      version: 1,
      lastUsedProvider: opts.provider,
      modes: {},
      providers: {
        [opts.provider]: {
          settings: {
            provider: opts.provider,
            ...(opts.model ? { model: opts.model } : {}),
            baseUrl: opts.baseUrl,
          },
          updatedAt: opts.now.toISOString(),
          tokenSource: "manual",
        },
      },
    },
    null,
    2,
  )}\n`;
}

async function runCline(req: AgentRequest, common: Record<string, string>): Promise<AgentOutcome> {
  const dataDir = join(req.scratchDir, "cline-data");
  await mkdir(join(dataDir, "settings"), { recursive: true, mode: 0o700 });
  if (req.agent.baseUrl) {
    await writeFile(
      join(dataDir, "settings", "providers.json"),
      clineProviderSettings({
        provider: req.agent.provider,
        model: req.agent.model,
        baseUrl: req.agent.baseUrl,
        now: new Date(),
      }),
      { mode: 0o600 },
    );
  }
  const env = agentEnv(req, common);
  const args = clineArgs({
    dataDir,
    cwd: req.cwd,
    provider: req.agent.provider,
    model: req.agent.model,
    prompt: req.prompt,
  });
  const res = await supervise(req, req.agent.clinePath, args, env);
  const parsed = parseClineOutput(res.stdout);
  if (parsed.finishReason !== undefined && parsed.finishReason !== "completed") {
    const why = parsed.text ? `: ${oneLine(redact(parsed.text, req.secrets ?? []))}` : "";
    throw new UpstreamError(
      "agent",
      "unavailable",
      `the agent failed (${parsed.finishReason})${why}`,
    );
  }
  const model = parsed.model ?? req.agent.model;
  return {
    name: "cline",
    ...(model ? { model } : {}),
    ...(parsed.text ? { explanation: parsed.text } : {}),
    ...usageOf(parsed.inputTokens, parsed.outputTokens, parsed.costUsd),
  };
}

export interface ClineSummary {
  finishReason?: string;
  text?: string;
  model?: string;
  inputTokens?: number;
  outputTokens?: number;
  costUsd?: number;
}

/**
 * Reads Cline's NDJSON stream: the final `run_result` line (finishReason, text, usage, model), or
 * failing that the agent's `done` event. Unknown or malformed lines are skipped.
 */
export function parseClineOutput(stdout: string): ClineSummary {
  let summary: ClineSummary = {};
  let sawResult = false;
  for (const line of stdout.split("\n")) {
    const trimmed = line.trim();
    if (!trimmed.startsWith("{")) continue;
    let event: unknown;
    try {
      event = JSON.parse(trimmed);
    } catch {
      continue;
    }
    const e = asRecord(event);
    if (e["type"] === "run_result") {
      sawResult = true;
      summary = fromResult(e, asRecord(e["usage"]));
      const model = asRecord(e["model"])["id"];
      if (typeof model === "string") summary.model = model;
    } else if (e["type"] === "agent_event" && !sawResult) {
      // Older streams may end with the agent's "done" event only.
      const inner = asRecord(e["event"]);
      if (inner["type"] === "done") {
        summary = fromResult({ ...inner, finishReason: inner["reason"] }, asRecord(inner["usage"]));
      }
    }
  }
  return summary;
}

function fromResult(e: Record<string, unknown>, usage: Record<string, unknown>): ClineSummary {
  const out: ClineSummary = {};
  if (typeof e["finishReason"] === "string") out.finishReason = e["finishReason"];
  const text = typeof e["text"] === "string" ? cleanText(e["text"]) : "";
  if (text) out.text = text;
  if (isCount(usage["inputTokens"])) out.inputTokens = usage["inputTokens"];
  if (isCount(usage["outputTokens"])) out.outputTokens = usage["outputTokens"];
  if (isCount(usage["totalCost"])) out.costUsd = usage["totalCost"];
  return out;
}

/** Cline prefixes the submit tool's summary with "Submission recorded (verified): ". */
function cleanText(text: string): string {
  return text.replace(/^Submission recorded(?: \([^)]*\))?:\s*/, "").trim();
}

function isCount(v: unknown): v is number {
  return typeof v === "number" && Number.isFinite(v) && v >= 0;
}

function asRecord(v: unknown): Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : {};
}

function usageOf(
  inputTokens: number | undefined,
  outputTokens: number | undefined,
  costUsd: number | undefined,
): Pick<AgentOutcome, "usage"> {
  const usage: NonNullable<AgentOutcome["usage"]> = {};
  if (inputTokens !== undefined) usage.inputTokens = inputTokens;
  if (outputTokens !== undefined) usage.outputTokens = outputTokens;
  if (costUsd !== undefined) usage.costUsd = costUsd;
  return Object.keys(usage).length > 0 ? { usage } : {};
}

/** Runs the agent under the hard timeout; throws UpstreamError("agent") on any failure. */
async function supervise(
  req: AgentRequest,
  file: string,
  args: string[],
  env: Record<string, string>,
): Promise<RunResult> {
  const seconds = Math.round(req.agent.timeoutMs / 1000);
  let res: RunResult;
  try {
    res = await run(file, args, { cwd: req.cwd, env, timeoutMs: req.agent.timeoutMs });
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    const hint =
      code === "ENOENT"
        ? `${file} not found (install Cline or set AUTOFIX_AGENT_COMMAND)`
        : String(err);
    throw new UpstreamError("agent", "unavailable", `the agent could not start: ${hint}`, {
      cause: err,
    });
  }
  const secrets = req.secrets ?? [];
  if (req.logFile) {
    const log = `${res.stdout}\n--- stderr ---\n${res.stderr}`;
    await writeFile(req.logFile, redact(log, secrets), { mode: 0o600 });
  }
  if (res.timedOut) {
    throw new UpstreamError("agent", "unavailable", `the agent timed out after ${seconds} s`);
  }
  if (res.code !== 0) {
    const status = res.code === null ? `signal ${res.signal}` : `exit code ${res.code}`;
    const detail = redact(readable(lastLine(res.stderr) || lastLine(res.stdout)), secrets);
    throw new UpstreamError(
      "agent",
      "unavailable",
      `the agent failed (${status})${detail ? `: ${oneLine(detail)}` : ""}`,
    );
  }
  return res;
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > 300 ? `${flat.slice(0, 300)}…` : flat;
}

/** Cline reports errors as JSON lines ({"type":"error","message":…}); show the message. */
function readable(line: string): string {
  try {
    const parsed = JSON.parse(line) as { message?: unknown };
    if (typeof parsed.message === "string" && parsed.message.length > 0) return parsed.message;
  } catch {
    // Not JSON: the line as it is.
  }
  return line;
}
