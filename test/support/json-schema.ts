// Validates JSON bodies against the operations table's schemas (draft-07, from Kestra's 2.0 spec).

import { Ajv, type ValidateFunction } from "ajv";
import type { JsonSchema, Operation } from "../fakes/kestra/operations.ts";

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** The formats the table uses; an unknown one makes ajv refuse the schema (strict mode). */
const FORMATS = {
  "date-time": (s: string) => DATE_TIME.test(s) && !Number.isNaN(Date.parse(s)),
  uri: (s: string) => URL.canParse(s),
  int32: { type: "number", validate: (n: number) => Number.isInteger(n) && Math.abs(n) < 2 ** 31 },
  int64: { type: "number", validate: (n: number) => Number.isSafeInteger(n) },
} as const;

/**
 * Java types whose JSON carries more than the spec lists: plugin-defined tasks, triggers, inputs and
 * outputs, and maps. Every other object with declared properties is closed in strict mode.
 */
const OPEN_DEFINITIONS = new Set([
  "Task",
  "AbstractTrigger",
  "Input_Object_",
  "Output",
  "Map_Object.Object_",
]);

function newAjv(): Ajv {
  // strictTypes off: the spec puts object keywords on arrays (Flow.tasks has additionalProperties).
  return new Ajv({ strict: true, strictTypes: false, allErrors: true, formats: FORMATS });
}

/** A copy where objects with declared properties refuse undeclared ones (except OPEN_DEFINITIONS). */
export function closed(schema: JsonSchema): JsonSchema {
  const close = (node: unknown, open: boolean): unknown => {
    if (Array.isArray(node)) return node.map((n) => close(n, false));
    if (typeof node !== "object" || node === null) return node;
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) {
      if (key === "definitions" && typeof value === "object" && value !== null) {
        out[key] = Object.fromEntries(
          Object.entries(value).map(([name, def]) => [
            name,
            close(def, OPEN_DEFINITIONS.has(name)),
          ]),
        );
      } else if (key === "properties" && typeof value === "object" && value !== null) {
        out[key] = Object.fromEntries(
          Object.entries(value).map(([name, def]) => [name, close(def, false)]),
        );
      } else {
        out[key] = close(value, false);
      }
    }
    if ("properties" in out && !("additionalProperties" in out) && !open) {
      out["additionalProperties"] = false;
    }
    return out;
  };
  return close(schema, false) as JsonSchema;
}

/** Compiles a schema as the spec states it (`strict: false`) or closed (`strict: true`). */
export function compileSchema(
  schema: JsonSchema,
  opts: { closed?: boolean } = {},
): ValidateFunction {
  return newAjv().compile(opts.closed ? closed(schema) : schema);
}

const cache = new Map<string, ValidateFunction>();

/** The problems of one success body of an operation against its closed schema, or []. */
export function bodyProblems(op: Operation, body: unknown): string[] {
  const schema = op.success.body;
  if (schema === null || schema === "binary") {
    return [`${op.operationId} declares no JSON body`];
  }
  let validate = cache.get(op.operationId);
  if (!validate) {
    validate = compileSchema(schema, { closed: true });
    cache.set(op.operationId, validate);
  }
  if (validate(body)) return [];
  return (validate.errors ?? []).map(
    (e) =>
      `${op.operationId}${e.instancePath || "/"} ${e.message ?? "is invalid"}${e.params && "additionalProperty" in e.params ? ` (${String(e.params["additionalProperty"])})` : ""}`,
  );
}
