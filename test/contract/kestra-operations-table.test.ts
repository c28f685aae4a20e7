import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { OPERATIONS } from "../../scripts/gen-kestra-operations.ts";
import { type JsonSchema, TABLE, TABLE_URL } from "../fakes/kestra/operations.ts";
import { compileSchema } from "../support/json-schema.ts";

const MEDIA_TYPE = /^[a-z]+\/[a-z0-9.+-]+$/;

/** Every `$ref` of a schema, as JSON-pointer text. */
function refs(node: unknown, found: string[] = []): string[] {
  if (Array.isArray(node)) for (const n of node) refs(n, found);
  else if (typeof node === "object" && node !== null) {
    for (const [key, value] of Object.entries(node)) {
      if (key === "$ref" && typeof value === "string") found.push(value);
      else refs(value, found);
    }
  }
  return found;
}

describe("the Kestra 2.0 operations table (test/fixtures/kestra-2.0-operations.json)", () => {
  it("lists exactly the operations of scripts/gen-kestra-operations.ts, once each, in a stable order", () => {
    const keys = TABLE.operations.map((o) => `${o.path} ${o.method}`);
    expect([...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(keys);
    expect(new Set(keys).size).toBe(keys.length);
    expect(new Set(TABLE.operations.map((o) => o.operationId)).size).toBe(keys.length);
    const wanted = OPERATIONS.map((o) => `${o.path} ${o.method}`).sort();
    expect([...keys].sort()).toEqual(wanted);
  });

  it("is written with sorted keys (the generator's deterministic form)", () => {
    const text = readFileSync(TABLE_URL, "utf8");
    const sortKeys = (v: unknown): unknown => {
      if (Array.isArray(v)) return v.map(sortKeys);
      if (typeof v !== "object" || v === null) return v;
      return Object.fromEntries(
        Object.keys(v)
          .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
          .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
      );
    };
    expect(text).toBe(`${JSON.stringify(sortKeys(JSON.parse(text)), null, 2)}\n`);
    expect(TABLE.spec.version).toMatch(/^2\.0\./);
  });

  it("gives every operation a method, a template whose placeholders are required path parameters, and media types", () => {
    for (const op of TABLE.operations) {
      expect(["GET", "POST", "PUT", "DELETE"]).toContain(op.method);
      expect(op.path).toMatch(/^\/api\/v1\//);
      const placeholders = (op.path.match(/\{[^}]+\}/g) ?? []).map((p) => p.slice(1, -1)).sort();
      const pathParams = op.parameters.filter((p) => p.in === "path");
      expect(pathParams.map((p) => p.name).sort()).toEqual(placeholders);
      expect(pathParams.every((p) => p.required)).toBe(true);
      for (const t of [...op.consumes, ...op.produces]) expect(t).toMatch(MEDIA_TYPE);
      expect(op.requiredBody && op.consumes.length === 0).toBe(false);
      expect(op.statuses).toContain(op.success.status);
      expect(op.success.status).toBeGreaterThanOrEqual(200);
      expect(op.success.status).toBeLessThan(300);
    }
  });

  it("holds a self-contained, compilable JSON Schema for every JSON answer, and none for the others", () => {
    for (const op of TABLE.operations) {
      const jsonType = op.produces.some((t) => /^(application|text)\/(json|.+\+json)$/.test(t));
      const body = op.success.body;
      if (!jsonType) {
        expect(body, op.operationId).toBe(op.produces.length > 0 ? "binary" : null);
        continue;
      }
      expect(typeof body, op.operationId).toBe("object");
      const schema = body as JsonSchema;
      const definitions = (schema["definitions"] ?? {}) as Record<string, unknown>;
      const used = new Set(refs(schema).map((r) => r.replace("#/definitions/", "")));
      for (const ref of refs(schema)) expect(ref).toMatch(/^#\/definitions\/[^/]+$/);
      // Trimmed: every definition is referenced, and every reference is defined.
      expect([...used].sort()).toEqual(Object.keys(definitions).sort());
      expect(() => compileSchema(schema), op.operationId).not.toThrow();
    }
  });

  it("records the facts the client depends on", () => {
    const op = (method: string, suffix: string) => {
      const found = TABLE.operations.find((o) => o.method === method && o.path.endsWith(suffix));
      if (!found) throw new Error(`no ${method} …${suffix}`);
      return found;
    };
    expect(op("DELETE", "/actions/kill").produces).toEqual(["text/json"]);
    expect(op("GET", "/{executionId}/file").produces).toEqual([
      "application/octet-stream",
      "application/x-ndjson",
    ]);
    expect(op("GET", "/{executionId}/file").parameters).toContainEqual({
      in: "query",
      name: "path",
      required: true,
    });
    expect(op("PUT", "/kv/{key}")).toMatchObject({ consumes: ["text/plain"], requiredBody: true });
    expect(op("POST", "/executions/{namespace}/{id}").consumes).toEqual(["multipart/form-data"]);
    expect(op("POST", "/actions/resume")).toMatchObject({
      consumes: ["multipart/form-data"],
      requiredBody: true,
    });
  });
});
