import { existsSync } from "node:fs";
import { access, constants, mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { resultSchema } from "../../src/contracts/result.ts";
import { parseClineOutput } from "../../src/worker/agent.ts";
import { AGENT_LOG_FILE } from "../../src/worker/fix.ts";
import { type FakeLlm, type ScriptedTurn, startFakeLlm } from "../fakes/llm.ts";
import {
  createBareRepo,
  createSandbox,
  issueUrlOf,
  kestraOutputs,
  runCli,
  type Sandbox,
} from "../worker/helpers.ts";

// `autofix fix` with the real Cline CLI (cline@3.0.65, from scripts/install-cline.sh) against
// the LLM fake, the GitHub fake and a local bare repository. Nothing is mocked inside Cline: the
// fake LLM scripts the tool calls a model would make and Cline carries them out.

const INSTALL_HINT =
  "run `bash scripts/install-cline.sh` and set AUTOFIX_CLINE_PATH to the path it prints (npm run test:cline needs it)";

/** The Cline binary; a missing one fails the test, because skipping would hide a broken CI. */
async function clinePath(): Promise<string> {
  const path = process.env["AUTOFIX_CLINE_PATH"];
  if (!path) throw new Error(`AUTOFIX_CLINE_PATH is not set: ${INSTALL_HINT}`);
  try {
    await access(path, constants.X_OK);
  } catch {
    throw new Error(`AUTOFIX_CLINE_PATH=${path} is not an executable file: ${INSTALL_HINT}`);
  }
  return path;
}

const MODEL = "fake-coder-1";
const LLM_KEY = "sk-integration-llm-key";
const ISSUE = {
  number: 7,
  title: "Greeting says world",
  body: "The README should say fixed world.",
};

const EXPECTED_PATCH = `diff --git a/README.md b/README.md
index 94954ab..8a423c8 100644
--- a/README.md
+++ b/README.md
@@ -1,2 +1,2 @@
 hello
-world
+fixed world
`;

const EDIT_COMMAND = "printf 'hello\\nfixed world\\n' > README.md";
const EXPLANATION = "The README said world; it now says fixed world.";

/** What a model fixing ISSUE would answer: edit through a shell command, then submit. */
const FIX_TURNS: ScriptedTurn[] = [
  {
    toolCalls: [{ name: "run_commands", arguments: { commands: [EDIT_COMMAND] } }],
    usage: { promptTokens: 1200, completionTokens: 34 },
  },
  {
    toolCalls: [{ name: "submit_and_exit", arguments: { summary: EXPLANATION, verified: true } }],
    usage: { promptTokens: 1500, completionTokens: 21 },
  },
];

let sb: Sandbox;
let llm: FakeLlm | undefined;
let out: string;

beforeEach(async () => {
  sb = await createSandbox();
  sb.github.addRepo("acme", "api");
  sb.github.addIssue("acme", "api", ISSUE);
  await createBareRepo(sb, "acme", "api");
  out = join(sb.dir, "out");
  await mkdir(join(sb.dir, "home"));
});

afterEach(async () => {
  await llm?.close();
  llm = undefined;
  await sb.close();
});

async function fix(fake: FakeLlm, apiKey: string) {
  const env = {
    // Cline keeps its own files under HOME too: keep them in the sandbox.
    HOME: join(sb.dir, "home"),
    GITHUB_API_URL: sb.github.url,
    GITHUB_TOKEN: sb.github.token,
    AUTOFIX_CLONE_URL: sb.cloneUrl,
    AUTOFIX_CLINE_PATH: await clinePath(),
    OPENAI_BASE_URL: fake.baseUrl,
    OPENAI_API_KEY: apiKey,
    AUTOFIX_MODEL: MODEL,
    AUTOFIX_AGENT_TIMEOUT: "90",
  };
  return runCli(["fix", "--issue", issueUrlOf(sb, "acme", "api", ISSUE.number), "--out", out], env);
}

/** Everything the LLM was sent, headers included, as one string. */
function allSent(fake: FakeLlm): string {
  return fake.requests.map((r) => `${JSON.stringify(r.headers)}\n${r.body}`).join("\n");
}

describe("autofix fix with the Cline CLI", () => {
  it("applies the model's tool calls and reports the patch, model and token usage", async () => {
    llm = await startFakeLlm({ apiKey: LLM_KEY, turns: FIX_TURNS });
    const run = await fix(llm, LLM_KEY);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);

    expect(await readFile(join(out, "patch.diff"), "utf8")).toBe(EXPECTED_PATCH);
    const result = resultSchema.parse(JSON.parse(await readFile(join(out, "result.json"), "utf8")));
    expect(result).toEqual({
      issue: {
        owner: "acme",
        repo: "api",
        number: ISSUE.number,
        url: issueUrlOf(sb, "acme", "api", ISSUE.number),
        title: ISSUE.title,
      },
      files: [{ path: "README.md", additions: 1, deletions: 1 }],
      additions: 1,
      deletions: 1,
      durationMs: result.durationMs,
      agent: { name: "cline", model: MODEL },
      // Cline adds up the usage the LLM reported on each turn.
      // costUsd 0: Cline has no price for an unknown model.
      usage: { inputTokens: 1200 + 1500, outputTokens: 34 + 21, costUsd: 0 },
      explanation: EXPLANATION,
    });
    expect(kestraOutputs(run.stdout)).toEqual({
      additions: 1,
      deletions: 1,
      files: 1,
      summary: `1 file changed (+1 -1): ${EXPLANATION}`,
    });

    // Cline called only the chat-completions endpoint, once per scripted turn, with our key.
    expect(llm.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "POST /v1/chat/completions",
      "POST /v1/chat/completions",
    ]);
    for (const r of llm.requests) expect(r.headers["authorization"]).toBe(`Bearer ${LLM_KEY}`);
    const [first, second] = llm.chatRequests();
    expect(first?.model).toBe(MODEL);
    const tools = (first?.tools ?? []).map((t) => t.function.name);
    expect(tools).toEqual(expect.arrayContaining(["run_commands", "submit_and_exit"]));
    const userText = (first?.messages ?? [])
      .filter((m) => m.role === "user")
      .map((m) => (typeof m.content === "string" ? m.content : JSON.stringify(m.content)))
      .join("\n");
    expect(userText).toContain(`## Issue #${ISSUE.number}: ${ISSUE.title}`);
    expect(userText).toContain(ISSUE.body);
    // The second turn carries the result of the command Cline ran for the first.
    const toolReply = second?.messages.find((m) => m.role === "tool");
    expect(toolReply?.tool_call_id).toBe("call_fake1_0");
    expect(JSON.parse(String(toolReply?.content))).toEqual([
      expect.objectContaining({ query: EDIT_COMMAND, success: true }),
    ]);

    // The GitHub token never reaches the model.
    expect(allSent(llm)).not.toContain(sb.github.token);
  });

  it("fails with one line when the LLM refuses the key", async () => {
    llm = await startFakeLlm({ apiKey: LLM_KEY, turns: FIX_TURNS });
    const run = await fix(llm, "sk-wrong-key-0000");
    expect(run.code).toBe(1);
    expect(oneLineError(run.stderr)).toContain("Incorrect API key provided");
    expect(await clineFinish()).toBe("error");
    expect(existsSync(join(out, "patch.diff"))).toBe(false);
    expect(llm.chatRequests()).toEqual([]);
    expect(llm.requests.length).toBeGreaterThan(0);
    for (const r of llm.requests)
      expect(r.headers["authorization"]).toBe("Bearer sk-wrong-key-0000");
  });

  it("fails with one line when the LLM answers an error mid-run", async () => {
    // A 400 that Cline 3.0.65 does not retry: 429, 5xx and context_length_exceeded were seen to
    // be retried for about a minute, too slow for this test.
    const refusal =
      "Invalid prompt: your prompt was flagged as potentially violating our usage policy.";
    llm = await startFakeLlm({
      apiKey: LLM_KEY,
      turns: [
        FIX_TURNS[0] as ScriptedTurn,
        {
          error: {
            status: 400,
            type: "invalid_request_error",
            code: "invalid_prompt",
            message: refusal,
          },
        },
      ],
    });
    const run = await fix(llm, LLM_KEY);
    expect(run.code).toBe(1);
    expect(oneLineError(run.stderr)).toContain(refusal);
    expect(await clineFinish()).toBe("error");
    // The half-done edit is not reported as a fix.
    expect(existsSync(join(out, "patch.diff"))).toBe(false);
    expect(existsSync(join(out, "result.json"))).toBe(false);
    expect(llm.chatRequests()).toHaveLength(2);
  });
});

