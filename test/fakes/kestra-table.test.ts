// The fake's HTTP layer: every request is checked against the Kestra 2.0 operations table before any
// handler runs, in Micronaut's order (path + method, Content-Type, Accept, required parameters).

import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type FakeKestra, startFakeKestra } from "./kestra.ts";

const AUTH = `Basic ${Buffer.from("admin@kestra.io:Admin1234").toString("base64")}`;
const NS = "dev.autofix";

let fake: FakeKestra;
let id: string;

beforeAll(async () => {
  fake = await startFakeKestra();
});
afterAll(async () => {
  await fake.close();
});
beforeEach(async () => {
  fake.reset();
  fake.addFlow({ namespace: NS, id: "f", inputs: [] });
  const res = await call(`/api/v1/main/executions/${NS}/f`, {
    method: "POST",
    body: new FormData(),
  });
  id = ((await res.json()) as { id: string }).id;
  fake.setState(id, "RUNNING");
});

function call(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set("authorization", AUTH);
  return fetch(`${fake.url}${path}`, { ...init, headers });
}

/** Kestra 2.0's JsonError: "<reason>: <detail>", or the bare reason of a route that does not exist. */
// biome-ignore lint/suspicious/noExplicitAny: error bodies are inspected field by field.
async function refusal(res: Response): Promise<{ status: number; detail: any; message: any }> {
  const body = (await res.json()) as { message: string; logref: null; path: null };
  expect(body).toMatchObject({ logref: null, path: null, _links: { self: { templated: false } } });
  const [message, ...detail] = body.message.split(": ");
  return { status: res.status, message, detail: detail.length ? detail.join(": ") : undefined };
}

const last = () => fake.requests.at(-1);

describe("routes: only the operations of the table exist", () => {
  it("implements every operation of the table, each reached by its own path and method", async () => {
    const uri = fake.addOutputFile(
      id,
      "fix",
      fake.addTaskRun(id, { taskId: "fix" }),
      "p.diff",
      "x",
    );
    const run = fake.execution(id).taskRunList[0]?.id ?? "";
    const paths: Record<string, string> = {
      getConfiguration: "/api/v1/configs",
      getFlow: `/api/v1/main/flows/${NS}/f`,
      createExecution: `/api/v1/main/executions/${NS}/f`,
      getExecution: `/api/v1/main/executions/${id}`,
      searchExecutions: "/api/v1/main/executions/search",
      resumeExecution: `/api/v1/main/executions/${id}/actions/resume`,
      restartExecution: `/api/v1/main/executions/${id}/actions/restart`,
      killExecution: `/api/v1/main/executions/${id}/actions/kill`,
      listLogsFromExecution: `/api/v1/main/logs/${id}`,
      downloadFileFromExecution: `/api/v1/main/executions/${id}/file?path=${encodeURIComponent(uri)}`,
      getTaskOutputsInformation: `/api/v1/main/outputs/tasks/${id}`,
      getTaskRunOutputs: `/api/v1/main/outputs/tasks/${id}/${run}`,
      getKeyValue: `/api/v1/main/namespaces/${NS}/kv/k`,
      setKeyValue: `/api/v1/main/namespaces/${NS}/kv/k`,
    };
    expect(Object.keys(paths).sort()).toEqual(fake.operations.map((o) => o.operationId).sort());
    for (const op of fake.operations) {
      const init: RequestInit = { method: op.method };
      if (op.consumes.includes("multipart/form-data")) init.body = new FormData();
      if (op.consumes.includes("text/plain")) {
        init.body = "1";
        init.headers = { "content-type": "text/plain" };
      }
      await call(paths[op.operationId] ?? "", init);
      expect(last()?.table, op.operationId).toEqual({ passed: true, operationId: op.operationId });
    }
  });

  it("has none of the routes the spec has but the project does not use, nor 1.x forms", async () => {
    for (const [method, path, status] of [
      ["GET", "/api/v1/configs/login", 404],
      ["DELETE", `/api/v1/main/executions/${id}`, 405],
      ["POST", `/api/v1/main/executions/${id}/actions/labels`, 404],
      ["GET", `/api/v1/main/executions/${id}/file/metas?path=x`, 404],
      ["GET", `/api/v1/main/logs/${id}/download`, 404],
      ["GET", `/api/v1/main/outputs/${id}/abc`, 404],
      ["GET", `/api/v1/main/kv?filters[namespace][EQUALS]=${NS}`, 404],
      ["DELETE", `/api/v1/main/namespaces/${NS}/kv/k`, 405],
      ["POST", `/api/v1/main/executions/${id}/actions/kill`, 405],
    ] as const) {
      const res = await call(path, { method });
      expect(res.status, `${method} ${path}`).toBe(status);
      expect(last()?.table).toMatchObject({ passed: false, status });
    }
  });
});

