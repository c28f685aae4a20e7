// Every public method of KestraClient, called against the strict fake Kestra: each request it sends
// must pass the operations table (path, method, Content-Type, Accept, required parameters) taken
// from Kestra 2.0's OpenAPI spec, must send what the function of Kestra's released SDK (kestrapy
// 2.0.x) behind that operation sends, and each call must come back with what Kestra answered.

import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { KestraClient } from "../../src/kestra/client.ts";
import { createLogger } from "../../src/logger.ts";
import { type FakeKestra, type RecordedRequest, startFakeKestra } from "../fakes/kestra.ts";
import { DEPARTURES, differences, SDK, sdkFunction } from "./kestrapy.ts";

const NS = "dev.autofix";
const USER = "admin@kestra.io";
const PASSWORD = "Admin1234";
const FLOW_YAML = `
id: fix
namespace: ${NS}
inputs:
  - id: issue_url
    type: URI
  - id: previous_patch
    type: FILE
    required: false
tasks:
  - id: fix
    type: io.kestra.plugin.core.log.Log
    message: hi
  - id: approval
    type: io.kestra.plugin.core.flow.Pause
    onResume:
      - id: approved
        type: BOOL
`;

let fake: FakeKestra;
let client: KestraClient;
/** Operations the cases reached through the table's checks. */
const reached = new Set<string>();
/** Every request the cases sent that the table let through, for the SDK comparison. */
const passed: RecordedRequest[] = [];

beforeAll(async () => {
  fake = await startFakeKestra({ username: USER, password: PASSWORD });
  client = new KestraClient({
    baseUrl: fake.url,
    username: USER,
    password: PASSWORD,
    tenant: "main",
    namespace: NS,
    timeoutMs: 2000,
    logger: createLogger({ level: "silent", secrets: [] }),
  });
});
afterAll(async () => fake.close());
beforeEach(() => {
  fake.reset();
  fake.addFlowYaml(FLOW_YAML);
});

/** A RUNNING execution with a finished `fix` task run that produced patch.diff. */
async function runWithPatch() {
  const created = await client.createExecution(
    "fix",
    { issue_url: "https://github.com/acme/api/issues/1" },
    { "slack-channel": "C1" },
  );
  fake.setState(created.id, "RUNNING");
  const fix = fake.addTaskRun(created.id, {
    taskId: "fix",
    state: "SUCCESS",
    outputs: { vars: { pr_url: "https://github.com/acme/api/pull/2" } },
  });
  const uri = fake.addOutputFile(created.id, "fix", fix, "patch.diff", "--- a\n+++ b\n");
  return { id: created.id, fix, uri };
}

