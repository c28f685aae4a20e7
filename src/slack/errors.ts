import { UpstreamError, type UpstreamKind } from "../errors.ts";
import { slackErrorCode } from "./token-errors.ts";

// The one classification of Slack's failures, as githubError does for GitHub: every Web API error
// becomes UpstreamError("slack", kind). "unavailable" and "rate_limited" pass (the WebClient has
// already retried them); every other kind stays until someone changes something.

const PLATFORM: Record<string, UpstreamKind> = {
  // The token or its rights.
  not_authed: "unauthorized",
  invalid_auth: "unauthorized",
  account_inactive: "unauthorized",
  token_revoked: "unauthorized",
  token_expired: "unauthorized",
  no_permission: "unauthorized",
  missing_scope: "unauthorized",
  not_allowed_token_type: "unauthorized",
  ekm_access_denied: "unauthorized",
  // What the call names is not there (or not for this bot).
  channel_not_found: "not_found",
  thread_not_found: "not_found",
  message_not_found: "not_found",
  file_not_found: "not_found",
  user_not_found: "not_found",
  // The conversation does not allow it now.
  is_archived: "conflict",
  not_in_channel: "conflict",
  cant_update_message: "conflict",
  edit_window_closed: "conflict",
  restricted_action: "conflict",
  restricted_action_read_only_channel: "conflict",
  restricted_action_thread_only_channel: "conflict",
  restricted_action_non_threadable_channel: "conflict",
  team_access_not_granted: "conflict",
  // Slack's side.
  ratelimited: "rate_limited",
  internal_error: "unavailable",
  fatal_error: "unavailable",
  service_unavailable: "unavailable",
  request_timeout: "unavailable",
};

/** UpstreamError("slack", …) for a failed Web API call `method`; other errors are returned as they are. */
export function slackError(err: unknown, method: string): unknown {
  if (err instanceof UpstreamError) return err;
  const e = err as { code?: unknown; statusCode?: unknown; message?: unknown } | undefined;
  const code = slackErrorCode(err);
  if (code !== undefined) {
    return new UpstreamError(
      "slack",
      PLATFORM[code] ?? "invalid",
      `Slack refused ${method}: ${code}`,
      {
        cause: err,
        detail: code,
      },
    );
  }
  switch (e?.code) {
    case "slack_webapi_rate_limited_error":
      return new UpstreamError("slack", "rate_limited", `Slack rate-limited ${method}`, {
        cause: err,
      });
    case "slack_webapi_http_error": {
      const status = typeof e.statusCode === "number" ? e.statusCode : 0;
      const kind: UpstreamKind =
        status === 429 ? "rate_limited" : status >= 500 ? "unavailable" : "invalid";
      return new UpstreamError("slack", kind, `Slack answered ${status} to ${method}`, {
        cause: err,
        status,
      });
    }
    case "slack_webapi_request_error":
      return new UpstreamError("slack", "unavailable", `Slack is unreachable (${method})`, {
        cause: err,
      });
    default:
      return err;
  }
}

/** Runs a Web API call; a failure becomes the classified UpstreamError. */
export async function slackCall<T>(method: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw slackError(err, method);
  }
}
