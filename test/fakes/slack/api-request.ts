// Decoding a Web API request the way Slack does: content type, charset, form or JSON body,
// token from `Authorization: Bearer` (or the `token` form field), JSON-string arguments.
// Error codes are Slack's common errors (docs.slack.dev/reference/methods, "Errors" tables).

import type { IncomingMessage } from "node:http";
import { headerValue } from "../http-server.ts";

export type Params = Record<string, unknown>;

export type ParsedApiRequest =
  | {
      ok: true;
      params: Params;
      token: string | undefined;
      tokenSource: "header" | "body" | "none";
      /** JSON-string arguments that did not parse (the method picks the error code). */
      badJson: Set<string>;
    }
  | { ok: false; error: string };

const VALID_CHARSETS = ["utf-8", "utf8", "iso-8859-1"];
const ARG_NAME = /^[A-Za-z0-9_]+$/;

export interface ParseOptions {
  /** Whether the method accepts application/json bodies. */
  acceptsJson: boolean;
  /** Arguments that Slack takes as JSON (sent as JSON strings in forms). */
  jsonFields: readonly string[];
}

export async function parseApiRequest(
  req: IncomingMessage,
  body: Buffer,
  options: ParseOptions,
): Promise<ParsedApiRequest> {
  const bearer = bearerToken(headerValue(req, "authorization"));
  const contentType = headerValue(req, "content-type");
  if (contentType === undefined) {
    if (body.length > 0) return { ok: false, error: "missing_post_type" };
    return finish({}, bearer, options);
  }
  const [mediaType = "", ...attributes] = contentType.split(";").map((p) => p.trim());
  const charset = attributes.find((a) => a.toLowerCase().startsWith("charset="))?.slice(8);
  if (charset !== undefined && !VALID_CHARSETS.includes(charset.toLowerCase().replace(/"/g, "")))
    return { ok: false, error: "invalid_charset" };

  switch (mediaType.toLowerCase()) {
    case "application/x-www-form-urlencoded":
      return fromEntries(new URLSearchParams(body.toString("utf8")).entries(), bearer, options);
    case "multipart/form-data": {
      let form: FormData;
      try {
        form = await new Response(new Uint8Array(body), {
          headers: { "content-type": contentType },
        }).formData();
      } catch {
        return { ok: false, error: "invalid_form_data" };
      }
      const strings = [...form.entries()].filter(
        (e): e is [string, string] => typeof e[1] === "string",
      );
      return fromEntries(strings.values(), bearer, options);
    }
    case "application/json": {
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString("utf8"));
      } catch {
        return { ok: false, error: "invalid_json" };
      }
      if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
        return { ok: false, error: "json_not_object" };
      // JSON bodies never carry the token, and methods without JSON support ignore them.
      const params = options.acceptsJson ? { ...(parsed as Params) } : {};
      delete params["token"];
      return finish(params, bearer, options);
    }
    default:
      return { ok: false, error: "invalid_post_type" };
  }
}

function fromEntries(
  entries: Iterable<[string, string]>,
  bearer: string | undefined,
  options: ParseOptions,
): ParsedApiRequest {
  const params: Params = {};
  for (const [key, value] of entries) {
    if (/\[.*\]$/.test(key)) return { ok: false, error: "invalid_array_arg" };
    if (!ARG_NAME.test(key)) return { ok: false, error: "invalid_arg_name" };
    params[key] = value;
  }
  const bodyToken = typeof params["token"] === "string" ? params["token"] : undefined;
  delete params["token"];
  return finish(
    params,
    bearer ?? bodyToken,
    options,
    bearer ? "header" : bodyToken ? "body" : "none",
  );
}

function finish(
  params: Params,
  token: string | undefined,
  options: ParseOptions,
  tokenSource: "header" | "body" | "none" = token ? "header" : "none",
): ParsedApiRequest {
  const badJson = new Set<string>();
  for (const field of options.jsonFields) {
    const value = params[field];
    if (typeof value !== "string") continue;
    try {
      params[field] = JSON.parse(value);
    } catch {
      badJson.add(field);
    }
  }
  return { ok: true, params, token, tokenSource, badJson };
}

function bearerToken(header: string | undefined): string | undefined {
  const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
  return match?.[1];
}

// ---------- argument readers shared by the method handlers ----------

export function str(params: Params, key: string): string | undefined {
  const value = params[key];
  if (typeof value === "string") return value.length > 0 ? value : undefined;
  if (typeof value === "number") return String(value);
  return undefined;
}

export function bool(params: Params, key: string): boolean {
  const value = params[key];
  return value === true || value === "true" || value === "1" || value === 1;
}

/** Integer arguments arrive as strings from forms and as numbers from JSON. */
export function int(params: Params, key: string): number | undefined {
  const value = params[key];
  const text = typeof value === "number" ? String(value) : value;
  if (typeof text !== "string" || !/^-?\d+$/.test(text)) return undefined;
  return Number(text);
}
