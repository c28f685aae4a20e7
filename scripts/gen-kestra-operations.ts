// npm run gen:kestra-ops [-- <spec.yml> [<out.json>]]
// Writes test/fixtures/kestra-2.0-operations.json from Kestra's 2.0 OpenAPI spec (the owner's
// kestra-ee.yml, kept outside the repository in ../shared/schemas/), checked against Kestra's released
// 2.0 SDK (test/fixtures/kestrapy-2.0-operations.json, scripts/gen-kestrapy-ops.sh): the spec came
// from a pre-release, so every operation's method and path must be the SDK function's, or the
// generation fails. The fake Kestra and the contract tests read only the fixtures, so a clone
// without ../shared still runs every test.

import { readFileSync, writeFileSync } from "node:fs";
import { parse } from "yaml";

/** Every Kestra operation the project may call, by method and the spec's path template. */
export const OPERATIONS: readonly { method: string; path: string; usedBy: string; sdk: string }[] =
  [
    {
      method: "GET",
      path: "/api/v1/configs",
      usedBy: "KestraClient.version (readiness)",
      sdk: "MiscApi.configuration",
    },
    {
      method: "GET",
      path: "/api/v1/{tenant}/flows/{namespace}/{id}",
      usedBy: "KestraClient.flow (the Home's setup check)",
      sdk: "FlowsApi.flow",
    },
    {
      method: "POST",
      path: "/api/v1/{tenant}/executions/{namespace}/{id}",
      usedBy: "KestraClient.createExecution",
      sdk: "ExecutionsApi.create_execution",
    },
    {
      method: "GET",
      path: "/api/v1/{tenant}/executions/{executionId}",
      usedBy: "KestraClient.getExecution, findExecution",
      sdk: "ExecutionsApi.execution",
    },
    {
      method: "GET",
      path: "/api/v1/{tenant}/executions/search",
      usedBy: "KestraClient.searchExecutions",
      sdk: "ExecutionsApi.search_executions",
    },
    {
      method: "POST",
      path: "/api/v1/{tenant}/executions/{executionId}/actions/resume",
      usedBy: "KestraClient.resume",
      sdk: "ExecutionsApi.resume_execution",
    },
    {
      method: "POST",
      path: "/api/v1/{tenant}/executions/{executionId}/actions/restart",
      usedBy: "KestraClient.restart",
      sdk: "ExecutionsApi.restart_execution",
    },
    {
      method: "DELETE",
      path: "/api/v1/{tenant}/executions/{executionId}/actions/kill",
      usedBy: "KestraClient.kill",
      sdk: "ExecutionsApi.kill_execution",
    },
    {
      method: "GET",
      path: "/api/v1/{tenant}/logs/{executionId}",
      usedBy: "KestraClient.logsAtLeast, errorLogs",
      sdk: "LogsApi.list_logs_from_execution",
    },
    {
      method: "GET",
      path: "/api/v1/{tenant}/executions/{executionId}/file",
      usedBy: "KestraClient.downloadFile",
      sdk: "ExecutionsApi.download_file_from_execution",
    },
    {
      method: "GET",
      path: "/api/v1/{tenant}/outputs/tasks/{executionId}",
      usedBy: "the execution's outputs (README API section)",
      sdk: "OutputsApi.task_outputs_information",
    },
    {
      method: "GET",
      path: "/api/v1/{tenant}/outputs/tasks/{executionId}/{taskRunId}",
      usedBy: "KestraClient.taskRunOutputs",
      sdk: "OutputsApi.task_run_outputs",
    },
    {
      method: "GET",
      path: "/api/v1/{tenant}/namespaces/{namespace}/kv/{key}",
      usedBy: "KestraClient.kvGet",
      sdk: "KVApi.key_value",
    },
    {
      method: "PUT",
      path: "/api/v1/{tenant}/namespaces/{namespace}/kv/{key}",
      usedBy: "KestraClient.kvPut",
      sdk: "KVApi.set_key_value",
    },
  ];

/**
 * Where the published spec contradicts what every Kestra 2.0 server sends; each is applied to the
 * spec before conversion and listed in the fixture.
 */
