import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type FakeKestra, startFakeKestra } from "./kestra.ts";

const NS = "dev.autofix";
const FLOW = "ai-issue-autofix";
const AUTH = `Basic ${Buffer.from("admin@kestra.io:Admin1234").toString("base64")}`;

const FLOW_YAML = `
id: ${FLOW}
namespace: ${NS}
labels:
  team: platform
inputs:
  - id: issue_url
    type: URI
  - id: apply_fix
    type: BOOL
    defaults: true
  - id: model
    type: STRING
    required: false
  - id: max_files
    type: INT
    defaults: 20
tasks:
  - id: validate
    type: io.kestra.plugin.core.log.Log
    message: hi
  - id: gate
    type: io.kestra.plugin.core.flow.If
    condition: "{{ inputs.apply_fix }}"
    then:
      - id: wrapper
        type: io.kestra.plugin.core.flow.WorkingDirectory
        tasks:
          - id: approval
            type: io.kestra.plugin.core.flow.Pause
            onResume:
              - id: approved
                type: BOOL
              - id: approver
                type: STRING
                required: false
    else:
      - id: skipped
        type: io.kestra.plugin.core.log.Log
        message: skipped
errors:
  - id: on_error
    type: io.kestra.plugin.core.flow.Pause
    onResume:
      - id: retry
        type: BOOL
        defaults: false
`;

let fake: FakeKestra;

beforeAll(async () => {
  fake = await startFakeKestra();
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.reset();
  fake.addFlowYaml(FLOW_YAML);
});

function api(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (!headers.has("authorization")) headers.set("authorization", AUTH);
  return fetch(`${fake.url}${path}`, { ...init, headers });
}

function form(fields: Record<string, string>): FormData {
  const body = new FormData();
  for (const [key, value] of Object.entries(fields)) body.append(key, value);
  return body;
}

// biome-ignore lint/suspicious/noExplicitAny: JSON bodies are inspected field by field in assertions.
async function json(res: Response): Promise<any> {
  return res.json();
}

async function createExecution(fields: Record<string, string>, query = ""): Promise<string> {
  const res = await api(`/api/v1/main/executions/${NS}/${FLOW}${query}`, {
    method: "POST",
    body: form(fields),
  });
  expect(res.status).toBe(200);
  return (await json(res)).id;
}

describe("auth, tenant and routing", () => {
  it("answers 401 with a Basic challenge (no body) on /api/v1/** without credentials or with wrong ones; the configs are open", async () => {
    const none = await fetch(`${fake.url}/api/v1/main/executions/search`);
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toBe("Basic");
    expect(none.headers.get("content-type")).toBeNull();
    expect(await none.text()).toBe("");
    expect((await fetch(`${fake.url}/api/v1/configs`)).status).toBe(200);

    const wrong = await api("/api/v1/main/executions/search", {
      headers: { authorization: `Basic ${Buffer.from("admin@kestra.io:nope").toString("base64")}` },
    });
    expect(wrong.status).toBe(401);
  });

  it("runs the beforeReply hook once the effect is applied and before the caller's answer", async () => {
    const seen: { n: number; method: string; status: number; executions: number }[] = [];
    fake.beforeReply(async (request) => {
      seen.push({
        n: request.n,
        method: request.method,
        status: request.status,
        executions: fake.executions.length,
      });
      await new Promise((r) => setTimeout(r, 30));
    });
    const before = Date.now();
    await createExecution({ issue_url: "https://github.com/acme/api/issues/1" });
    fake.beforeReply(undefined);
    expect(Date.now() - before).toBeGreaterThanOrEqual(25);
    // The execution existed when the hook ran: the caller had not been answered yet.
    expect(seen).toEqual([{ n: 1, method: "POST", status: 200, executions: 1 }]);
    await api("/api/v1/configs");
    expect(seen).toHaveLength(1);
  });

  it("serves configs with the version once authenticated", async () => {
    const res = await api("/api/v1/configs");
    expect(res.status).toBe(200);
    expect((await json(res)).version).toBe("2.0.0");
  });

  it("rejects any tenant other than main, unknown endpoints and wrong methods", async () => {
    const tenant = await api("/api/v1/acme/executions/search");
    expect(tenant.status).toBe(400);
    expect((await json(tenant)).message).toBe("Bad Request: Tenant must be 'main' for OSS version");

    expect((await api("/api/v1/main/nothing/here")).status).toBe(404);

    const method = await api("/api/v1/main/executions/abc/actions/kill", { method: "POST" });
    expect(method.status).toBe(405);
    expect(method.headers.get("allow")).toBe("DELETE");
  });
});