/** One case per public method: the call, and what it must return. */
const CASES: Record<string, () => Promise<void>> = {
  version: async () => {
    expect(await client.version()).toBe("2.0.0");
  },
  flow: async () => {
    expect(await client.flow(NS, "fix")).toMatchObject({ id: "fix", namespace: NS });
    expect(await client.flow(NS, "missing")).toBeUndefined();
  },
  createExecution: async () => {
    const created = await client.createExecution(
      "fix",
      { issue_url: "https://github.com/acme/api/issues/1", previous_patch: Buffer.from("--- a\n") },
      { "slack-channel": "C1", "autofix-repo": "acme/api" },
    );
    expect(created.state.current).toBe("CREATED");
    expect(created.labels).toContainEqual({ key: "autofix-repo", value: "acme/api" });
  },
  getExecution: async () => {
    const { id } = await runWithPatch();
    expect((await client.getExecution(id)).taskRunList.map((t) => t.taskId)).toEqual(["fix"]);
  },
  findExecution: async () => {
    const { id } = await runWithPatch();
    expect((await client.findExecution(id))?.id).toBe(id);
    expect(await client.findExecution("0000000000000000000000")).toBeUndefined();
  },
  searchExecutions: async () => {
    const { id } = await runWithPatch();
    fake.addLoopIteration(id, { taskId: "each_issue", index: 0, value: "1" });
    const found = await client.searchExecutions({
      flowId: "fix",
      states: ["RUNNING", "PAUSED"],
      labels: { "slack-channel": "C1" },
      page: 1,
      size: 10,
    });
    // The Loop iteration carries the same labels, flow and state, but is not a run.
    expect(found.results.map((e) => e.id)).toEqual([id]);
    // The reconciler's "ended since" search: by end date, which `dateFilter` selects.
    const since = new Date(Date.now() - 60_000).toISOString();
    expect((await client.searchExecutions({ endedAfter: since })).results).toEqual([]);
    fake.setState(id, "FAILED");
    const ended = await client.searchExecutions({ endedAfter: since });
    expect(ended.results.map((e) => e.id)).toEqual([id]);
  },
  resume: async () => {
    const { id } = await runWithPatch();
    fake.pause(id, "approval");
    expect((await client.resume(id, { approved: true })).state.current).toBe("RESTARTED");
    expect(fake.resumes).toEqual([expect.objectContaining({ inputs: { approved: true } })]);
  },
  kill: async () => {
    const { id } = await runWithPatch();
    expect((await client.kill(id)).state.current).toBe("KILLING");
    expect(fake.kills).toEqual([expect.objectContaining({ executionId: id })]);
  },
  restart: async () => {
    const { id } = await runWithPatch();
    fake.setState(id, "FAILED");
    expect((await client.restart(id)).state.current).toBe("RESTARTED");
  },
  downloadFile: async () => {
    const { id, uri } = await runWithPatch();
    expect((await client.downloadFile(id, uri)).toString("utf8")).toBe("--- a\n+++ b\n");
  },
  errorLogs: async () => {
    const { id } = await runWithPatch();
    fake.addLog(id, { level: "WARN", taskId: "fix", message: "slow" });
    fake.addLog(id, { level: "ERROR", taskId: "fix", message: "boom" });
    expect((await client.errorLogs(id)).map((l) => l.message)).toEqual(["boom"]);
  },
  logsAtLeast: async () => {
    const { id } = await runWithPatch();
    fake.addLog(id, { level: "INFO", taskId: "fix", message: "cloning" });
    fake.addLog(id, { level: "WARN", taskId: "fix", message: "slow" });
    fake.addLog(id, { level: "ERROR", taskId: "fix", message: "boom" });
    expect((await client.logsAtLeast(id, "WARN", 5)).map((l) => l.message)).toEqual([
      "slow",
      "boom",
    ]);
  },
  taskRunOutputs: async () => {
    const { id, fix, uri } = await runWithPatch();
    const execution = await client.getExecution(id);
    const outputs = await client.taskRunOutputs(execution.id, fix);
    expect(outputs).toMatchObject({ outputFiles: { "patch.diff": uri } });
  },
  kvGet: async () => {
    await client.kvPut("slack-settings-C1", { approvers: ["U1"] });
    expect(await client.kvGet("slack-settings-C1")).toEqual({ approvers: ["U1"] });
    expect(await client.kvGet("missing")).toBeUndefined();
  },
  kvPut: async () => {
    await client.kvPut("run-abc", { attempt: 2, status: "running" });
    await client.kvPut("count", 3);
    expect(await client.kvGet("run-abc")).toEqual({ attempt: 2, status: "running" });
    expect(await client.kvGet("count")).toBe(3);
  },
};

describe("KestraClient against the Kestra 2.0 operations table", () => {
  it("has a contract case for every public method", () => {
    const methods = Object.getOwnPropertyNames(KestraClient.prototype).filter(
      (n) => n !== "constructor",
    );
    expect(Object.keys(CASES).sort()).toEqual(methods.sort());
  });

  it.each(Object.keys(CASES))("%s sends only requests the spec allows", async (name) => {
    await CASES[name]?.();
    const sent = fake.requests.filter((r) => r.status !== 0);
    expect(sent.length).toBeGreaterThan(0);
    for (const r of sent) if (r.table?.passed) reached.add(r.table.operationId);
    passed.push(...sent.filter((r) => r.table?.passed));
    const refused = sent
      .filter((r) => !r.table?.passed)
      .map((r) => `${r.method} ${r.path} → ${r.status} ${JSON.stringify(r.table)}`);
    expect(refused).toEqual([]);
  });

  it("reaches every operation of the table that names a KestraClient method as its user", () => {
    const used = fake.operations
      .filter((o) => o.usedBy.startsWith("KestraClient."))
      .map((o) => o.operationId);
    expect([...reached].sort()).toEqual(used.sort());
  });

  it(`sends, for every operation, what kestrapy ${SDK.sdk.version} sends (method, path, query, body, Accept)`, () => {
    const used = new Set<string>();
    const found: string[] = [];
    expect(passed.length).toBeGreaterThan(0);
    for (const r of passed) {
      const id = r.table?.passed ? r.table.operationId : undefined;
      const op = fake.operations.find((o) => o.operationId === id);
      if (!op?.sdk) throw new Error(`operation ${id} names no SDK function`);
      for (const d of differences(r, sdkFunction(op.sdk.function), used)) {
        found.push(`${r.method} ${r.path.split("?")[0]} (${op.sdk.function}): ${d}`);
      }
    }
    expect(found).toEqual([]);
    // Every known departure is still needed, or it goes from the list.
    expect([...used].sort()).toEqual(DEPARTURES.map((d) => `${d.function} ${d.query}`).sort());
  });
});