const ERRATA = [
  "State: the generator also listed the Java getters getDuration, getStartDate and getEndDate as required properties; the JSON has duration, startDate and endDate (a running execution has no end date), so the get* properties are dropped.",
  "A Java Object value is rendered as {type: object}; as a map value (additionalProperties) and as KVController.KvDetail.value it is any JSON value (KV values are strings, numbers, booleans… per KVType), so those become unconstrained.",
  "AbstractTrigger: the spec marks `when` required, but a server never sends it while it is unset (a Schedule without a condition), and kestrapy 2.0.3's AbstractTrigger has it optional for that reason; the released SDK wins, so `when` is optional.",
  "Property_*_ (Kestra's Property<T>) is described as an {expression, value} object or a string; Kestra serializes a Property as its raw value or its expression (an input's `defaults: false`), so those become unconstrained.",
];

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** Keywords kept from OpenAPI schema objects: the ones that validate. */
const KEPT = [
  "type",
  "enum",
  "format",
  "pattern",
  "minLength",
  "maxLength",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "minItems",
  "maxItems",
  "uniqueItems",
  "multipleOf",
];

function applyErrata(schemas: Obj): void {
  const state = schemas["State"];
  if (!isObj(state) || !isObj(state["properties"])) throw new Error("spec: no State schema");
  const props = state["properties"];
  for (const getter of ["getDuration", "getStartDate", "getEndDate"]) delete props[getter];
  if (Array.isArray(state["required"])) {
    state["required"] = state["required"].filter(
      (r) => !(typeof r === "string" && r.startsWith("get")),
    );
  }
  for (const name of Object.keys(schemas)) {
    if (/^Property_.+_$/.test(name)) schemas[name] = {};
  }
  const trigger = schemas["AbstractTrigger"];
  if (!isObj(trigger) || !Array.isArray(trigger["required"])) {
    throw new Error("spec: no AbstractTrigger schema");
  }
  trigger["required"] = trigger["required"].filter((r) => r !== "when");
  const kv = schemas["KVController.KvDetail"];
  if (!isObj(kv) || !isObj(kv["properties"])) throw new Error("spec: no KvDetail schema");
  kv["properties"]["value"] = {};
  const anyObjectMaps = (node: Json): void => {
    if (Array.isArray(node)) node.forEach(anyObjectMaps);
    if (!isObj(node)) return;
    const extra = node["additionalProperties"];
    if (isObj(extra) && Object.keys(extra).length === 1 && extra["type"] === "object") {
      node["additionalProperties"] = true;
    }
    Object.values(node).forEach(anyObjectMaps);
  };
  anyObjectMaps(schemas);
}

class Converter {
  private readonly schemas: Obj;
  constructor(schemas: Obj) {
    this.schemas = schemas;
  }

  component(name: string): Obj {
    const schema = this.schemas[name];
    if (!isObj(schema)) throw new Error(`spec: no component schema ${name}`);
    return schema;
  }

  /** A self-contained JSON Schema (draft-07): the root plus `definitions` for what it reaches. */
  standalone(root: Json): Obj {
    const needed = new Set<string>();
    const converted = this.convert(root, needed);
    const definitions: Obj = {};
    const done = new Set<string>();
    while (done.size < needed.size) {
      for (const name of [...needed]) {
        if (done.has(name)) continue;
        done.add(name);
        definitions[name] = this.convert(this.component(name), needed);
      }
    }
    return needed.size > 0 ? { ...converted, definitions } : converted;
  }