describe("create execution", () => {
  it("refuses a JSON or urlencoded body with 415", async () => {
    const asJson = await api(`/api/v1/main/executions/${NS}/${FLOW}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ issue_url: "https://github.com/o/r/issues/1" }),
    });
    expect(asJson.status).toBe(415);
    const body = await json(asJson);
    expect(body.message).toMatch(
      /^Unsupported Media Type: Content Type \[application\/json\] not allowed/,
    );

    const urlencoded = await api(`/api/v1/main/executions/${NS}/${FLOW}`, {
      method: "POST",
      body: new URLSearchParams({ issue_url: "https://github.com/o/r/issues/1" }),
    });
    expect(urlencoded.status).toBe(415);
    expect(fake.executions).toHaveLength(0);
  });

  it("creates from multipart with typed inputs, defaults and labels", async () => {
    const res = await api(
      `/api/v1/main/executions/${NS}/${FLOW}?labels=slack-channel:C123&labels=slack-ts:1700.1:2`,
      {
        method: "POST",
        body: form({ issue_url: "https://github.com/o/r/issues/1", undeclared: "dropped" }),
      },
    );
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body.id).toMatch(/^[0-9A-Za-z]{22}$/);
    expect(body).toMatchObject({ namespace: NS, flowId: FLOW, flowRevision: 1, taskRunList: [] });
    expect(body.inputs).toEqual({
      issue_url: "https://github.com/o/r/issues/1",
      apply_fix: true,
      model: null,
      max_files: 20,
    });
    expect(body.labels).toEqual(
      expect.arrayContaining([
        { key: "team", value: "platform" },
        { key: "slack-channel", value: "C123" },
        { key: "slack-ts", value: "1700.1:2" },
      ]),
    );
    expect(body.state.current).toBe("CREATED");
    expect(body.state.histories).toEqual([{ state: "CREATED", date: body.state.startDate }]);
    expect(body.url).toBe(`${fake.url}/ui/main/executions/${NS}/${FLOW}/${body.id}`);

    const got = await json(await api(`/api/v1/main/executions/${body.id}`));
    expect(got.id).toBe(body.id);
    expect(got).not.toHaveProperty("outputs");
    expect(got).not.toHaveProperty("deleted");
  });

  it("answers 422 with the violation for a missing required input and a bad BOOL", async () => {
    const missing = await api(`/api/v1/main/executions/${NS}/${FLOW}`, {
      method: "POST",
      body: form({ apply_fix: "true" }),
    });
    expect(missing.status).toBe(422);
    const body = await json(missing);
    const detail = "Invalid input for `issue_url`, missing required input, but received `null`";
    expect(body.message).toBe(`Invalid entity: issue_url: ${detail}`);
    expect(body._embedded.errors).toEqual([{ message: detail, path: "issue_url" }]);

    const badBool = await api(`/api/v1/main/executions/${NS}/${FLOW}`, {
      method: "POST",
      body: form({ issue_url: "https://github.com/o/r/issues/1", apply_fix: "yes" }),
    });
    expect(badBool.status).toBe(422);
    expect((await json(badBool))._embedded.errors[0].path).toBe("apply_fix");
    expect(fake.executions).toHaveLength(0);
  });

  it("validates labels: reserved system prefix and key pattern", async () => {
    const base = `/api/v1/main/executions/${NS}/${FLOW}`;
    const fields = { issue_url: "https://github.com/o/r/issues/1" };
    const system = await api(`${base}?labels=system.readOnly:true`, {
      method: "POST",
      body: form(fields),
    });
    expect(system.status).toBe(422);
    expect((await json(system)).message).toContain(
      "System labels can only be set by Kestra itself",
    );

    const upper = await api(`${base}?labels=Slack:x`, { method: "POST", body: form(fields) });
    expect(upper.status).toBe(422);
    expect((await json(upper))._embedded.errors[0].path).toBe("labels[0].key");

    const empty = await api(`${base}?labels=slack-ts:`, { method: "POST", body: form(fields) });
    expect(empty.status).toBe(422);
  });

  it("refuses a STRING input that does not match its validator, as StringInput does (422)", async () => {
    fake.addFlowYaml(`
id: validated
namespace: ${NS}
inputs:
  - id: issue_url
    type: STRING
    validator: ^https://[a-z.]+/[a-z]+/issues/[0-9]+$
tasks:
  - id: t
    type: io.kestra.plugin.core.log.Log
    message: hi
`);
    const post = (url: string) =>
      api(`/api/v1/main/executions/${NS}/validated`, {
        method: "POST",
        body: form({ issue_url: url }),
      });
    expect((await post("https://github.com/acme/issues/1")).status).toBe(200);
    const refused = await post("not a url");
    expect(refused.status).toBe(422);
    expect(JSON.stringify(await json(refused))).toContain(
      "Invalid input for `issue_url`, it must match the pattern",
    );
  });

  it("answers 404 for an unknown flow and 409 for a disabled one", async () => {
    const unknown = await api(`/api/v1/main/executions/${NS}/nope`, {
      method: "POST",
      body: form({}),
    });
    expect(unknown.status).toBe(404);
    expect((await json(unknown)).message).toBe("Not Found: Requested Flow is not found.");

    fake.addFlow({ namespace: NS, id: "off", disabled: true, inputs: [] });
    const disabled = await api(`/api/v1/main/executions/${NS}/off`, {
      method: "POST",
      body: form({}),
    });
    expect(disabled.status).toBe(409);
    expect((await json(disabled)).message).toBe("Illegal state: Requested Flow is disabled.");
  });
});

describe("actions", () => {
  const issue = { issue_url: "https://github.com/o/r/issues/7" };

  it("resume: 409 unless paused, 422 on a bad onResume input, then resumes with typed outputs", async () => {
    const id = await createExecution(issue);
    const path = `/api/v1/main/executions/${id}/actions/resume`;

    const notPaused = await api(path, { method: "POST", body: form({ approved: "true" }) });
    expect(notPaused.status).toBe(409);
    expect((await json(notPaused)).message).toBe(
      `Illegal state: Execution '${id}' is not paused, can't resume it`,
    );

    fake.setState(id, "RUNNING");
    const taskRunId = fake.pause(id, "approval");
    expect(fake.execution(id).state.current).toBe("PAUSED");

    const bad = await api(path, { method: "POST", body: form({ approved: "maybe" }) });
    expect(bad.status).toBe(422);
    expect((await json(bad))._embedded.errors[0].path).toBe("approved");
    expect(fake.execution(id).state.current).toBe("PAUSED");

    const res = await api(path, {
      method: "POST",
      body: form({ approved: "true", approver: "U1" }),
    });
    expect(res.status).toBe(200);
    const body = await json(res);
    // ExecutionService#markAs: RESTARTED, the executor then runs it.
    expect(body.state.current).toBe("RESTARTED");
    const run = body.taskRunList.find((t: { id: string }) => t.id === taskRunId);
    expect(run.state.current).toBe("SUCCESS");
    expect(fake.execution(id).taskRunList[0]?.outputs["onResume"]).toEqual({
      approved: true,
      approver: "U1",
    });
    expect(fake.resumes).toEqual([
      expect.objectContaining({
        executionId: id,
        taskId: "approval",
        inputs: { approved: true, approver: "U1" },
      }),
    ]);

    const outputs = await api(`/api/v1/main/outputs/tasks/${id}/${taskRunId}`);
    expect((await json(outputs)).onResume).toEqual({ approved: true, approver: "U1" });
  });

  it("1.3-style action paths fall into create-execution and fail", async () => {
    const id = await createExecution(issue);
    fake.setState(id, "RUNNING");
    fake.pause(id, "approval");

    const resume13 = await api(`/api/v1/main/executions/${id}/resume`, {
      method: "POST",
      body: form({ approved: "true" }),
    });
    expect(resume13.status).toBe(404);
    expect((await json(resume13)).message).toBe("Not Found: Requested Flow is not found.");

    const kill13 = await api(`/api/v1/main/executions/${id}/kill`, { method: "DELETE" });
    expect(kill13.status).toBe(405);
    expect(fake.execution(id).state.current).toBe("PAUSED");
    expect(fake.resumes).toHaveLength(0);
  });

  it("kill (DELETE) moves to KILLING until the executor ends it KILLED; restart only from failed/paused", async () => {
    const id = await createExecution(issue);
    const restartEarly = await api(`/api/v1/main/executions/${id}/actions/restart`, {
      method: "POST",
    });
    expect(restartEarly.status).toBe(409);

    fake.setState(id, "RUNNING");
    const fix = fake.addTaskRun(id, { taskId: "fix", state: "RUNNING" });
    const kill = await api(`/api/v1/main/executions/${id}/actions/kill`, { method: "DELETE" });
    expect(kill.status).toBe(200);
    expect(kill.headers.get("content-type")).toBe("text/json");
    expect((await json(kill)).state.current).toBe("KILLING");
    expect(fake.kills).toEqual([expect.objectContaining({ executionId: id, from: "RUNNING" })]);
    // Asynchronous: reads keep showing KILLING, and a restart is refused, until the executor moves on.
    const read = await json(await api(`/api/v1/main/executions/${id}`));
    expect(read.state.current).toBe("KILLING");
    expect(
      (await api(`/api/v1/main/executions/${id}/actions/restart`, { method: "POST" })).status,
    ).toBe(409);

    fake.killed(id);
    const ended = await json(await api(`/api/v1/main/executions/${id}`));
    expect(ended.state.current).toBe("KILLED");
    expect(ended.taskRunList.find((t: { id: string }) => t.id === fix).state.current).toBe(
      "KILLED",
    );
    expect(() => fake.killed(id)).toThrow(/not KILLING/);

    // Released 2.0: an ended run is answered 200, unchanged (409 only with isOnKillCascade=false).
    const again = await api(`/api/v1/main/executions/${id}/actions/kill`, { method: "DELETE" });
    expect(again.status).toBe(200);
    expect((await json(again)).state.current).toBe("KILLED");
    const strict = `/api/v1/main/executions/${id}/actions/kill?isOnKillCascade=false`;
    expect((await api(strict, { method: "DELETE" })).status).toBe(409);

    // Released 2.0 restarts only FAILED or PAUSED runs (State.canBeRestarted).
    const killedRestart = await api(`/api/v1/main/executions/${id}/actions/restart`, {
      method: "POST",
    });
    expect(killedRestart.status).toBe(409);
    expect((await json(killedRestart)).message).toMatch(/^Illegal state: /);
    const failed = await createExecution(issue);
    fake.setState(failed, "RUNNING");
    fake.setState(failed, "FAILED");
    const restart = await api(`/api/v1/main/executions/${failed}/actions/restart`, {
      method: "POST",
    });
    expect(restart.status).toBe(200);
    expect((await json(restart)).state.current).toBe("RESTARTED");
    expect(fake.restarts).toHaveLength(1);
  });
});