/** The CLI's stderr must be exactly one line about the agent. */
function oneLineError(stderr: string): string {
  const lines = stderr.trimEnd().split("\n");
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^autofix: the agent failed \(.+\): /);
  // Cline's JSON error line is reduced to its message.
  expect(lines[0]).not.toContain('"type":"error"');
  return lines[0] ?? "";
}

/** How Cline said its run ended, from the agent log the worker keeps next to the outputs. */
async function clineFinish(): Promise<string | undefined> {
  const log = await readFile(join(out, AGENT_LOG_FILE), "utf8");
  const stdout = log.split("\n--- stderr ---\n")[0] ?? "";
  return parseClineOutput(stdout).finishReason;
}

describe("the LLM fake", () => {
  const post = (fake: FakeLlm, init: { auth?: string; type?: string; body: string }) =>
    fetch(`${fake.baseUrl}/chat/completions`, {
      method: "POST",
      headers: {
        ...(init.auth ? { authorization: init.auth } : {}),
        "content-type": init.type ?? "application/json",
      },
      body: init.body,
    });
  const chat = JSON.stringify({
    model: MODEL,
    stream: true,
    messages: [{ role: "user", content: "hi" }],
  });

  it("refuses what OpenAI refuses, with OpenAI's error shape", async () => {
    llm = await startFakeLlm({ apiKey: LLM_KEY, turns: [] });
    const fake = llm;
    // Sent one at a time: each case is a thunk.
    const cases: [() => Promise<Response>, number, string][] = [
      [() => fetch(`${fake.baseUrl}/models`), 404, "Invalid URL (GET /v1/models)"],
      [() => post(fake, { body: chat }), 401, "You didn't provide an API key"],
      [
        () => post(fake, { auth: "Bearer sk-other-key-1234", body: chat }),
        401,
        "Incorrect API key provided: sk-**********1234.",
      ],
      [
        () => post(fake, { auth: `Bearer ${LLM_KEY}`, type: "text/plain", body: chat }),
        400,
        "JSON",
      ],
      [() => post(fake, { auth: `Bearer ${LLM_KEY}`, body: "{" }), 400, "JSON"],
      [
        () =>
          post(fake, {
            auth: `Bearer ${LLM_KEY}`,
            body: JSON.stringify({
              model: MODEL,
              stream: true,
              messages: [{ role: "tool", tool_call_id: "call_x", content: "x" }],
            }),
          }),
        400,
        "must be a response to a preceeding message with 'tool_calls'",
      ],
    ];
    for (const [send, status, message] of cases) {
      const res = await send();
      expect(res.status).toBe(status);
      expect(res.headers.get("content-type")).toMatch(/^application\/json/);
      const body = (await res.json()) as { error: Record<string, unknown> };
      expect(Object.keys(body.error).sort()).toEqual(["code", "message", "param", "type"]);
      expect(body.error["message"]).toContain(message);
    }
    expect(llm.chatRequests()).toEqual([]);
  });

  it("streams a scripted text turn as SSE chunks ending in [DONE], usage last", async () => {
    llm = await startFakeLlm({
      apiKey: LLM_KEY,
      turns: [{ text: "Hello.", usage: { promptTokens: 5, completionTokens: 2 } }],
    });
    const res = await post(llm, {
      auth: `Bearer ${LLM_KEY}`,
      body: JSON.stringify({ ...JSON.parse(chat), stream_options: { include_usage: true } }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const events = (await res.text()).split("\n\n").filter((e) => e !== "");
    expect(events.every((e) => e.startsWith("data: "))).toBe(true);
    expect(events.at(-1)).toBe("data: [DONE]");
    const chunks = events
      .slice(0, -1)
      .map((e) => JSON.parse(e.slice(6)) as Record<string, unknown>);
    const text = chunks
      .flatMap((c) => c["choices"] as { delta: { content?: string } }[])
      .map((c) => c.delta.content ?? "")
      .join("");
    expect(text).toBe("Hello.");
    expect(chunks.at(-1)).toMatchObject({
      choices: [],
      usage: { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 },
    });
    // Out of script: a loud 500 rather than a made-up answer.
    const extra = await post(llm, { auth: `Bearer ${LLM_KEY}`, body: chat });
    expect(extra.status).toBe(500);
  });
});
