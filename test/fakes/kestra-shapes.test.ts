// Every JSON body the fake Kestra sends, for every operation of the table, checked against the spec's
// schema (closed: no property the spec does not declare), plus the error bodies. The fake also checks
// its 2xx bodies itself and answers 500 on a mismatch, so every other test enforces this too.

import { afterEach, describe, expect, it } from "vitest";
import { bodyProblems, compileSchema } from "../support/json-schema.ts";
import { TABLE } from "./kestra/operations.ts";
import { type FakeKestra, startFakeKestra } from "./kestra.ts";

const AUTH = `Basic ${Buffer.from("admin@kestra.io:Admin1234").toString("base64")}`;
const NS = "dev.autofix";
const FLOW_YAML = `
id: fix
namespace: ${NS}
labels:
  team: platform
inputs:
  - id: issue_url
    type: URI
  - id: apply_fix
    type: BOOL
    defaults: false
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

/** Micronaut's JsonError as released 2.0's ErrorController renders it (the spec declares none). */
const CLASSIC_ERROR = compileSchema({
  type: "object",
  required: ["message", "logref", "path", "_links"],
  additionalProperties: false,
  properties: {
    message: { type: "string", minLength: 1 },
    logref: { type: "null" },
    path: { type: "null" },
    _links: {
      type: "object",
      required: ["self"],
      additionalProperties: false,
      properties: {
        self: {
          type: "object",
          required: ["href", "templated"],
          additionalProperties: false,
          properties: { href: { type: "string" }, templated: { type: "boolean" } },
        },
      },
    },
    _embedded: {
      type: "object",
      required: ["errors"],
      additionalProperties: false,
      properties: {
        errors: {
          type: "array",
          minItems: 1,
          items: {
            type: "object",
            required: ["message"],
            additionalProperties: false,
            properties: { message: { type: "string" }, path: { type: "string" } },
          },
        },
      },
    },
  },
});

/** RFC 9457 as newer Kestra builds render it. */
const PROBLEM_ERROR = compileSchema({
  type: "object",
  required: ["type", "title", "status", "detail", "instance"],
  additionalProperties: false,
  properties: {
    type: { type: "string", pattern: "^https://kestra\\.io/docs/api-reference/problems/" },
    title: { type: "string" },
    status: { type: "integer", minimum: 400, maximum: 599 },
    detail: { type: "string" },
    instance: { type: "string", pattern: "^/" },
    errors: {
      type: "array",
      items: {
        type: "object",
        required: ["detail"],
        additionalProperties: false,
        properties: { detail: { type: "string" }, path: { type: "string" } },
      },
    },
  },
});

let fake: FakeKestra;
afterEach(async () => fake?.close());

interface Seen {
  operationId: string | undefined;
  status: number;
  contentType: string | null;
  body: unknown;
}

async function exercise(errorFormat: "classic" | "problem"): Promise<Seen[]> {
  fake = await startFakeKestra({ errorFormat });
  fake.addFlowYaml(FLOW_YAML);
  const seen: Seen[] = [];
  const call = async (path: string, init: RequestInit = {}): Promise<Response> => {
    const headers = new Headers(init.headers);
    headers.set("authorization", AUTH);
    const res = await fetch(`${fake.url}${path}`, { ...init, headers, redirect: "manual" });
    const text = await res.clone().text();
    const contentType = res.headers.get("content-type");
    const record = fake.requests.at(-1);
    const table = record?.table;
    seen.push({
      operationId: table?.passed ? table.operationId : undefined,
      status: res.status,
      contentType,
      body: contentType?.includes("json") && text ? JSON.parse(text) : undefined,
    });
    return res;
  };
  const post = (path: string, fields: Record<string, string | Blob> = {}) => {
    const body = new FormData();
    for (const [k, v] of Object.entries(fields))
      body.append(k, v, ...(typeof v === "string" ? [] : ["p.diff"]));
    return call(path, { method: "POST", body });
  };
  const create = `/api/v1/main/executions/${NS}/fix`;
  const exec = (id: string) => `/api/v1/main/executions/${id}`;

  await call("/api/v1/configs");
  await call(`/api/v1/main/flows/${NS}/fix`);
  await call(`/api/v1/main/flows/${NS}/fix?source=true`);
  await call(`/api/v1/main/flows/${NS}/nope`);

  const created = await post(`${create}?labels=slack-channel:C1&labels=autofix-repo:o/r`, {
    issue_url: "https://github.com/o/r/issues/1",
    previous_patch: new Blob(["--- a\n"]),
  });
  const id = ((await created.json()) as { id: string }).id;
  await post(create, {});
  await post(`${create}?labels=Bad:x`, { issue_url: "https://github.com/o/r/issues/1" });
  await post(`/api/v1/main/executions/${NS}/nope`, {});
  await call(exec(id));
  await call(exec("0000000000000000000000"));

  fake.setState(id, "RUNNING");
  const fix = fake.addTaskRun(id, { taskId: "fix", state: "SUCCESS", outputs: { vars: { a: 1 } } });
  const uri = fake.addOutputFile(id, "fix", fix, "patch.diff", "--- a\n+++ b\n");
  fake.addLog(id, { level: "INFO", message: "no task" });
  fake.addLog(id, { level: "ERROR", taskId: "fix", message: "boom" });
  await call(exec(id));
  await call(`/api/v1/main/logs/${id}`);
  await call(`/api/v1/main/logs/${id}?filters[level][GREATER_THAN_OR_EQUAL_TO]=ERROR`);
  await call(`/api/v1/main/logs/${id}?minLevel=ERROR`);
  await call(`/api/v1/main/outputs/tasks/${id}`);
  await call(`/api/v1/main/outputs/tasks/${id}/${fix}`);
  await call(`/api/v1/main/outputs/tasks/${id}/nope`);
  await call(`${exec(id)}/file?path=${encodeURIComponent(uri)}`);
  await call(`${exec(id)}/file?path=${encodeURIComponent(`${uri}.x`)}`);
  await call(`${exec(id)}/file?path=${encodeURIComponent("kestra:///elsewhere")}`);
  await call(`${exec(id)}/file`);

  await post(`${exec(id)}/actions/resume`, { approved: "true" });
  fake.pause(id, "approval");
  await call(exec(id));
  await post(`${exec(id)}/actions/resume`, { approved: "maybe" });
  await post(`${exec(id)}/actions/resume`, { approved: "true" });
  await call(`${exec(id)}/actions/restart`, { method: "POST" });
  await call(`${exec(id)}/actions/kill`, { method: "DELETE" });
  await call(`${exec(id)}/actions/kill`, {
    method: "DELETE",
    headers: { accept: "application/json" },
  });
  await call(exec(id));
  fake.killed(id);
  await call(`${exec(id)}/actions/kill`, { method: "DELETE" });
  await call(`${exec(id)}/actions/restart`, { method: "POST" });
  const failed = (
    (await (await post(create, { issue_url: "https://github.com/o/r/issues/3" })).json()) as {
      id: string;
    }
  ).id;
  fake.setState(failed, "RUNNING");
  fake.setState(failed, "FAILED");
  await call(`${exec(failed)}/actions/restart`, { method: "POST" });

  const batch = (
    (await (await post(create, { issue_url: "https://github.com/o/r/issues/2" })).json()) as {
      id: string;
    }
  ).id;
  fake.setState(batch, "RUNNING");
  const elsewhere = `kestra:///dev/autofix/fix/executions/${batch}/tasks/t/r/f.txt`;
  await call(`${exec(id)}/file?path=${encodeURIComponent(elsewhere)}`);
  const iteration = fake.addLoopIteration(batch, { taskId: "each", index: 0, value: "1" });
  await call(exec(iteration));
  const search = `/api/v1/main/executions/search?filters[namespace][EQUALS]=${NS}`;
  await call(search);
  await call(`${search}&filters[kind][EQUALS]=LOOP&filters[labels][EQUALS][slack-channel]=C1`);
  await call(`${search}&filters[state][IN]=KILLED,RUNNING&size=1&page=2&sort=state.startDate:desc`);
  await call(`${search}&filters[state][IN]=NOPE`);
  await call(`/api/v1/main/executions/search?namespace=${NS}`);
  await call(`/api/v1/main/executions/search?filters[bogus][EQUALS]=x`);

  const kv = (key: string) => `/api/v1/main/namespaces/${NS}/kv/${key}`;
  const values = ['"text"', "3", "true", '{"a":[1]}', '"P1D"', "2024-01-01T00:00:00Z", "null"];
  for (const [i, value] of values.entries()) {
    await call(kv(`k${i}`), {
      method: "PUT",
      headers: { "content-type": "text/plain" },
      body: value,
    });
    await call(kv(`k${i}`));
  }
  await call(kv("short"), {
    method: "PUT",
    headers: { "content-type": "text/plain", ttl: "PT0.001S" },
    body: "1",
  });
  await new Promise((r) => setTimeout(r, 5));
  await call(kv("short"));
  await call(kv("missing"));
  await call(kv("-bad"));
  await call(kv("k9"), { method: "PUT", headers: { "content-type": "text/plain" }, body: "{nope" });
  await call(kv("k9"), {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: "1",
  });

  await call("/api/v1/main/nothing");
  await call(`${exec(id)}/actions/kill`, { method: "POST" });
  await call(`/api/v1/acme/executions/${id}`);
  return seen;
}

