// 2.x `filters[field][OPERATION]=value` query parameters, and the flat 1.x parameters the fake refuses.

import { ApiError } from "./errors.ts";

export interface QueryFilter {
  field: string;
  op: string;
  value: string;
  /** The label key of `filters[labels][OP][key]=value`. */
  key?: string;
}

/** QueryFilter.Field values of the 2.0 OpenAPI spec that a by-query endpoint could take. */
const KNOWN_FIELDS = new Set([
  "q",
  "scope",
  "namespace",
  "kind",
  "labels",
  "flowId",
  "flowRevision",
  "id",
  "startDate",
  "endDate",
  "expirationDate",
  "state",
  "timeRange",
  "parentId",
  "triggerExecutionId",
  "triggerId",
  "executionId",
  "taskId",
  "taskRunId",
  "attemptNumber",
  "childFilter",
  "level",
  "key",
]);

const KNOWN_OPS = new Set([
  "EQUALS",
  "NOT_EQUALS",
  "GREATER_THAN",
  "LESS_THAN",
  "GREATER_THAN_OR_EQUAL_TO",
  "LESS_THAN_OR_EQUAL_TO",
  "IN",
  "NOT_IN",
  "STARTS_WITH",
  "ENDS_WITH",
  "CONTAINS",
  "REGEX",
  "PREFIX",
]);

const FILTER_KEY = /^filters\[([^\]]+)\]\[([^\]]+)\](?:\[([^\]]*)\])?$/;

/**
 * Parses every `filters[...]` parameter. `supported` lists, per field, the operations this fake
 * implements: a valid Kestra field or operation it does not implement answers 501 so a fake gap is
 * never mistaken for a client bug; an unknown one answers 400 like Kestra's InvalidQueryFiltersException.
 */
export function parseFilters(
  params: URLSearchParams,
  supported: Record<string, readonly string[]>,
): QueryFilter[] {
  const filters: QueryFilter[] = [];
  for (const [name, value] of params) {
    if (!name.startsWith("filters")) continue;
    const m = FILTER_KEY.exec(name);
    if (!m) throw new ApiError("invalid-query-filters", `Invalid filter parameter '${name}'`);
    const field = m[1] ?? "";
    const op = m[2] ?? "";
    const key = m[3];
    if (!KNOWN_FIELDS.has(field) || !KNOWN_OPS.has(op)) {
      throw new ApiError("invalid-query-filters", `Invalid filter '${name}'`);
    }
    if (field === "labels" && !key) {
      throw new ApiError(
        "invalid-query-filters",
        `Invalid filter '${name}': use filters[labels][${op}][<key>]=<value>`,
      );
    }
    if (!supported[field]?.includes(op)) {
      throw new ApiError(
        "not-implemented",
        `The fake Kestra does not implement filter '${name}' on this endpoint`,
      );
    }
    filters.push(key === undefined ? { field, op, value } : { field, op, value, key });
  }
  return filters;
}

/**
 * Deliberately stricter than Kestra 2.x, which silently ignores flat 1.x parameters on read endpoints
 * and returns unfiltered results (kestra.md, mcp-server-python compat.py): a client that still sends
 * them would act on the wrong executions, so the fake answers 400 with the wording Kestra's own
 * LegacyQueryParameterFilter uses on by-query endpoints.
 */
export function rejectLegacyParams(params: URLSearchParams, legacy: Record<string, string>): void {
  const found = [...new Set(params.keys())].filter((name) => name in legacy).sort();
  if (found.length === 0) return;
  const messages = found.map(
    (name) =>
      `'${name}' is not a supported query parameter on this endpoint (Kestra 2.x ignores it), use ${legacy[name]}`,
  );
  throw new ApiError("invalid-query-filters", messages.join("; "), {
    errors: messages.map((message) => ({ message })),
  });
}

export function listValue(value: string): string[] {
  return value
    .split(",")
    .map((v) => v.trim())
    .filter((v) => v !== "");
}

/** `page` and `size` (both ≥ 1, as the @Min(1) constraints of the controllers). */
export function paging(
  params: URLSearchParams,
  defaultSize: number,
): { page: number; size: number } {
  const read = (name: string, fallback: number): number => {
    const raw = params.get(name);
    if (raw === null) return fallback;
    if (!/^\d+$/.test(raw)) {
      throw new ApiError("bad-request", `Failed to convert argument [${name}] for value [${raw}]`);
    }
    const n = Number(raw);
    if (n < 1) {
      throw new ApiError("invalid-entity", `${name}: must be greater than or equal to 1`, {
        errors: [{ message: "must be greater than or equal to 1", path: name }],
      });
    }
    return n;
  };
  return { page: read("page", 1), size: read("size", defaultSize) };
}