  private convert(node: Json, needed: Set<string>): Obj {
    if (!isObj(node)) throw new Error(`spec: a schema is not an object: ${JSON.stringify(node)}`);
    if (typeof node["$ref"] === "string") {
      const name = refName(node["$ref"]);
      needed.add(name);
      return { $ref: `#/definitions/${name}` };
    }
    const allOf = node["allOf"];
    if (Array.isArray(allOf)) {
      // `nullable + allOf:[one $ref]` is how the generator writes an optional reference.
      if (allOf.length === 1 && !isObj(node["properties"])) {
        const inner = this.convert(allOf[0] ?? null, needed);
        return node["nullable"] === true ? { anyOf: [inner, { type: "null" }] } : inner;
      }
      return this.convert(this.flatten(node), needed);
    }
    const out: Obj = {};
    for (const key of KEPT) {
      const value = node[key];
      if (value !== undefined) out[key] = value;
    }
    // OpenAPI 3.0 writes exclusive bounds as booleans next to minimum/maximum.
    for (const [flag, bound] of [
      ["exclusiveMinimum", "minimum"],
      ["exclusiveMaximum", "maximum"],
    ] as const) {
      if (typeof out[flag] !== "boolean") continue;
      if (out[flag] === true) out[flag] = out[bound] ?? null;
      else delete out[flag];
      if (out[flag] !== undefined) delete out[bound];
    }
    if (node["nullable"] === true) {
      if (typeof out["type"] === "string") out["type"] = [out["type"], "null"];
      if (Array.isArray(out["enum"])) out["enum"] = [...out["enum"], null];
    }
    const properties = node["properties"];
    if (isObj(properties)) {
      const props: Obj = {};
      for (const [name, prop] of Object.entries(properties))
        props[name] = this.convert(prop, needed);
      out["properties"] = props;
    }
    if (Array.isArray(node["required"]) && node["required"].length > 0) {
      out["required"] = [...new Set(node["required"] as string[])].sort();
    }
    if (node["items"] !== undefined) out["items"] = this.convert(node["items"], needed);
    const extra = node["additionalProperties"];
    if (typeof extra === "boolean") out["additionalProperties"] = extra;
    else if (isObj(extra)) out["additionalProperties"] = this.convert(extra, needed);
    for (const key of ["oneOf", "anyOf"]) {
      const list = node[key];
      if (Array.isArray(list)) out[key] = list.map((s) => this.convert(s, needed));
    }
    return out;
  }

  /** allOf of object schemas (Java inheritance) merged into one object schema. */
  private flatten(node: Obj): Obj {
    const properties: Obj = {};
    const required = new Set<string>();
    const parts = [...((node["allOf"] as Json[]) ?? []), { ...node, allOf: null }];
    for (const part of parts) {
      if (!isObj(part)) continue;
      let schema: Obj = part;
      if (typeof part["$ref"] === "string") schema = this.component(refName(part["$ref"]));
      if (Array.isArray(schema["allOf"])) schema = this.flatten(schema);
      if (isObj(schema["properties"])) Object.assign(properties, schema["properties"]);
      for (const r of (schema["required"] as string[] | undefined) ?? []) required.add(r);
    }
    return { type: "object", properties, required: [...required] };
  }
}

function refName(ref: string): string {
  const prefix = "#/components/schemas/";
  if (!ref.startsWith(prefix)) throw new Error(`spec: unsupported $ref ${ref}`);
  return ref.slice(prefix.length);
}

const JSON_TYPE = /^(application|text)\/(json|[^;]+\+json)$/;

function operation(spec: Obj, conv: Converter, want: (typeof OPERATIONS)[number]): Obj {
  const paths = spec["paths"] as Obj;
  const item = paths[want.path];
  const op = isObj(item) ? item[want.method.toLowerCase()] : undefined;
  if (!isObj(op)) throw new Error(`spec: no operation ${want.method} ${want.path}`);
  const params = [
    ...((isObj(item) && (item["parameters"] as Json[])) || []),
    ...((op["parameters"] as Json[]) ?? []),
  ].filter(isObj);
  const parameters = params
    .map((p) => ({
      in: String(p["in"]),
      name: String(p["name"]),
      required: p["required"] === true,
    }))
    .sort((a, b) => byText(`${a.in}/${a.name}`, `${b.in}/${b.name}`));
  for (const name of want.path.match(/\{[^}]+\}/g) ?? []) {
    if (!parameters.some((p) => p.in === "path" && `{${p.name}}` === name && p.required)) {
      throw new Error(`spec: ${want.method} ${want.path} does not declare path parameter ${name}`);
    }
  }
  const body = isObj(op["requestBody"]) ? op["requestBody"] : undefined;
  const consumes = body && isObj(body["content"]) ? Object.keys(body["content"]).sort() : [];
  const responses = op["responses"] as Obj;
  const statuses = Object.keys(responses)
    .map(Number)
    .sort((a, b) => a - b);
  const success = statuses.find((s) => s >= 200 && s < 300);
  if (success === undefined) throw new Error(`spec: ${want.method} ${want.path} has no 2xx answer`);
  const answer = responses[String(success)] as Obj;
  const content = isObj(answer["content"]) ? answer["content"] : {};
  const produces = Object.keys(content).sort();
  const jsonType = produces.find((t) => JSON_TYPE.test(t));
  const jsonSchema = jsonType ? (content[jsonType] as Obj)["schema"] : undefined;
  return {
    operationId: String(op["operationId"]),
    method: want.method,
    path: want.path,
    usedBy: want.usedBy,
    consumes,
    requiredBody: body?.["required"] === true,
    produces,
    parameters,
    statuses,
    success: {
      status: success,
      // The body of the 2xx answer: a JSON Schema, "binary" (no JSON), or null (no body declared).
      body:
        jsonSchema !== undefined
          ? conv.standalone(jsonSchema)
          : produces.length > 0
            ? "binary"
            : null,
    },
  };
}

