// What Kestra's own released SDK (kestrapy 2.0.x) sends for each API function, and the comparison of
// one request of the bot's client with it. The SDK's description is read from
// test/fixtures/kestrapy-2.0-operations.json (scripts/gen-kestrapy-ops.sh), or from the file that
// AUTOFIX_KESTRAPY_OPS names (CI passes the newest 2.0.x there).

import { readFileSync } from "node:fs";
import type { RecordedRequest } from "../fakes/kestra.ts";

export interface SdkFunction {
  function: string;
  parsed: boolean;
  method: string;
  path: string;
  query: string[];
  body: string | null;
  accept: string;
  answer: string;
}

export interface SdkTable {
  sdk: { name: string; version: string; source: string };
  functions: SdkFunction[];
}

const FIXTURE = new URL("../fixtures/kestrapy-2.0-operations.json", import.meta.url);

export const SDK: SdkTable = JSON.parse(
  readFileSync(process.env["AUTOFIX_KESTRAPY_OPS"] ?? FIXTURE, "utf8"),
);

/**
 * Where the client knowingly sends something the SDK does not: each with the evidence. The test
 * fails on any other difference, and on an entry here that no request needs any more.
 */
export const DEPARTURES: { function: string; query: string; why: string }[] = [
  {
    function: "ExecutionsApi.search_executions",
    query: "dateFilter",
    why: "kestrapy 2.0.3 has no dateFilter argument; released 2.0's ExecutionController reads it and applies date filters to the column it names, start_date without it (the real 2.0.0 engine suite: an endDate filter alone finds runs by their start)",
  },
  {
    function: "LogsApi.list_logs_from_execution",
    query: "filters",
    why: "kestrapy 2.0.3 sends minLevel, which 2.0 ignores (its own testApis/test_logs_api.py marks the ERROR-level test xfail: 'kestra-ee 2.0 does not apply the minLevel filter'); 2.0's LogController applies filters[level][GREATER_THAN_OR_EQUAL_TO], and the client checks levels itself",
  },
];

export function sdkFunction(name: string): SdkFunction {
  const found = SDK.functions.find((f) => f.function === name);
  if (!found?.parsed) throw new Error(`kestrapy ${SDK.sdk.version} has no readable ${name}`);
  return found;
}

/** The query names of a request, a `filters[…]` family as the SDK's one `filters` argument. */
function queryNames(path: string): string[] {
  const query = new URL(path, "http://x").searchParams;
  return [...new Set([...query.keys()].map((k) => (k.startsWith("filters[") ? "filters" : k)))];
}

function matchesTemplate(template: string, path: string): boolean {
  const want = template.split("/");
  const got = new URL(path, "http://x").pathname.split("/");
  return want.length === got.length && want.every((w, i) => w.startsWith("{") || w === got[i]);
}

/** How the request differs from the SDK function; departures listed above are left out. */
export function differences(
  r: RecordedRequest,
  fn: SdkFunction,
  used: Set<string> = new Set(),
): string[] {
  const found: string[] = [];
  if (r.method !== fn.method) found.push(`method ${r.method}, kestrapy ${fn.method}`);
  if (!matchesTemplate(fn.path.replace("{tenant}", "main"), r.path)) {
    found.push(`path ${r.path.split("?")[0]}, kestrapy ${fn.path}`);
  }
  for (const name of queryNames(r.path)) {
    if (fn.query.includes(name)) continue;
    const departure = DEPARTURES.find((d) => d.function === fn.function && d.query === name);
    if (departure) used.add(`${departure.function} ${departure.query}`);
    else found.push(`query parameter ${name}, not among kestrapy's ${JSON.stringify(fn.query)}`);
  }
  const type = r.headers["content-type"]?.split(";")[0]?.trim() ?? null;
  const body = r.bodyBytes > 0 || type !== null ? type : null;
  if (body !== fn.body) found.push(`body ${body}, kestrapy ${fn.body}`);
  if (r.headers["accept"] !== fn.accept) {
    found.push(`Accept ${r.headers["accept"]}, kestrapy ${fn.accept}`);
  }
  return found;
}
