// Flow definitions (from objects or real flow YAML) and typed input reading, after
// io.kestra.core.runners.FlowInputOutput: declared inputs only, defaults, `required` true by default,
// the first invalid input reported as a constraint violation on the input id.

import { parse as parseYaml } from "yaml";
import { ApiError, invalidEntity } from "./errors.ts";
import type { FlowDef, InputDef } from "./types.ts";

const PAUSE_TYPES = new Set([
  "io.kestra.plugin.core.flow.Pause",
  "io.kestra.core.tasks.flows.Pause",
]);

export interface NormalizedFlow {
  namespace: string;
  id: string;
  revision: number;
  disabled: boolean;
  labels: Record<string, string>;
  inputs: InputDef[];
  pauses: Record<string, InputDef[]>;
  /** The parsed YAML and its text, for flows registered from YAML (GET flow serves them). */
  document?: Record<string, unknown>;
  source?: string;
}

export function normalizeFlow(def: FlowDef): NormalizedFlow {
  if (!def.namespace || !def.id) throw new Error("fake kestra: a flow needs `namespace` and `id`");
  const inputs = (def.inputs ?? []).map((input) => checkInput(input, `${def.id} inputs`));
  assertUniqueIds(inputs, `flow ${def.namespace}.${def.id}`);
  const pauses: Record<string, InputDef[]> = {};
  for (const [taskId, onResume] of Object.entries(def.pauses ?? {})) {
    pauses[taskId] = onResume.map((input) => checkInput(input, `Pause ${taskId} onResume`));
    assertUniqueIds(pauses[taskId] ?? [], `Pause ${taskId}`);
  }
  return {
    namespace: def.namespace,
    id: def.id,
    revision: def.revision ?? 1,
    disabled: def.disabled ?? false,
    labels: { ...def.labels },
    inputs,
    pauses,
  };
}

function checkInput(input: InputDef, where: string): InputDef {
  if (typeof input.id !== "string" || input.id === "") {
    throw new Error(`fake kestra: an input of ${where} has no id`);
  }
  if (typeof input.type !== "string" || input.type === "") {
    throw new Error(`fake kestra: input ${input.id} of ${where} has no type`);
  }
  return { ...input, type: input.type.toUpperCase() };
}

function assertUniqueIds(inputs: InputDef[], where: string): void {
  const seen = new Set<string>();
  for (const input of inputs) {
    if (seen.has(input.id)) throw new Error(`fake kestra: duplicate input ${input.id} in ${where}`);
    seen.add(input.id);
  }
}

/** Reads id, namespace, disabled, labels, inputs and every Pause task (any depth) from flow YAML. */
export function flowDefFromYaml(text: string): FlowDef {
  const doc: unknown = parseYaml(text);
  if (!isRecord(doc)) throw new Error("fake kestra: flow YAML is not a mapping");
  const id = doc["id"];
  const namespace = doc["namespace"];
  if (typeof id !== "string" || typeof namespace !== "string") {
    throw new Error("fake kestra: flow YAML needs string `id` and `namespace`");
  }
  const def: FlowDef = { id, namespace, disabled: doc["disabled"] === true };
  const labels = readLabels(doc["labels"]);
  if (labels) def.labels = labels;
  def.inputs = readInputList(doc["inputs"], "inputs");
  const pauses: Record<string, InputDef[]> = {};
  collectPauses(doc, pauses);
  def.pauses = pauses;
  return def;
}

function readLabels(raw: unknown): Record<string, string> | undefined {
  if (raw === undefined || raw === null) return undefined;
  const labels: Record<string, string> = {};
  if (Array.isArray(raw)) {
    for (const item of raw) {
      if (isRecord(item)) labels[String(item["key"])] = String(item["value"]);
    }
  } else if (isRecord(raw)) {
    for (const [key, value] of Object.entries(raw)) labels[key] = String(value);
  }
  return labels;
}

function readInputList(raw: unknown, where: string): InputDef[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new Error(`fake kestra: \`${where}\` must be a list`);
  return raw.map((item) => {
    if (!isRecord(item)) throw new Error(`fake kestra: an entry of \`${where}\` is not a mapping`);
    const input: InputDef = { id: String(item["id"] ?? ""), type: String(item["type"] ?? "") };
    if (typeof item["required"] === "boolean") input.required = item["required"];
    if ("defaults" in item) input.defaults = item["defaults"];
    if (Array.isArray(item["values"])) input.values = item["values"].map(String);
    if (typeof item["itemType"] === "string") input.itemType = item["itemType"];
    if (typeof item["validator"] === "string") input.validator = item["validator"];
    return input;
  });
}