describe("search", () => {
  it("filters by labels and state, paginates, and refuses flat 1.x parameters", async () => {
    const a = await createExecution(
      { issue_url: "https://github.com/o/r/issues/1" },
      "?labels=slack-channel:C1",
    );
    const b = await createExecution(
      { issue_url: "https://github.com/o/r/issues/2" },
      "?labels=slack-channel:C1",
    );
    await createExecution(
      { issue_url: "https://github.com/o/r/issues/3" },
      "?labels=slack-channel:C2",
    );
    fake.setState(a, "FAILED");
    fake.setState(b, "KILLED");

    const base = `/api/v1/main/executions/search?filters[namespace][EQUALS]=${NS}&filters[flowId][EQUALS]=${FLOW}`;
    const byLabel = await json(await api(`${base}&filters[labels][EQUALS][slack-channel]=C1`));
    expect(byLabel.total).toBe(2);

    const byState = await json(await api(`${base}&filters[state][IN]=FAILED,KILLED&size=1&page=2`));
    expect(byState.total).toBe(2);
    expect(byState.results).toHaveLength(1);
    expect([a, b]).toContain(byState.results[0].id);
    expect(byState.results[0]).not.toHaveProperty("taskRunList");

    const flat = await api(
      `/api/v1/main/executions/search?namespace=${NS}&labels=slack-channel:C1`,
    );
    expect(flat.status).toBe(400);
    const message = (await json(flat)).message;
    expect(message).toContain("'labels' is not a supported query parameter");
    expect(message).toContain("filters[namespace][EQUALS]");
  });

  it("searches normal runs only unless kind is filtered, and finds no run by kind NORMAL (as 2.0.0)", async () => {
    const run = await createExecution({ issue_url: "https://github.com/o/r/issues/1" });
    fake.setState(run, "RUNNING");
    const iteration = fake.addLoopIteration(run, { taskId: "each", index: 0, value: "1" });
    const base = `/api/v1/main/executions/search?filters[namespace][EQUALS]=${NS}`;
    const plain = await json(await api(base));
    expect(plain.results.map((e: { id: string }) => e.id)).toEqual([run]);
    const loops = await json(await api(`${base}&filters[kind][EQUALS]=LOOP`));
    expect(loops.results.map((e: { id: string }) => e.id)).toEqual([iteration]);
    // NORMAL is stored as null: filtering on it matches nothing.
    expect((await json(await api(`${base}&filters[kind][EQUALS]=NORMAL`))).total).toBe(0);
  });

  it("filters by end date with dateFilter=END_DATE: ended and paused runs carry one, running ones none", async () => {
    const ended = await createExecution({ issue_url: "https://github.com/o/r/issues/1" });
    const running = await createExecution({ issue_url: "https://github.com/o/r/issues/2" });
    fake.setState(ended, "SUCCESS");
    fake.setState(running, "RUNNING");
    const since = new Date(Date.now() - 60_000).toISOString();
    const later = new Date(Date.now() + 60_000).toISOString();
    const base = `/api/v1/main/executions/search?dateFilter=END_DATE&filters[namespace][EQUALS]=${NS}`;
    const recent = await json(
      await api(`${base}&filters[endDate][GREATER_THAN_OR_EQUAL_TO]=${since}`),
    );
    expect(recent.results.map((e: { id: string }) => e.id)).toEqual([ended]);
    expect(
      (await json(await api(`${base}&filters[endDate][GREATER_THAN_OR_EQUAL_TO]=${later}`))).total,
    ).toBe(0);
  });

  it("applies date filters to the start date without dateFilter, as 2.0.0's repository does", async () => {
    const running = await createExecution({ issue_url: "https://github.com/o/r/issues/2" });
    fake.setState(running, "RUNNING");
    const since = new Date(Date.now() - 60_000).toISOString();
    const base = `/api/v1/main/executions/search?filters[namespace][EQUALS]=${NS}`;
    const found = await json(
      await api(`${base}&filters[endDate][GREATER_THAN_OR_EQUAL_TO]=${since}`),
    );
    expect(found.results.map((e: { id: string }) => e.id)).toEqual([running]);
    const either = await json(
      await api(
        `${base}&dateFilter=START_OR_END_DATE&filters[endDate][GREATER_THAN_OR_EQUAL_TO]=${since}`,
      ),
    );
    expect(either.total).toBe(1);
    const bad = await api(`${base}&dateFilter=LAST_WEEK`);
    expect(bad.status).toBe(400);
  });
});