describe("checks, in Micronaut's order", () => {
  it("404 for an unknown path, with Micronaut's body", async () => {
    const r = await refusal(await call("/api/v1/main/nothing/here"));
    expect(r).toMatchObject({ status: 404, message: "Not Found", detail: undefined });
  });

  it("405 with Allow when only the method differs", async () => {
    const res = await call(`/api/v1/main/executions/${id}/actions/kill`, { method: "POST" });
    expect(res.headers.get("allow")).toBe("DELETE");
    const r = await refusal(res);
    expect(r.status).toBe(405);
    expect(r.detail).toBe(
      `Method [POST] not allowed for URI [/api/v1/main/executions/${id}/actions/kill]. Allowed methods: [DELETE]`,
    );
    // Both operations of the KV key path are listed.
    const kv = await call(`/api/v1/main/namespaces/${NS}/kv/k`, { method: "POST" });
    expect(kv.headers.get("allow")).toBe("GET, PUT");
  });

  it("415 when Content-Type is not one the operation consumes (no body: Micronaut's application/json)", async () => {
    const kv = await call(`/api/v1/main/namespaces/${NS}/kv/k`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: "1",
    });
    expect(await refusal(kv)).toMatchObject({
      status: 415,
      message: "Unsupported Media Type",
      detail: "Content Type [application/json] not allowed. Allowed types: [text/plain]",
    });
    const get = await call(`/api/v1/main/executions/${id}`, {
      method: "GET",
      headers: { "content-type": "text/plain" },
    });
    expect((await refusal(get)).detail).toBe(
      "Content Type [text/plain] not allowed. Allowed types: [application/json]",
    );
  });

  it("406 when no Accept entry is */* or exactly a produced type, with Micronaut's message", async () => {
    const kill = await call(`/api/v1/main/executions/${id}/actions/kill`, {
      method: "DELETE",
      headers: { accept: "application/json" },
    });
    expect(await refusal(kill)).toMatchObject({
      status: 406,
      message: "Not Acceptable",
      detail:
        "Specified Accept Types [application/json] not supported. Supported types: [text/json]",
    });
    expect(fake.kills).toHaveLength(0);

    const file = await call(`/api/v1/main/executions/${id}/file?path=kestra:///x`, {
      headers: { accept: "application/json, application/*;q=0.5" },
    });
    expect((await refusal(file)).detail).toBe(
      "Specified Accept Types [application/json, application/*;q=0.5] not supported. Supported types: [application/octet-stream, application/x-ndjson]",
    );
    // A near-equivalent does not match either.
    const get = await call(`/api/v1/main/executions/${id}`, { headers: { accept: "text/json" } });
    expect(get.status).toBe(406);
  });

  it("lets Accept through when absent, empty, */*, or an exact match (case and parameters ignored)", async () => {
    for (const accept of [
      undefined,
      "",
      "*/*",
      "text/html, */*;q=0.1",
      "TEXT/JSON; charset=utf-8",
    ]) {
      fake.setState(id, "RUNNING");
      const headers: Record<string, string> = accept === undefined ? {} : { accept };
      const res = await call(`/api/v1/main/executions/${id}/actions/kill`, {
        method: "DELETE",
        headers,
      });
      expect(res.status, String(accept)).toBe(200);
      fake.killed(id);
    }
  });

  it("400 for a missing required query parameter or body", async () => {
    const file = await call(`/api/v1/main/executions/${id}/file`, {
      headers: { accept: "application/octet-stream" },
    });
    expect(await refusal(file)).toMatchObject({
      status: 400,
      message: "Bad Request",
      detail: "Required QueryValue [path] not specified",
    });
    const kv = await call(`/api/v1/main/namespaces/${NS}/kv/k`, {
      method: "PUT",
      headers: { "content-type": "text/plain" },
    });
    expect(kv.status).toBe(400);
    expect(last()?.table).toMatchObject({ passed: false, status: 400 });
  });

  it("checks method before Content-Type, Content-Type before Accept, Accept before parameters", async () => {
    const methodFirst = await call(`/api/v1/main/executions/${id}/actions/kill`, {
      method: "POST",
      headers: { "content-type": "text/plain", accept: "application/json" },
      body: "x",
    });
    expect(methodFirst.status).toBe(405);
    const consumesFirst = await call(`/api/v1/main/executions/${id}/file`, {
      headers: { "content-type": "text/plain", accept: "application/json" },
    });
    expect(consumesFirst.status).toBe(415);
    const producesFirst = await call(`/api/v1/main/executions/${id}/file`, {
      headers: { accept: "application/json" },
    });
    expect(producesFirst.status).toBe(406);
  });

  it("refuses before the handler and before injected faults: nothing changes", async () => {
    fake.failNext({ path: `/api/v1/main/executions/${id}/actions/kill` }, { status: 503 });
    const res = await call(`/api/v1/main/executions/${id}/actions/kill`, {
      method: "DELETE",
      headers: { accept: "application/json" },
    });
    expect(res.status).toBe(406);
    expect(fake.execution(id).state.current).toBe("RUNNING");
    // The fault is still pending for the next request that passes the table.
    expect(
      (await call(`/api/v1/main/executions/${id}/actions/kill`, { method: "DELETE" })).status,
    ).toBe(503);
  });
});
