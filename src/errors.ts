// The project's error types. Each has a stable `code`; user-facing text is made in one place
// (src/slack/error-messages.ts for Slack, the worker CLI for the terminal).

export type Service = "kestra" | "slack" | "github" | "git" | "agent" | "database";

export abstract class AutofixError extends Error {
  abstract readonly code: string;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Something a person typed or sent is wrong; the message says what and how to fix it. */
export class InputError extends AutofixError {
  readonly code = "INPUT_INVALID";
}

/** The caller may not do this (not an approver, bad webhook token). */
export class NotAuthorizedError extends AutofixError {
  readonly code = "NOT_AUTHORIZED";
}

/** The configuration is missing or invalid; `problems` lists each field with how to fix it. */
export class ConfigError extends AutofixError {
  readonly code = "CONFIG_INVALID";
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.problems = problems;
  }
}

/** A channel's stored settings do not parse: nothing that depends on them goes ahead. */
export class SettingsUnreadableError extends AutofixError {
  readonly code = "SETTINGS_UNREADABLE";
}

export type UpstreamKind =
  | "unauthorized" // 401/403: credentials are wrong
  | "not_found" // 404
  | "conflict" // 409: the state does not allow it
  | "invalid" // 400/422: the request was refused as invalid
  | "rate_limited" // 429
  | "unavailable" // 5xx, timeouts, connection errors
  // The answer cannot be used, and asking again will not change it: a route the server does not
  // have (404 where something must be), a redirect, a body that does not parse or has another shape.
  | "incompatible";

/** An external service (Kestra, Slack, GitHub, git, the agent) refused or failed a call. */
export class UpstreamError extends AutofixError {
  readonly code: `${Uppercase<Service>}_${Uppercase<UpstreamKind>}`;
  readonly service: Service;
  readonly kind: UpstreamKind;
  readonly status: number | undefined;
  /** The service's own words about the refusal (Kestra's error message), without our context. */
  readonly detail: string | undefined;
  constructor(
    service: Service,
    kind: UpstreamKind,
    message: string,
    options?: { cause?: unknown; status?: number; detail?: string },
  ) {
    super(message, options);
    this.service = service;
    this.kind = kind;
    this.status = options?.status;
    this.detail = options?.detail;
    this.code = `${service.toUpperCase() as Uppercase<Service>}_${kind.toUpperCase() as Uppercase<UpstreamKind>}`;
  }
}

export function upstreamKindForStatus(status: number): UpstreamKind {
  if (status === 401 || status === 403) return "unauthorized";
  if (status === 404) return "not_found";
  if (status === 409) return "conflict";
  if (status === 429) return "rate_limited";
  if (status >= 400 && status < 500) return "invalid";
  return "unavailable";
}

/**
 * A failure that may pass by itself, so the work is tried again later: a service that is
 * unavailable or rate-limits. Every other UpstreamError needs someone to change something.
 */
export function isTransient(err: unknown): boolean {
  return (
    err instanceof UpstreamError && (err.kind === "unavailable" || err.kind === "rate_limited")
  );
}

/** An UpstreamError that will not pass by itself. */
export function isPermanent(err: unknown): err is UpstreamError {
  return err instanceof UpstreamError && !isTransient(err);
}
