// The engine's web layer (kestra/engine's stand-in for Kestra's web server) checked with Kestra's OWN
// released Python SDK, kestrapy 2.0.3 (PyPI): test/kestra/kestrapy-check.py makes each call the bot
// makes through kestrapy's client classes (configuration, flow, create_execution with multipart
// inputs and labels, execution, search_executions with label/state filters, resume, restart, kill,
// download_file_from_execution, list_logs_from_execution, the three outputs routes, key_value and
// set_key_value) against a tiny probe flow, and this file asserts what came back.
// The SDK's virtualenv comes from AUTOFIX_KESTRAPY_PYTHON (.ci/run passes it), or is installed here by
// scripts/install-kestrapy.sh. Run with `npm run test:kestra`.

import { execFile } from "node:child_process";
import { access, constants, rm } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engineAuth, ROOT, type RunningEngine, startEngine } from "./engine.ts";
import { writeFlowsDir } from "./flows.ts";

const run = promisify(execFile);
const NS = "dev.autofix.sdk";
const FLOW = "sdk-probe";

/** Logs INFO and WARN, writes a file, has task and flow outputs; `mode` fails, pauses or sleeps. */
const PROBE = `
id: ${FLOW}
namespace: ${NS}
inputs:
  - id: name
    type: STRING
    defaults: world
  - id: doc
    type: FILE
    required: false
  - id: mode
    type: SELECT
    values: [ok, fail, pause, sleep]
    defaults: ok
tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: "hello {{ inputs.name }}"
  - id: warn
    type: io.kestra.plugin.core.log.Log
    level: WARN
    message: "careful {{ inputs.name }}"
  - id: write
    type: io.kestra.plugin.core.storage.Write
    content: "greetings to {{ inputs.name }}\\n"
    extension: .txt
  - id: values
    type: io.kestra.plugin.core.output.OutputValues
    values:
      greeting: "hello {{ inputs.name }}"
  - id: branch
    type: io.kestra.plugin.core.flow.Switch
    value: "{{ inputs.mode }}"
    defaults:
      - id: done
        type: io.kestra.plugin.core.log.Log
        message: "no branch for {{ inputs.mode }}"
    cases:
      fail:
        - id: boom
          type: io.kestra.plugin.core.execution.Fail
          errorMessage: "asked to fail"
      pause:
        - id: approval
          type: io.kestra.plugin.core.flow.Pause
          onResume:
            - id: approved
              type: BOOL
            - id: approver
              type: STRING
      sleep:
        - id: nap
          type: io.kestra.plugin.core.flow.Sleep
          duration: PT5M
outputs:
  - id: greeting
    type: STRING
    value: "{{ outputs.values.values.greeting }}"
  - id: file
    type: FILE
    value: "{{ outputs.write.uri }}"
`;

type Json = Record<string, unknown>;
interface Refused {
  refused: { exception: string; status: number; body: Json | string };
}

/** The venv's python: AUTOFIX_KESTRAPY_PYTHON, or scripts/install-kestrapy.sh (idempotent) installs it. */
async function kestrapyPython(): Promise<string> {
  const given = process.env["AUTOFIX_KESTRAPY_PYTHON"];
  if (given) {
    await access(given, constants.X_OK);
    return given;
  }
  const { stdout } = await run("bash", [join(ROOT, "scripts/install-kestrapy.sh")], {
    cwd: ROOT,
    timeout: 300_000,
  });
  return stdout.trim().split("\n").at(-1) ?? "";
}