describe("execution JSON as the real 2.0.0 engine renders it", () => {
  it("stamps endDate and duration on ended and paused runs only", async () => {
    const id = await createExecution({ issue_url: "https://github.com/o/r/issues/1" });
    const state = async () => (await json(await api(`/api/v1/main/executions/${id}`))).state;
    fake.setState(id, "RUNNING");
    expect(Object.keys(await state()).sort()).toEqual(["current", "histories", "startDate"]);
    fake.pause(id, "approval");
    expect(await state()).toMatchObject({ current: "PAUSED", endDate: expect.any(String) });
    expect((await state()).duration).toMatch(/^PT/);
    fake.setState(id, "RESTARTED");
    expect(await state()).not.toHaveProperty("endDate");
  });

  it("gives task runs attempts once a worker runs them, one per run, and their parent", async () => {
    const id = await createExecution({ issue_url: "https://github.com/o/r/issues/1" });
    const gate = fake.addTaskRun(id, { taskId: "gate", state: "RUNNING" });
    const child = fake.addTaskRun(id, {
      taskId: "validate",
      state: "SUBMITTED",
      parentTaskRunId: gate,
    });
    const runs = async () => (await json(await api(`/api/v1/main/executions/${id}`))).taskRunList;
    expect((await runs())[1]).not.toHaveProperty("attempts");
    expect((await runs())[1].parentTaskRunId).toBe(gate);
    expect((await runs())[0]).not.toHaveProperty("parentTaskRunId");
    for (const s of ["RUNNING", "FAILED", "RESTARTED", "RUNNING", "SUCCESS"]) {
      fake.setTaskRunState(id, child, s);
    }
    expect((await runs())[1].attempts).toHaveLength(2);
    expect(() => fake.addTaskRun(id, { taskId: "x", parentTaskRunId: "nope" })).toThrow(
      /no parent/,
    );
  });

  it("back-dates a run as if it had started earlier: its state history and task runs move, nothing else", async () => {
    const id = await createExecution({ issue_url: "https://github.com/o/r/issues/1" });
    fake.setState(id, "RUNNING");
    fake.addTaskRun(id, { taskId: "validate", state: "SUCCESS" });
    const read = async () => json(await api(`/api/v1/main/executions/${id}`));
    const before = await read();
    fake.backdate(id, 31 * 60_000);
    const after = await read();
    const moved = (a: { date: string }[], b: { date: string }[]) =>
      a.map((h, i) => Date.parse(h.date) - Date.parse(b[i]?.date ?? ""));
    expect(moved(before.state.histories, after.state.histories)).toEqual([
      31 * 60_000,
      31 * 60_000,
    ]);
    expect(after.state.current).toBe("RUNNING");
    expect(
      moved(before.taskRunList[0].state.histories, after.taskRunList[0].state.histories),
    ).toEqual([31 * 60_000, 31 * 60_000]);
    // What happens next is dated now.
    fake.setState(id, "KILLING");
    expect(Date.now() - Date.parse((await read()).state.histories.at(-1).date)).toBeLessThan(5000);
  });
});

