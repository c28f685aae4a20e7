// Kestra 2.0.0's own JSON schema of a Flow (test/fixtures/kestra-2.0-flow.schema.json, produced by
// Kestra's JsonSchemaGenerator from the classes the engine launcher runs: scripts/kestra-engine-flow-schema.sh),
// made to accept what 2.0 accepts and refuse what it refuses:
// - Kestra's parser refuses unknown properties, the generated schema leaves objects open: every object
//   with declared properties is closed (additionalProperties: false) unless it says otherwise (maps);
// - a property marked `$dynamic: true` (on itself, or on a member of its allOf) is a Pebble template in
//   Kestra, so a string with `{{` or `{%` is accepted there whatever the rendered type;
// - the `duration`, `date-time`, `date`, `partial-time` and `uri` formats are checked.
//
// Exports: FLOW_SCHEMA (the fixture), kestraFlowValidator() -> ajv ValidateFunction

import { readFileSync } from "node:fs";
import { Ajv, type ValidateFunction } from "ajv";

type Node = Record<string, unknown>;

export const FLOW_SCHEMA = JSON.parse(
  readFileSync(new URL("../fixtures/kestra-2.0-flow.schema.json", import.meta.url), "utf8"),
) as Node;

/** A Pebble template: Kestra renders it before the value is typed. */
const PEBBLE = { type: "string", pattern: "\\{\\{|\\{%" } as const;

const ISO_DURATION =
  /^-?P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$/;
const FORMATS = {
  duration: (s: string) => ISO_DURATION.test(s),
  "date-time": (s: string) => !Number.isNaN(Date.parse(s)) && /T/.test(s),
  date: (s: string) => /^\d{4}-\d{2}-\d{2}$/.test(s),
  "partial-time": (s: string) => /^\d{2}:\d{2}:\d{2}(\.\d+)?$/.test(s),
  uri: (s: string) => URL.canParse(s),
};

const isNode = (v: unknown): v is Node => typeof v === "object" && v !== null && !Array.isArray(v);

function dynamic(node: Node): boolean {
  if (node["$dynamic"] === true) return true;
  const all = node["allOf"];
  return Array.isArray(all) && all.some((m) => isNode(m) && m["$dynamic"] === true);
}

/** A string that any Pebble template already satisfies. */
function plainString(node: Node): boolean {
  return (
    node["type"] === "string" &&
    !["enum", "const", "pattern", "format", "allOf", "anyOf", "oneOf"].some((k) => k in node)
  );
}

const SCHEMA_MAPS = new Set(["properties", "definitions", "patternProperties"]);
const SUBSCHEMA_LISTS = new Set(["anyOf", "allOf", "oneOf"]);
const SUBSCHEMAS = new Set([
  "items",
  "additionalProperties",
  "not",
  "contains",
  "if",
  "then",
  "else",
]);

function transform(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(transform);
  if (!isNode(node)) return node;
  const out: Node = {};
  for (const [key, value] of Object.entries(node)) {
    if (SCHEMA_MAPS.has(key) && isNode(value)) {
      out[key] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, transform(v)]));
    } else if (SUBSCHEMA_LISTS.has(key) || SUBSCHEMAS.has(key)) {
      out[key] = transform(value);
    } else {
      out[key] = value;
    }
  }
  if (isNode(out["properties"]) && out["additionalProperties"] === undefined) {
    out["additionalProperties"] = false;
  }
  return dynamic(node) && !plainString(node) ? { anyOf: [out, PEBBLE] } : out;
}

let compiled: ValidateFunction | undefined;

export function kestraFlowValidator(): ValidateFunction {
  if (!compiled) {
    // strictSchema off: Kestra's annotations ($dynamic, $group, markdownDescription…) are not keywords.
    const ajv = new Ajv({
      strictSchema: false,
      strictTypes: false,
      allErrors: true,
      formats: FORMATS,
    });
    compiled = ajv.compile(transform(FLOW_SCHEMA) as Node);
  }
  return compiled;
}