/** Kestra 2.0's ErrorController body: reason-prefixed message, null logref and path, _links.self. */
function expectKestraError(r: unknown, exception: string, status: number, message: RegExp): void {
  const { refused } = r as Refused;
  expect(refused).toMatchObject({ exception, status });
  const body = refused.body as Json;
  expect(body["message"]).toMatch(message);
  expect(body).toMatchObject({ logref: null, path: null });
  expect((body["_links"] as { self: Json }).self).toMatchObject({
    href: expect.stringMatching(/^\/api\/v1\//),
    templated: false,
  });
}

let engine: RunningEngine;
let flowsDir: string;

beforeAll(async () => {
  flowsDir = await writeFlowsDir({ "sdk/sdk-probe.yml": PROBE });
  engine = await startEngine({ flowsDir });
});

afterAll(async () => {
  await engine?.stop();
  if (flowsDir) await rm(flowsDir, { recursive: true, force: true });
});

describe("kestrapy 2.0.3 (Kestra's own SDK) against the engine", () => {
  let r: Json;

  beforeAll(async () => {
    const python = await kestrapyPython();
    const { stdout, stderr } = await run(
      python,
      [
        "-W",
        "ignore",
        join(ROOT, "test/kestra/kestrapy-check.py"),
        "--url",
        engine.url,
        "--username",
        engine.username,
        "--password",
        engine.password,
        "--namespace",
        NS,
        "--flow",
        FLOW,
        "--product-namespace",
        "dev.autofix",
        "--product-flow",
        "ai-issue-autofix",
      ],
      { timeout: 240_000, maxBuffer: 16 * 1024 * 1024 },
    ).catch((err: { stdout?: string; stderr?: string; message: string }) => {
      throw new Error(
        `kestrapy-check failed: ${err.message}\n${err.stdout ?? ""}\n${err.stderr ?? ""}`,
      );
    });
    r = JSON.parse(stdout) as Json;
    if (stderr.trim()) console.info(`[kestrapy] stderr: ${stderr.trim().slice(0, 2000)}`);
    console.info(`[kestrapy] ${JSON.stringify(r)}`);
  });

  it("configuration (open) and flow", () => {
    expect(r["error"]).toBeUndefined();
    const config = r["configuration"] as Json;
    expect(config).toMatchObject({
      version: "2.0.0",
      edition: "OSS",
      isBasicAuthInitialized: true,
    });
    expect(config["uuid"]).toEqual(expect.any(String));
    expect((config["fields"] as string[]).length).toBeGreaterThanOrEqual(15);
    expect(r["configurationWithoutCredentials"]).toBe("2.0.0");
    expect(r["flow"]).toMatchObject({ id: "ai-issue-autofix", namespace: "dev.autofix" });
    expect((r["flow"] as Json)["inputs"]).toContain("issue_url");
    expectKestraError(r["flowUnknown"], "NotFoundException", 404, /^Not Found$/);
    // 401 with no body.
    expect(r["withoutCredentials"]).toEqual({
      refused: { exception: "UnauthorizedException", status: 401, body: "" },
    });
  });

  it("create_execution: multipart inputs, labels, system.from=api, traceParent, an unsent FILE as null", () => {
    const create = r["create"] as Json;
    expect(create["id"]).toMatch(/^[A-Za-z0-9]{20,23}$/);
    expect(create["state"]).toMatch(/^(CREATED|RUNNING)$/);
    expect(create["labels"]).toEqual({
      "slack-channel": "C0SDK",
      "autofix-issue": "7",
      "system.correlationId": create["id"],
      "system.from": "api",
    });
    expect(create["inputs"]).toEqual({
      name: "sdk",
      mode: "ok",
      doc: `kestra:///dev/autofix/sdk/sdk-probe/executions/${create["id"]}/inputs/doc/doc`,
    });
    expect(create["traceParent"]).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(create["tenantId"]).toBeNull();
    expect(create["url"]).toBe(`${engine.url}/ui/main/executions/${NS}/${FLOW}/${create["id"]}`);
    expect(r["createWithoutFile"]).toMatchObject({
      inputs: { name: "nofile", mode: "ok", doc: null },
      docKey: true,
    });
    expectKestraError(
      r["createSystemLabel"],
      "UnprocessableEntityException",
      422,
      /^Illegal argument: System labels can only be set by Kestra itself.*system\.username=me/,
    );
    expectKestraError(
      r["createUnknownFlow"],
      "NotFoundException",
      404,
      /^Not Found: Requested Flow is not found\.$/,
    );
  });

  it("execution: ISO-8601 duration, the released task-run fields", () => {
    const execution = r["execution"] as Json;
    expect(execution).toMatchObject({ state: "SUCCESS", durationType: "str" });
    expect(execution["duration"]).toMatch(/^PT[0-9.]+S$/);
    expect(execution["taskIds"]).toEqual(["hello", "warn", "write", "values", "branch", "done"]);
    const allowed = [
      "id",
      "taskId",
      "parentTaskRunId",
      "value",
      "attempts",
      "assets",
      "state",
      "iteration",
      "dynamic",
      "forceExecution",
    ];
    for (const field of execution["taskRunFields"] as string[]) expect(allowed).toContain(field);
    expect(execution["taskRunFields"]).toEqual(expect.arrayContaining(["id", "taskId", "state"]));
    expectKestraError(r["executionUnknown"], "NotFoundException", 404, /^Not Found$/);
  });

  it("search_executions: namespace, flow, label and state filters; size 0 and an unknown sort are 422", () => {
    const search = r["search"] as Json;
    const create = r["create"] as Json;
    // The labelled ok run is found; the unlabelled one is not; the paused run had not ended then.
    expect(search["ids"]).toContain(create["id"]);
    expect(search["ids"]).not.toContain((r["createWithoutFile"] as Json)["id"]);
    expect(search["total"]).toBe((search["ids"] as string[]).length);
    expect(search["itemFields"]).not.toContain("taskRunList");
    expect(search["itemFields"]).not.toContain("outputs");
    expectKestraError(
      r["searchSizeZero"],
      "UnprocessableEntityException",
      422,
      /^Invalid entity: .*size: must be greater than or equal to 1$/,
    );
    const embedded = (r["searchSizeZero"] as Refused).refused.body as Json;
    expect(embedded["_embedded"]).toEqual({
      errors: [{ message: "must be greater than or equal to 1", path: "searchExecutions.size" }],
    });
    expectKestraError(r["searchBadSort"], "UnprocessableEntityException", 422, /sort field 'nope'/);
  });

  it("outputs: task_outputs_information, task_run_outputs, execution_outputs", () => {
    const infos = r["taskOutputsInformation"] as { taskId: string; taskRunId: string }[];
    expect(infos.map((i) => i.taskId)).toEqual(expect.arrayContaining(["write", "values"]));
    for (const i of infos) expect(i.taskRunId).toMatch(/^[A-Za-z0-9]{20,23}$/);
    const id = String((r["create"] as Json)["id"]);
    const fileUri = new RegExp(
      `^kestra:///dev/autofix/sdk/sdk-probe/executions/${id}/tasks/write/`,
    );
    expect((r["taskRunOutputs"] as Json)["uri"]).toMatch(fileUri);
    expect(r["taskRunOutputsValues"]).toEqual({ values: { greeting: "hello sdk" } });
    const flowOutputs = r["executionOutputs"] as Json;
    expect(flowOutputs["greeting"]).toBe("hello sdk");
    expect(flowOutputs["file"]).toMatch(fileUri);
  });

  it("download_file_from_execution: its files, another run's through Kestra's 301, a missing one 404", () => {
    const download = r["download"] as Json;
    expect(download["own"]).toBe("greetings to sdk\n");
    expect(download["input"]).toBe("attached bytes\n");
    // The SDK (requests) follows the redirect to the other execution's file route.
    expect(download["otherExecutionsFile"]).toBe("greetings to nofile\n");
    expectKestraError(download["missing"], "NotFoundException", 404, /^Not Found: .*missing\.txt/);
  });

  it("list_logs_from_execution: kestrapy's minLevel is not applied by 2.0", () => {
    const logs = r["logs"] as Json;
    expect(logs["levels"]).toEqual(expect.arrayContaining(["INFO", "WARN"]));
    expect(logs["messages"]).toEqual(["hello sdk", "careful sdk"]);
  });

  it("resume_execution: onResume inputs; an ended run 409, an unknown one 404", () => {
    const resume = r["resume"] as Json;
    expect(resume["stateBefore"]).toBe("PAUSED");
    // The answer is the execution as stored once the resume was applied: the probe flow's last
    // task is quick, so the run may already have ended by then (seen once in CI: SUCCESS).
    expect(resume["replyState"]).toMatch(/^(RESTARTED|RUNNING|SUCCESS)$/);
    expect(resume["replyTraceParent"]).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(resume["final"]).toBe("SUCCESS");
    expect(resume["onResume"]).toEqual({ approved: true, approver: "U0SDK" });
    expectKestraError(
      r["resumeEnded"],
      "ConflictException",
      409,
      /^Illegal state: Execution '[A-Za-z0-9]+' is not paused, can't resume it$/,
    );
    expectKestraError(r["resumeUnknown"], "NotFoundException", 404, /^Not Found: /);
  });

  it("restart_execution: a FAILED run restarts; SUCCESS and KILLED runs are 409", () => {
    const restart = r["restartFailed"] as Json;
    expect(restart["stateBefore"]).toBe("FAILED");
    // As for resume: the restarted run (it fails again) may have ended before the answer.
    expect(restart["replyState"]).toMatch(/^(RESTARTED|RUNNING|FAILED)$/);
    expect(restart["histories"]).toEqual([
      "CREATED",
      "RUNNING",
      "FAILED",
      "RESTARTED",
      "RUNNING",
      "FAILED",
    ]);
    for (const [key, state] of [
      ["restartSuccess", "SUCCESS"],
      ["restartKilled", "KILLED"],
    ] as const) {
      expectKestraError(
        r[key],
        "ConflictException",
        409,
        new RegExp(`^Illegal state: .*current state is '${state}'`),
      );
    }
  });

  it("kill_execution: answered once the executor took it; an ended run 200 unchanged, 409 without cascade", () => {
    const kill = r["kill"] as Json;
    expect(kill["replyState"]).toMatch(/^(KILLING|KILLED)$/);
    expect(kill["replyTraceParent"]).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(kill["final"]).toBe("KILLED");
    expect(kill["histories"]).toEqual(expect.arrayContaining(["RUNNING", "KILLING", "KILLED"]));
    expect(r["killEnded"]).toEqual({ ok: "KILLED" });
    expectKestraError(
      r["killEndedNoCascade"],
      "ConflictException",
      409,
      /^Illegal state: Execution is already finished/,
    );
  });

  it("set_key_value and key_value: JSON round-trips, other text is read by the Ion mapper", () => {
    const kv = r["kv"] as Json;
    expect(kv["json"]).toEqual({ type: "JSON", value: { a: [1, 2], b: "x" }, revision: 1 });
    expect(kv["words"]).toEqual({ type: "STRING", value: "plain" });
    expectKestraError(
      kv["missing"],
      "NotFoundException",
      404,
      /^Not Found: No value found for key 'sdk-no-such-key' in namespace 'dev\.autofix'$/,
    );
  });
});

// What an SDK hides (headers, content types, raw JSON, framework errors), asked over plain HTTP.
describe("the released 2.0 web layer over plain HTTP", () => {
  const auth = () => engineAuth(engine);
  const token = () => auth().slice("Basic ".length);
  const api = (path: string) => `${engine.url}/api/v1/main${path}`;
  const get = (url: string, headers: Record<string, string> = {}, init: RequestInit = {}) =>
    fetch(url, { ...init, headers: { authorization: auth(), ...headers }, redirect: "manual" });
  const json = async (res: Response) => (await res.json()) as Json;
  let id = "";
  let other = "";
  let execution: Json = {};

  async function start(name: string): Promise<string> {
    const form = new FormData();
    form.append("name", name);
    const res = await get(api(`/executions/${NS}/${FLOW}`), {}, { method: "POST", body: form });
    expect(res.status).toBe(200);
    return String((await json(res))["id"]);
  }

  async function ended(executionId: string): Promise<Json> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const e = await json(await get(api(`/executions/${executionId}`)));
      const current = (e["state"] as Json)["current"];
      if (current === "SUCCESS" || current === "FAILED") return e;
      if (Date.now() > deadline) throw new Error(`${executionId} still ${String(current)}`);
      await new Promise((done) => setTimeout(done, 200));
    }
  }

  beforeAll(async () => {
    id = await start("raw");
    other = await start("other");
    execution = await ended(id);
    await ended(other);
  });

  it("401: no body, no content type, WWW-Authenticate: Basic; lowercase basic and the BASIC_AUTH cookie work", async () => {
    for (const headers of [{}, { authorization: "Basic bm9ib2R5Om5vcGU=" }]) {
      const res = await fetch(api("/executions/search"), { headers });
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toBe("Basic");
      expect(res.headers.get("content-type")).toBeNull();
      expect(await res.text()).toBe("");
    }
    const lower = await fetch(api("/executions/search"), {
      headers: { authorization: `basic ${token()}` },
    });
    expect(lower.status).toBe(200);
    const cookie = await fetch(api("/executions/search"), {
      headers: { cookie: `BASIC_AUTH=${token()}` },
    });
    expect(cookie.status).toBe(200);
    // Only /api/v1/** is covered: elsewhere the router answers, with no credentials asked.
    const outside = await fetch(`${engine.url}/api/v2/main/executions/search`);
    expect(outside.status).toBe(404);
    expect(outside.headers.get("www-authenticate")).toBeNull();
  });

  it("tenant: no tenant is served as main, another is a 400", async () => {
    const aliased = await get(
      `${engine.url}/api/v1/executions/search?filters[namespace][EQUALS]=${NS}&size=50`,
    );
    expect(aliased.status).toBe(200);
    const ids = ((await json(aliased))["results"] as Json[]).map((e) => e["id"]);
    expect(ids).toEqual(expect.arrayContaining([id, other]));
    const acme = await get(`${engine.url}/api/v1/acme/executions/search`);
    expect(acme.status).toBe(400);
    expect(await json(acme)).toEqual({
      message: "Bad Request: Tenant must be 'main' for OSS version",
      logref: null,
      path: null,
      _links: { self: { href: "/api/v1/acme/executions/search", templated: false } },
    });
  });

  it("GET execution: ISO-8601 durations, no outputs, task runs without their execution's ids", () => {
    const state = execution["state"] as Json;
    expect(state["duration"]).toMatch(/^PT[0-9.]+S$/);
    expect(execution).not.toHaveProperty("outputs");
    const allowed = new Set([
      "id",
      "taskId",
      "parentTaskRunId",
      "value",
      "attempts",
      "assets",
      "state",
      "iteration",
      "dynamic",
      "forceExecution",
    ]);
    const runs = execution["taskRunList"] as Json[];
    expect(runs.length).toBe(6);
    for (const run of runs) {
      for (const key of Object.keys(run)) expect(allowed.has(key), key).toBe(true);
      expect((run["state"] as Json)["duration"]).toMatch(/^PT[0-9.]+S$/);
    }
    expect((execution["inputs"] as Json)["doc"]).toBeNull();
  });

  it("the pre-release outputs routes are gone: 404 with the bare 'Not Found'", async () => {
    const runId = String((execution["taskRunList"] as Json[])[2]?.["id"]);
    for (const path of [`/outputs/${id}/${runId}`, `/outputs/${id}`]) {
      const res = await get(api(path));
      expect(res.status).toBe(404);
      expect(await json(res)).toEqual({
        message: "Not Found",
        logref: null,
        path: null,
        _links: { self: { href: `/api/v1/main${path}`, templated: false } },
      });
    }
    const moved = await get(api(`/outputs/tasks/${id}/${runId}`));
    expect(moved.status).toBe(200);
    expect((await json(moved))["uri"]).toMatch(/^kestra:\/\/\//);
  });

  it("framework errors (405, 406, 415) in the same JsonError shape", async () => {
    const cases: [string, RequestInit & { headers?: Record<string, string> }, number, RegExp][] = [
      [
        `/executions/${id}/actions/kill`,
        { method: "PUT" },
        405,
        /^Method Not Allowed: Method \[PUT\] not allowed for URI/,
      ],
      [
        `/executions/${id}/actions/kill`,
        { method: "DELETE", headers: { accept: "application/json" } },
        406,
        /^Not Acceptable: .*text\/json/,
      ],
      [
        `/namespaces/${NS}/kv/k`,
        { method: "PUT", headers: { "content-type": "application/json" }, body: "{}" },
        415,
        /^Unsupported Media Type: .*text\/plain/,
      ],
    ];
    for (const [path, init, status, message] of cases) {
      const res = await get(api(path), init.headers ?? {}, init);
      const body = await json(res);
      expect({ path, status: res.status }).toEqual({ path, status });
      expect(body["message"]).toMatch(message);
      expect(body).toMatchObject({
        logref: null,
        path: null,
        _links: { self: { templated: false } },
      });
      expect(body).not.toHaveProperty("_embedded");
    }
  });

  it("logs: level EQUALS is a 400, GREATER_THAN_OR_EQUAL_TO filters, minLevel is not applied", async () => {
    const equals = await get(api(`/logs/${id}?filters[level][EQUALS]=INFO`));
    expect(equals.status).toBe(400);
    expect((await json(equals))["message"]).toMatch(
      /^Bad Request: .*Operation EQUALS is not supported for field LEVEL/,
    );
    const warn = (await (
      await get(api(`/logs/${id}?filters[level][GREATER_THAN_OR_EQUAL_TO]=WARN`))
    ).json()) as Json[];
    expect(warn.map((l) => l["message"])).toContain("careful raw");
    expect(warn.every((l) => l["level"] === "WARN" || l["level"] === "ERROR")).toBe(true);
    const minLevel = (await (await get(api(`/logs/${id}?minLevel=ERROR`))).json()) as Json[];
    expect(minLevel.map((l) => l["message"])).toContain("hello raw");
  });

  it("files: another execution's is a 301 to its route, JSONL of a non-Ion file 400, unknown execution 404", async () => {
    const otherOutputs = await json(await get(api(`/outputs/executions/${other}`)));
    const otherFile = String(otherOutputs["file"]);
    const redirect = await get(
      api(`/executions/${id}/file?path=${encodeURIComponent(otherFile)}`),
      { accept: "application/octet-stream" },
    );
    expect(redirect.status).toBe(301);
    expect(redirect.headers.get("location")).toBe(
      `/api/v1/main/executions/${other}/file?path=${otherFile}`,
    );
    const ownFile = String((await json(await get(api(`/outputs/executions/${id}`))))["file"]);
    const jsonl = await get(
      api(`/executions/${id}/file?path=${encodeURIComponent(ownFile)}&format=JSONL`),
    );
    expect(jsonl.status).toBe(400);
    const unknown = await get(
      api(`/executions/0000000000000000000000/file?path=${encodeURIComponent(ownFile)}`),
    );
    expect(unknown.status).toBe(404);
    expect((await json(unknown))["message"]).toBe(
      "Not Found: Unable to find execution id '0000000000000000000000'",
    );
  });

  it("KV: a ttl that is not a duration is a 500", async () => {
    const res = await get(
      api(`/namespaces/${NS}/kv/ttl-probe`),
      { "content-type": "text/plain", ttl: "soon" },
      { method: "PUT", body: "1" },
    );
    expect(res.status).toBe(500);
    expect((await json(res))["message"]).toMatch(/^Internal server error: /);
  });
});