describe.each(["classic", "problem"] as const)("bodies of the fake (%s errors)", (format) => {
  it("answers every operation of the table with a body its spec schema accepts, and errors in Kestra's shape", async () => {
    const seen = await exercise(format);
    const problems: string[] = [];
    const answered = new Set<string>();
    for (const s of seen) {
      expect(s.status, JSON.stringify(s.body)).not.toBe(500);
      const op = TABLE.operations.find((o) => o.operationId === s.operationId);
      if (s.status < 300 && op) {
        answered.add(op.operationId);
        if (op.success.body === "binary") {
          expect(s.contentType).toBe("application/octet-stream");
        } else if (op.success.body === null) {
          expect(s.body).toBeUndefined();
        } else {
          problems.push(...bodyProblems(op, s.body));
        }
      } else if (s.status >= 400 && s.body !== undefined) {
        const check = format === "classic" ? CLASSIC_ERROR : PROBLEM_ERROR;
        if (!check(s.body))
          problems.push(`${s.status} ${JSON.stringify(s.body)}: ${JSON.stringify(check.errors)}`);
      }
    }
    expect(problems).toEqual([]);
    expect([...answered].sort()).toEqual(TABLE.operations.map((o) => o.operationId).sort());
    // The statuses the scenario met: errors of every kind the fake renders.
    expect(new Set(seen.map((s) => s.status))).toEqual(
      new Set([200, 301, 400, 404, 405, 406, 409, 410, 415, 422]),
    );
  });
});

describe("the closed schemas", () => {
  it("refuse a property the spec does not declare, a missing required one, and a wrong type", () => {
    const op = (id: string) => {
      const found = TABLE.operations.find((o) => o.operationId === id);
      if (!found) throw new Error(id);
      return found;
    };
    const state = {
      current: "RUNNING",
      histories: [{ state: "RUNNING", date: "2024-01-01T00:00:00Z" }],
    };
    const light = {
      tenantId: "main",
      id: "a",
      namespace: NS,
      flowId: "f",
      flowRevision: 1,
      originalId: "a",
      state,
    };
    expect(bodyProblems(op("searchExecutions"), { results: [light], total: 1 })).toEqual([]);
    expect(
      bodyProblems(op("searchExecutions"), {
        results: [{ ...light, outputs2: {} }],
        total: 1,
      }).join(),
    ).toContain("must NOT have additional properties (outputs2)");
    expect(bodyProblems(op("getExecution"), light).join()).toContain(
      "must have required property 'metadata'",
    );
    expect(
      bodyProblems(op("searchExecutions"), {
        results: [{ ...light, kind: "NORMAL2" }],
        total: 1,
      }).join(),
    ).toContain("must be equal to one of the allowed values");
  });
});
