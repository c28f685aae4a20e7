// Error bodies as Kestra's ErrorController (classic JsonError) or ProblemFactory (RFC 9457) render them.

export type ErrorKind =
  | "illegal-argument" // IllegalArgumentException → 422 "Illegal argument: …"
  | "invalid-entity" // ConstraintViolationException → 422 "Invalid entity: path: msg"
  | "illegal-state" // IllegalStateException → 409 "Illegal state: …"
  | "not-found" // NoSuchElementException / null body → 404
  | "bad-request" // unsatisfied query value, malformed request → 400
  | "invalid-query-filters" // flat 1.x query parameters, bad filters → 400
  | "method-not-allowed" // Micronaut router → 405
  | "unsupported-media-type" // Micronaut router → 415
  | "not-acceptable" // Micronaut router: no produced type matches Accept → 406
  | "unauthenticated" // basic auth missing or wrong → 401
  | "expired" // ResourceExpiredException → 410
  | "internal" // anything else → 500
  | "not-implemented"; // endpoint that exists in Kestra but not in this fake → 501

interface KindInfo {
  status: number;
  /** Classic `message` prefix (the HTTP reason Kestra passes to jsonError). */
  reason: string;
  /** Problem type slug and title (webserver/errors/ProblemTypes.java). */
  slug: string;
  title: string;
}

const KINDS: Record<ErrorKind, KindInfo> = {
  "illegal-argument": {
    status: 422,
    reason: "Illegal argument",
    slug: "invalid-argument",
    title: "Invalid argument",
  },
  "invalid-entity": {
    status: 422,
    reason: "Invalid entity",
    slug: "invalid-entity",
    title: "Invalid entity",
  },
  "illegal-state": { status: 409, reason: "Illegal state", slug: "conflict", title: "Conflict" },
  "not-found": { status: 404, reason: "Not Found", slug: "not-found", title: "Resource not found" },
  "bad-request": { status: 400, reason: "Bad Request", slug: "bad-request", title: "Bad request" },
  "invalid-query-filters": {
    status: 400,
    reason: "Bad Request",
    slug: "invalid-query-filters",
    title: "Invalid query filters",
  },
  "method-not-allowed": {
    status: 405,
    reason: "Method Not Allowed",
    slug: "method-not-allowed",
    title: "Method not allowed",
  },
  "unsupported-media-type": {
    status: 415,
    reason: "Unsupported Media Type",
    slug: "unsupported-media-type",
    title: "Unsupported media type",
  },
  "not-acceptable": {
    status: 406,
    reason: "Not Acceptable",
    slug: "not-acceptable",
    title: "Not acceptable",
  },
  unauthenticated: {
    status: 401,
    reason: "Unauthorized",
    slug: "unauthenticated",
    title: "Authentication required",
  },
  expired: {
    status: 410,
    reason: "Resource has expired",
    slug: "resource-expired",
    title: "Resource has expired",
  },
  internal: {
    status: 500,
    reason: "Internal server error",
    slug: "internal-error",
    title: "Internal server error",
  },
  "not-implemented": {
    status: 501,
    reason: "Not Implemented",
    slug: "not-implemented",
    title: "Not implemented",
  },
};

export interface FieldError {
  message: string;
  path?: string;
}

/**
 * Thrown by handlers. `detail` is the exception message; `framework` marks Micronaut router errors
 * (404/405/406/415), whose classic body keeps the bare reason as `message` and puts the detail in `_embedded`.
 */
export class ApiError extends Error {
  readonly kind: ErrorKind;
  readonly status: number;
  readonly errors: FieldError[];
  readonly framework: boolean;
  readonly headers: Record<string, string>;

  constructor(
    kind: ErrorKind,
    detail: string,
    extra: { errors?: FieldError[]; framework?: boolean; headers?: Record<string, string> } = {},
  ) {
    super(detail);
    this.kind = kind;
    this.status = KINDS[kind].status;
    this.errors = extra.errors ?? [];
    this.framework = extra.framework ?? false;
    this.headers = extra.headers ?? {};
  }

  /** Kestra's error for a status, as a scripted fault (the kind Kestra maps to that status). */
  static forStatus(status: number, detail: string): ApiError {
    const kind = (Object.keys(KINDS) as ErrorKind[]).find((k) => KINDS[k].status === status);
    if (!kind) throw new Error(`fake kestra: no Kestra error has status ${status}`);
    return new ApiError(kind, detail);
  }
}

/** A constraint violation on one input or field, as FlowInputOutput reports it (first failure only). */
export function invalidEntity(path: string, message: string): ApiError {
  return new ApiError("invalid-entity", `${path}: ${message}`, { errors: [{ message, path }] });
}

const PROBLEM_BASE = "https://kestra.io/docs/api-reference/problems/";

export function renderError(
  error: ApiError,
  requestPath: string,
  format: "classic" | "problem",
): { contentType: string; body: string } {
  const info = KINDS[error.kind];
  if (format === "problem") {
    const problem: Record<string, unknown> = {
      type: PROBLEM_BASE + info.slug,
      title: info.title,
      status: info.status,
      detail: error.message,
      instance: requestPath.split("?")[0],
    };
    if (error.errors.length > 0) {
      problem["errors"] = error.errors.map((e) =>
        e.path === undefined ? { detail: e.message } : { detail: e.message, path: e.path },
      );
    }
    return { contentType: "application/problem+json", body: JSON.stringify(problem) };
  }
  // Kestra 2.0's ErrorController: Micronaut's JsonError with its null logref and path; a route that
  // does not exist gets the bare reason; `_embedded.errors` only for constraint violations.
  const classic: Record<string, unknown> = {
    message:
      error.framework && error.kind === "not-found"
        ? info.reason
        : `${info.reason}: ${error.message}`,
    logref: null,
    path: null,
    _links: { self: { href: requestPath, templated: false } },
  };
  if (error.kind === "invalid-entity" && error.errors.length > 0) {
    classic["_embedded"] = {
      errors: error.errors.map((e) =>
        e.path === undefined ? { message: e.message } : { message: e.message, path: e.path },
      ),
    };
  }
  return { contentType: "application/json", body: JSON.stringify(classic) };
}
