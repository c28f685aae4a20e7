import { describe, expect, it } from "vitest";
import {
  type AgentRequest,
  agentEnv,
  clineArgs,
  clineProviderSettings,
  parseClineOutput,
} from "../../src/worker/agent.ts";
import { loadWorkerConfig } from "../../src/worker/config.ts";
import { buildPrompt, MAX_PROMPT_BYTES } from "../../src/worker/prompt.ts";

// NDJSON as printed by `cline --json` 3.0.65 for a run against an OpenAI-compatible server
// (trimmed to the events the worker reads, plus some it must skip).
const CLINE_RUN = [
  '{"ts":"2026-01-01T00:00:00.000Z","type":"agent_event","event":{"type":"iteration_start","iteration":1}}',
  '{"ts":"2026-01-01T00:00:00.100Z","type":"agent_event","event":{"type":"usage","inputTokens":100,"outputTokens":10,"totalInputTokens":100,"totalOutputTokens":10,"totalCost":0}}',
  '{"ts":"2026-01-01T00:00:00.200Z","type":"agent_event","event":{"type":"content_end","contentType":"tool","toolName":"submit_and_exit","toolCallId":"call_2","output":"Submission recorded (verified): Changed hello to goodbye in a.txt.","durationMs":1}}',
  '{"ts":"2026-01-01T00:00:00.300Z","type":"agent_event","event":{"type":"done","reason":"completed","text":"Submission recorded (verified): Changed hello to goodbye in a.txt.","iterations":2,"usage":{"inputTokens":300,"outputTokens":30,"totalCost":0}}}',
  '{"ts":"2026-01-01T00:00:00.400Z","type":"run_result","finishReason":"completed","iterations":2,"usage":{"inputTokens":300,"outputTokens":30,"cacheReadTokens":0,"cacheWriteTokens":0,"totalCost":0.0042},"durationMs":150,"text":"Submission recorded (verified): Changed hello to goodbye in a.txt.","model":{"id":"test-model","provider":"openai-compatible"}}',
].join("\n");

describe("parseClineOutput", () => {
  it("reads the final run_result: text without Cline's prefix, usage, cost and model", () => {
    expect(parseClineOutput(CLINE_RUN)).toEqual({
      finishReason: "completed",
      text: "Changed hello to goodbye in a.txt.",
      model: "test-model",
      inputTokens: 300,
      outputTokens: 30,
      costUsd: 0.0042,
    });
  });

  it("reports a failed run's reason and message", () => {
    const line =
      '{"type":"run_result","finishReason":"error","usage":{"inputTokens":0,"outputTokens":0,"totalCost":0},"text":"Cannot connect to API (ConnectionRefused)","model":{"id":"m","provider":"openai-compatible"}}';
    expect(parseClineOutput(line)).toMatchObject({
      finishReason: "error",
      text: "Cannot connect to API (ConnectionRefused)",
    });
  });

  it("falls back to the done event and skips noise and malformed lines", () => {
    const out = [
      "Warning: AI SDK Warning System",
      "{not json",
      '{"type":"agent_event","event":{"type":"done","reason":"completed","text":"All good.","usage":{"inputTokens":5,"outputTokens":2,"totalCost":-1}}}',
      "[1, 2]",
    ].join("\n");
    expect(parseClineOutput(out)).toEqual({
      finishReason: "completed",
      text: "All good.",
      inputTokens: 5,
      outputTokens: 2,
    });
    expect(parseClineOutput("")).toEqual({});
  });
});

describe("Cline invocation", () => {
  it("runs headless with isolated state and no key in argv", () => {
    expect(
      clineArgs({
        dataDir: "/tmp/x/cline-data",
        cwd: "/tmp/x/api",
        provider: "openai-compatible",
        model: "gpt-4o-mini",
        prompt: "You are fixing…",
      }),
    ).toEqual([
      "--json",
      "--yolo",
      "--data-dir",
      "/tmp/x/cline-data",
      "--cwd",
      "/tmp/x/api",
      "--provider",
      "openai-compatible",
      "--model",
      "gpt-4o-mini",
      "You are fixing…",
    ]);
  });

  it("puts the base URL, but never the key, in Cline's provider settings", () => {
    const text = clineProviderSettings({
      provider: "openai-compatible",
      model: "m1",
      baseUrl: "http://127.0.0.1:9/v1",
      now: new Date("2026-01-01T00:00:00Z"),
    });
    expect(JSON.parse(text)).toEqual({
      version: 1,
      lastUsedProvider: "openai-compatible",
      modes: {},
      providers: {
        "openai-compatible": {
          settings: {
            provider: "openai-compatible",
            model: "m1",
            baseUrl: "http://127.0.0.1:9/v1",
          },
          updatedAt: "2026-01-01T00:00:00.000Z",
          tokenSource: "manual",
        },
      },
    });
    expect(text).not.toContain("apiKey");
  });
});

describe("the agent's environment", () => {
  it("is an allow-list that never carries a GitHub credential", () => {
    const config = loadWorkerConfig({
      PATH: "/usr/bin",
      HOME: "/home/w",
      GITHUB_TOKEN: "ghp_secret",
      GH_TOKEN: "ghp_other",
      NPM_TOKEN: "npm_x",
      AWS_SECRET_ACCESS_KEY: "aws",
      OPENAI_API_KEY: "sk-1",
      OPENAI_BASE_URL: "https://llm.example.com/v1",
      AUTOFIX_MODEL: "m1",
    });
    const req: AgentRequest = {
      agent: config.agent,
      baseEnv: { ...config.baseEnv, GIT_ASKPASS: "/bin/echo" },
      providerEnv: { ...config.providerEnv, MY_GITHUB_PAT: "leak" },
      cwd: "/tmp",
      prompt: "p",
      scratchDir: "/tmp",
    };
    expect(agentEnv(req, { AUTOFIX_PROMPT: "p" })).toEqual({
      PATH: "/usr/bin",
      HOME: "/home/w",
      OPENAI_API_KEY: "sk-1",
      OPENAI_BASE_URL: "https://llm.example.com/v1",
      AUTOFIX_MODEL: "m1",
      AUTOFIX_PROMPT: "p",
    });
  });
});

describe("buildPrompt", () => {
  it("caps untrusted issue text to fit one argv/env string", () => {
    const prompt = buildPrompt({
      repo: "acme/api",
      issue: {
        number: 1,
        title: "big\nissue",
        body: "界".repeat(50_000),
        url: "https://github.com/acme/api/issues/1",
        comments: Array.from({ length: 40 }, (_, i) => ({
          author: `u${i}`,
          body: "é".repeat(5000),
        })),
      },
    });
    expect(Buffer.byteLength(prompt)).toBeLessThanOrEqual(MAX_PROMPT_BYTES);
    expect(prompt).toContain("## Issue #1: big issue");
    expect(prompt).toContain("…(truncated)");
    expect(prompt).not.toContain("\uFFFD");
  });
});
