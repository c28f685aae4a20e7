import { existsSync } from "node:fs";
import { access, constants, mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { resultSchema } from "../../src/contracts/result.ts";
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
      usage: { inputTokens: 1200 + 1500, outputTokens: 34 + 21 },
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
    expect(run.stderr.trimEnd().split("\n")).toEqual([
      expect.stringMatching(/^autofix: the agent failed \(error\): .*Incorrect API key provided/),
    ]);
    expect(existsSync(join(out, "patch.diff"))).toBe(false);
    expect(llm.chatRequests()).toEqual([]);
    expect(llm.requests.length).toBeGreaterThan(0);
  });

  it("fails with one line when the LLM answers an error mid-run", async () => {
    llm = await startFakeLlm({
      apiKey: LLM_KEY,
      turns: [
        FIX_TURNS[0] as ScriptedTurn,
        {
          error: {
            status: 400,
            type: "invalid_request_error",
            code: "context_length_exceeded",
            message: "This model's maximum context length is 8192 tokens.",
          },
        },
      ],
    });
    const run = await fix(llm, LLM_KEY);
    expect(run.code).toBe(1);
    expect(run.stderr.trimEnd().split("\n")).toEqual([
      expect.stringMatching(/^autofix: the agent failed \(error\): .*maximum context length/),
    ]);
    expect(existsSync(join(out, "patch.diff"))).toBe(false);
    expect(existsSync(join(out, "result.json"))).toBe(false);
    expect(llm.chatRequests()).toHaveLength(2);
  });
});
