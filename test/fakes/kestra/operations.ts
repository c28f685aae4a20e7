// The Kestra 2.0 operations table (test/fixtures/kestra-2.0-operations.json, generated from the
// owner's OpenAPI spec by scripts/gen-kestra-operations.ts) and the media-type rules Micronaut applies
// to it before any controller runs.

import { readFileSync } from "node:fs";

export type JsonSchema = Record<string, unknown>;

export interface OperationParameter {
  in: "path" | "query" | "header" | "cookie";
  name: string;
  required: boolean;
}

export interface Operation {
  operationId: string;
  method: string;
  /** The spec's template, e.g. /api/v1/{tenant}/executions/{executionId}. */
  path: string;
  usedBy: string;
  /** Request media types; empty when the spec declares no request body. */
  consumes: string[];
  requiredBody: boolean;
  /** Media types of the 2xx answer; empty when it has no body. */
  produces: string[];
  parameters: OperationParameter[];
  statuses: number[];
  /** The 2xx body: a self-contained JSON Schema, "binary", or null (no body). */
  success: { status: number; body: JsonSchema | "binary" | null };
  /** The function of Kestra's released SDK (kestrapy) behind it, and what that function sends. */
  sdk: { function: string; query: string[]; body: string | null; accept: string };
}

export interface OperationsTable {
  spec: { title: string; version: string };
  sdk: { name: string; version: string; source: string };
  errata: string[];
  operations: Operation[];
}

export const TABLE_URL = new URL("../../fixtures/kestra-2.0-operations.json", import.meta.url);

export const TABLE: OperationsTable = JSON.parse(readFileSync(TABLE_URL, "utf8"));

/** Micronaut's default for a route that declares no @Consumes / @Produces. */
export const DEFAULT_MEDIA_TYPE = "application/json";

/** The media types a route accepts in Content-Type. */
export function consumedTypes(op: Operation): string[] {
  return op.consumes.length > 0 ? op.consumes : [DEFAULT_MEDIA_TYPE];
}

/** The media types a route produces, which the Accept header is matched against. */
export function producedTypes(op: Operation): string[] {
  return op.produces.length > 0 ? op.produces : [DEFAULT_MEDIA_TYPE];
}

/** `type/subtype` of one media-type text, lower-cased, parameters dropped. */
export function mediaType(text: string): string {
  return (text.split(";")[0] ?? "").trim().toLowerCase();
}

/**
 * Micronaut's DefaultRouteInfo#doesProduce: the route matches when Accept is absent or empty, when an
 * entry is exactly *\/*, or when an entry equals a produced type. `application/*` or `text/json` for
 * `application/json` do not match.
 */
export function acceptMatches(accept: string | undefined, produces: readonly string[]): boolean {
  const entries = (accept ?? "")
    .split(",")
    .map(mediaType)
    .filter((e) => e !== "");
  if (entries.length === 0 || produces.includes("*/*")) return true;
  return entries.some((e) => e === "*/*" || produces.includes(e));
}

/** The Accept entries as Micronaut lists them in its 406 message. */
export function acceptEntries(accept: string): string[] {
  return accept
    .split(",")
    .map((e) => e.trim())
    .filter((e) => e !== "");
}

/** The JSON media type a route answers with (kill: text/json), or undefined for binary routes. */
export function jsonAnswerType(op: Operation): string | undefined {
  return producedTypes(op).find((t) => /^(application|text)\/(json|.+\+json)$/.test(t));
}