/** Code-point order: the same on every machine, unlike localeCompare. */
function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Objects with sorted keys, so the output only changes when the spec does. */
function sortKeys(value: Json): Json {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (!isObj(value)) return value;
  const out: Obj = {};
  for (const key of Object.keys(value).sort()) out[key] = sortKeys(value[key] ?? null);
  return out;
}

/** What kestrapy's function sends (scripts/kestrapy-operations.py). */
interface SdkFunction {
  function: string;
  parsed: boolean;
  method?: string;
  path?: string;
  query?: string[];
  body?: string | null;
  accept?: string;
}

/** The released SDK wins: an operation whose method or path differs from its function fails here. */
function released(sdk: SdkFunction[], want: (typeof OPERATIONS)[number]): Obj {
  const fn = sdk.find((f) => f.function === want.sdk);
  if (!fn?.parsed) throw new Error(`kestrapy: no readable function ${want.sdk}`);
  if (fn.method !== want.method || fn.path !== want.path) {
    throw new Error(
      `kestrapy ${want.sdk} is ${fn.method} ${fn.path}, not ${want.method} ${want.path}: the released SDK wins`,
    );
  }
  return {
    function: fn.function,
    query: fn.query ?? [],
    body: fn.body ?? null,
    accept: fn.accept ?? "*/*",
  };
}

export function buildTable(specText: string, sdkText: string): Obj {
  const sdkTable = JSON.parse(sdkText) as { sdk: Obj; functions: SdkFunction[] };
  const spec = parse(specText) as Obj;
  const schemas = (spec["components"] as Obj)["schemas"] as Obj;
  applyErrata(schemas);
  const conv = new Converter(schemas);
  const info = spec["info"] as Obj;
  const operations = [...OPERATIONS]
    .sort((a, b) => byText(`${a.path} ${a.method}`, `${b.path} ${b.method}`))
    .map((want) => ({ ...operation(spec, conv, want), sdk: released(sdkTable.functions, want) }));
  return sortKeys({
    $comment:
      "Generated by scripts/gen-kestra-operations.ts from Kestra's 2.0 OpenAPI spec, each operation checked against kestrapy (Kestra's released 2.0 SDK); do not edit.",
    spec: { title: String(info["title"]), version: String(info["version"]) },
    sdk: sdkTable.sdk,
    errata: ERRATA,
    operations,
  }) as Obj;
}

if (import.meta.main) {
  const specPath = process.argv[2] ?? "../shared/schemas/kestra-2.0-openapi.yml";
  const outPath = process.argv[3] ?? "test/fixtures/kestra-2.0-operations.json";
  const sdkPath = "test/fixtures/kestrapy-2.0-operations.json";
  const table = buildTable(readFileSync(specPath, "utf8"), readFileSync(sdkPath, "utf8"));
  writeFileSync(outPath, `${JSON.stringify(table, null, 2)}\n`);
  const count = (table["operations"] as Json[]).length;
  console.log(`${outPath}: ${count} operations from ${specPath}`);
}