function collectPauses(node: unknown, into: Record<string, InputDef[]>): void {
  if (Array.isArray(node)) {
    for (const child of node) collectPauses(child, into);
    return;
  }
  if (!isRecord(node)) return;
  const type = node["type"];
  const id = node["id"];
  if (typeof type === "string" && PAUSE_TYPES.has(type) && typeof id === "string") {
    if (id in into) throw new Error(`fake kestra: duplicate Pause task id ${id}`);
    into[id] = readInputList(node["onResume"], `${id}.onResume`);
  }
  for (const [key, value] of Object.entries(node)) {
    if (key !== "onResume") collectPauses(value, into);
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A raw multipart field: text, or an uploaded file. */
export type RawField = string | { fileName: string; content: Buffer };

export interface ReadContext {
  /** Stores an uploaded FILE input and returns its kestra:// URI. */
  storeFile: (inputId: string, fileName: string, content: Buffer) => string;
}

/**
 * Types every declared input; undeclared fields are dropped, exactly like Kestra (resolveInputs only
 * iterates the flow's inputs). Throws a 422 ApiError on the first invalid input.
 */
export function readInputs(
  defs: InputDef[],
  fields: Map<string, RawField>,
  ctx: ReadContext,
): Record<string, unknown> {
  const typed: Record<string, unknown> = {};
  for (const def of defs) {
    const raw = fields.get(def.id);
    if (raw === undefined) {
      if (def.defaults !== undefined && def.defaults !== null) {
        typed[def.id] = coerceDefault(def, def.defaults, ctx);
      } else if (def.required ?? true) {
        throw violation(def.id, "missing required input", null);
      } else {
        typed[def.id] = null;
      }
      continue;
    }
    if (typeof raw !== "string") {
      typed[def.id] =
        def.type === "FILE"
          ? ctx.storeFile(def.id, raw.fileName, raw.content)
          : parseValue(def, raw.content.toString("utf8"), ctx);
      continue;
    }
    typed[def.id] = parseValue(def, raw, ctx);
  }
  return typed;
}

function coerceDefault(def: InputDef, value: unknown, ctx: ReadContext): unknown {
  if (typeof value === "string") return parseValue(def, value, ctx);
  return value;
}

function violation(id: string, message: string, value: unknown): ApiError {
  const shown = value === null ? "null" : String(value);
  return invalidEntity(id, `Invalid input for \`${id}\`, ${message}, but received \`${shown}\``);
}

/** The "Expected `TYPE` but received …" wording of FlowInputOutput#parseType. */
function expected(def: InputDef, value: string, cause: string): ApiError {
  return violation(
    def.id,
    `Expected \`${def.type}\` but received \`${value}\` with errors:\n\`\`\`\n${cause}\n\`\`\``,
    value,
  );
}

const INT_RE = /^[+-]?\d+$/;
const FLOAT_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const DATETIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const TIME_RE = /^\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?$/;
const DURATION_RE = /^P(?=\d|T\d)(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$/;
const EMAIL_RE = /^[^@\s]+@[^@\s]+$/;

function parseValue(def: InputDef, value: string, ctx: ReadContext): unknown {
  switch (def.type) {
    case "INT": {
      if (!INT_RE.test(value)) throw expected(def, value, `For input string: "${value}"`);
      const n = Number(value);
      if (!Number.isSafeInteger(n) || Math.abs(n) > 2147483647) {
        throw expected(def, value, `For input string: "${value}"`);
      }
      return n;
    }
    case "FLOAT":
      if (!FLOAT_RE.test(value)) throw expected(def, value, `For input string: "${value}"`);
      return Number(value);
    case "BOOL":
    case "BOOLEAN": {
      // Deliberately stricter than Kestra, whose Boolean.valueOf reads any other text as false:
      // a client sending "yes" or "1" would silently get false in production.
      const lower = value.toLowerCase();
      if (lower === "true") return true;
      if (lower === "false") return false;
      throw violation(
        def.id,
        `Expected \`${def.type}\` but received \`${value}\`: send "true" or "false" (Kestra reads any other text as false)`,
        value,
      );
    }
    case "DATETIME":
      if (!DATETIME_RE.test(value) || Number.isNaN(Date.parse(value))) {
        throw expected(def, value, `Text '${value}' could not be parsed at index 0`);
      }
      return value;
    case "DATE":
      if (!DATE_RE.test(value) || Number.isNaN(Date.parse(value))) {
        throw expected(def, value, `Text '${value}' could not be parsed at index 0`);
      }
      return value;
    case "TIME":
      if (!TIME_RE.test(value)) {
        throw expected(def, value, `Text '${value}' could not be parsed at index 0`);
      }
      return value;
    case "DURATION":
      if (!DURATION_RE.test(value)) {
        throw expected(def, value, "Text cannot be parsed to a Duration");
      }
      return value;
    case "URI":
      if (!URL.canParse(value) || !/^[a-z][a-z0-9+.-]*:\/\/\S+$/i.test(value)) {
        throw violation(def.id, `Expected \`URI\` but received \`${value}\``, value);
      }
      return value;
    case "EMAIL":
      if (!EMAIL_RE.test(value)) throw violation(def.id, "it must be a valid email", value);
      return value;
    case "JSON":
      try {
        return JSON.parse(value) as unknown;
      } catch (e) {
        throw expected(def, value, (e as Error).message);
      }
    case "YAML":
      try {
        return parseYaml(value) as unknown;
      } catch (e) {
        throw expected(def, value, (e as Error).message);
      }
    case "SELECT":
      if (def.values && !def.values.includes(value)) {
        throw violation(def.id, `it must match the values \`[${def.values.join(", ")}]\``, value);
      }
      return value;
    case "ARRAY":
    case "MULTISELECT":
      return parseList(def, value, ctx);
    case "FILE":
      if (value.startsWith("kestra:///")) return value;
      throw violation(def.id, "a FILE input must be sent as a file part", value);
    case "STRING":
      // StringInput#validate: the whole value must match (Java's Matcher#matches).
      if (def.validator !== undefined && !new RegExp(`^(?:${def.validator})$`, "u").test(value)) {
        throw violation(def.id, `it must match the pattern \`${def.validator}\``, value);
      }
      return value;
    default:
      // SECRET, ENUM and types the fake does not model are passed through as text.
      return value;
  }
}

function parseList(def: InputDef, value: string, ctx: ReadContext): unknown[] {
  let list: unknown;
  try {
    list = JSON.parse(value);
  } catch (e) {
    throw expected(def, value, (e as Error).message);
  }
  if (!Array.isArray(list)) throw expected(def, value, "not a JSON array");
  if (def.type === "MULTISELECT" && def.values) {
    const bad = list.find((item) => !def.values?.includes(String(item)));
    if (bad !== undefined) {
      throw violation(def.id, `it must match the values \`[${def.values.join(", ")}]\``, value);
    }
  }
  if (def.type === "ARRAY" && def.itemType) {
    const itemDef: InputDef = { id: def.id, type: def.itemType.toUpperCase() };
    return list.map((item) => {
      try {
        return typeof item === "string" ? parseValue(itemDef, item, ctx) : item;
      } catch {
        throw violation(
          def.id,
          `Unable to parse array element as \`${itemDef.type}\` on \`${String(item)}\``,
          value,
        );
      }
    });
  }
  return list;
}

/** Reads a multipart body with the platform's own parser (undici), never by hand. */
export async function readMultipart(
  contentType: string,
  body: Buffer,
): Promise<Map<string, RawField>> {
  let form: FormData;
  try {
    form = await new Request("http://fake.invalid/", {
      method: "POST",
      headers: { "content-type": contentType },
      body: new Uint8Array(body),
    }).formData();
  } catch (e) {
    throw new ApiError("bad-request", `Malformed multipart body: ${(e as Error).message}`);
  }
  const fields = new Map<string, RawField>();
  for (const [name, value] of form.entries()) {
    // Kestra collects parts into a map: a repeated field keeps its last value.
    if (typeof value === "string") fields.set(name, value);
    else
      fields.set(name, { fileName: value.name, content: Buffer.from(await value.arrayBuffer()) });
  }
  return fields;
}