describe("files, logs and outputs", () => {
  it("serves the execution's own files, redirects another execution's and refuses others", async () => {
    const id = await createExecution({ issue_url: "https://github.com/o/r/issues/1" });
    const other = await createExecution({ issue_url: "https://github.com/o/r/issues/2" });
    const run = fake.addTaskRun(id, { taskId: "fix", state: "SUCCESS" });
    const uri = fake.addOutputFile(id, "fix", run, "patch.diff", "--- a\n+++ b\n");
    expect(uri).toMatch(
      new RegExp(
        `^kestra:///dev/autofix/${FLOW}/executions/${id}/tasks/fix/${run}/\\w+-patch\\.diff$`,
      ),
    );
    expect(fake.execution(id).taskRunList[0]?.outputs["outputFiles"]).toEqual({
      "patch.diff": uri,
    });

    const res = await api(`/api/v1/main/executions/${id}/file?path=${encodeURIComponent(uri)}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/octet-stream");
    expect(await res.text()).toBe("--- a\n+++ b\n");

    const elsewhere = await api(
      `/api/v1/main/executions/${other}/file?path=${encodeURIComponent(uri)}`,
      {
        redirect: "manual",
      },
    );
    expect(elsewhere.status).toBe(301);
    expect(elsewhere.headers.get("location")).toBe(
      `/api/v1/main/executions/${id}/file?path=${uri}`,
    );

    const foreign = await api(
      `/api/v1/main/executions/${id}/file?path=${encodeURIComponent("kestra:///dev/autofix/secrets.txt")}`,
    );
    expect(foreign.status).toBe(422);
    expect((await json(foreign)).message).toBe("Illegal argument: Invalid prefix path");

    const missing = await api(
      `/api/v1/main/executions/${id}/file?path=${encodeURIComponent(`${uri}.orig`)}`,
    );
    expect(missing.status).toBe(404);
  });

  it("filters logs with 2.x filters and refuses 1.x minLevel", async () => {
    const id = await createExecution({ issue_url: "https://github.com/o/r/issues/1" });
    fake.addTaskRun(id, { taskId: "fix" });
    fake.addLog(id, { level: "INFO", taskId: "fix", message: "cloning" });
    fake.addLog(id, { level: "ERROR", taskId: "fix", message: "agent crashed" });
    fake.addLog(id, { level: "WARN", message: "flow warning" });

    const errors = await json(
      await api(`/api/v1/main/logs/${id}?filters[level][GREATER_THAN_OR_EQUAL_TO]=ERROR`),
    );
    expect(errors.map((l: { message: string }) => l.message)).toEqual(["agent crashed"]);
    expect(errors[0]).toMatchObject({
      executionId: id,
      namespace: NS,
      flowId: FLOW,
      taskId: "fix",
    });

    const warnFix = await json(
      await api(
        `/api/v1/main/logs/${id}?filters[level][GREATER_THAN_OR_EQUAL_TO]=WARN&filters[taskId][EQUALS]=fix`,
      ),
    );
    expect(warnFix).toHaveLength(1);

    expect((await api(`/api/v1/main/logs/${id}?minLevel=ERROR`)).status).toBe(400);
  });

  it("serves outputs on the released 2.0 paths (kestrapy's OutputsApi); the pre-release ones are 404", async () => {
    const id = await createExecution({ issue_url: "https://github.com/o/r/issues/1" });
    const run = fake.addTaskRun(id, { taskId: "fix", outputs: { vars: { ok: true } } });
    fake.addTaskRun(id, { taskId: "validate", state: "SUCCESS" });
    expect(await json(await api(`/api/v1/main/outputs/tasks/${id}`))).toEqual([
      { taskId: "fix", taskRunId: run },
    ]);
    expect(await json(await api(`/api/v1/main/outputs/tasks/${id}/${run}`))).toEqual({
      vars: { ok: true },
    });
    // The execution's task runs carry no outputs in released 2.0.
    const execution = await json(await api(`/api/v1/main/executions/${id}`));
    expect(execution.taskRunList[0]).not.toHaveProperty("outputs");
    for (const old of [`/api/v1/main/outputs/${id}`, `/api/v1/main/outputs/${id}/${run}`]) {
      const res = await api(old);
      expect(res.status).toBe(404);
      expect((await json(res)).message).toBe("Not Found");
    }
  });
});

describe("KV store", () => {
  it("round-trips typed values sent as text/plain JSON and answers 404 for a missing key", async () => {
    const path = `/api/v1/main/namespaces/${NS}/kv/thread-ts`;
    const put = await api(path, {
      method: "PUT",
      headers: { "content-type": "text/plain", ttl: "PT1H" },
      body: JSON.stringify({ channel: "C1", ts: "1700.1" }),
    });
    expect(put.status).toBe(200);
    const got = await json(await api(path));
    expect(got).toMatchObject({ type: "JSON", value: { channel: "C1", ts: "1700.1" } });

    await api(`/api/v1/main/namespaces/${NS}/kv/count`, {
      method: "PUT",
      headers: { "content-type": "text/plain" },
      body: "3",
    });
    expect((await json(await api(`/api/v1/main/namespaces/${NS}/kv/count`))).type).toBe("NUMBER");

    const missing = await api(`/api/v1/main/namespaces/${NS}/kv/nothing`);
    expect(missing.status).toBe(404);
    expect((await json(missing)).message).toBe(
      `Not Found: No value found for key 'nothing' in namespace '${NS}'`,
    );

    const badKey = await api(`/api/v1/main/namespaces/${NS}/kv/${encodeURIComponent("-bad")}`);
    expect(badKey.status).toBe(422);
    const badJson = await api(path, {
      method: "PUT",
      headers: { "content-type": "text/plain" },
      body: "{nope",
    });
    expect(badJson.status).toBe(422);
    // The spec declares the body text/plain only.
    const asJson = await api(path, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: "1",
    });
    expect(asJson.status).toBe(415);
    // 2.0 has no per-namespace listing, and the spec's listing and DELETE are not the project's.
    expect((await api(`/api/v1/main/namespaces/${NS}/kv`)).status).toBe(404);
    expect((await api(path, { method: "DELETE" })).status).toBe(405);
  });
});

describe("fault injection", () => {
  it("times out, resets and answers a scripted status for matching requests only", async () => {
    fake.failNext({ method: "GET", path: "/api/v1/configs" }, "timeout");
    await expect(api("/api/v1/configs", { signal: AbortSignal.timeout(300) })).rejects.toThrow();
    expect(fake.requests.at(-1)).toMatchObject({
      path: "/api/v1/configs",
      status: 0,
      fault: "timeout",
    });

    fake.failNext({ path: /\/executions\/search/ }, "reset");
    await expect(api("/api/v1/main/executions/search")).rejects.toThrow();

    fake.failNext({ path: "/api/v1/configs" }, { status: 503, body: { message: "down" } }, 2);
    expect((await api("/api/v1/configs")).status).toBe(503);
    expect(await json(await api("/api/v1/configs"))).toEqual({ message: "down" });
    expect((await api("/api/v1/configs")).status).toBe(200);
  });
});

describe("flow YAML", () => {
  it("extracts inputs and Pause tasks at any depth with their onResume inputs", () => {
    const def = fake.addFlowYaml(FLOW_YAML);
    expect(def).toMatchObject({
      id: FLOW,
      namespace: NS,
      disabled: false,
      labels: { team: "platform" },
    });
    expect(def.inputs?.map((i) => i.id)).toEqual(["issue_url", "apply_fix", "model", "max_files"]);
    expect(Object.keys(def.pauses ?? {}).sort()).toEqual(["approval", "on_error"]);
    expect(def.pauses?.["approval"]).toEqual([
      { id: "approved", type: "BOOL" },
      { id: "approver", type: "STRING", required: false },
    ]);
  });

  it("refuses to pause on a task that is not a Pause of the flow", async () => {
    const id = await createExecution({ issue_url: "https://github.com/o/r/issues/1" });
    expect(() => fake.pause(id, "validate")).toThrow(/no Pause task validate/);
  });
});

describe("problem+json error format", () => {
  it("renders errors as RFC 9457 documents when asked", async () => {
    const problem = await startFakeKestra({ errorFormat: "problem" });
    try {
      problem.addFlow({ namespace: NS, id: "f", inputs: [{ id: "x", type: "INT" }] });
      const res = await fetch(`${problem.url}/api/v1/main/executions/${NS}/f`, {
        method: "POST",
        headers: { authorization: AUTH },
        body: form({ x: "abc" }),
      });
      expect(res.status).toBe(422);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      const body = await json(res);
      expect(body).toMatchObject({ status: 422, title: "Invalid entity" });
      expect(body.detail).toContain("Invalid input for `x`");
      expect(body.errors[0].path).toBe("x");
    } finally {
      await problem.close();
    }
  });
});
