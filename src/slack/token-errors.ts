import { ConfigError } from "../errors.ts";

// Slack's answers to a token it will not take, at auth.test (bot token) or apps.connections.open
// (app-level token). Retrying never helps, so they stop the bot as a configuration error naming
// the variable; the Socket Mode SDK would otherwise crash on some and retry others forever.

const REFUSALS: Record<string, string> = {
  not_authed: "no token was sent",
  invalid_auth: "Slack does not know this token",
  token_revoked: "the token was revoked",
  token_expired: "the token has expired",
  account_inactive: "the token's user or workspace is deactivated",
  not_allowed_token_type: "it is the wrong kind of token",
  missing_scope: "the token lacks a scope it needs",
};

const FIXES = {
  SLACK_BOT_TOKEN:
    "copy the Bot User OAuth Token (xoxb-…) from OAuth & Permissions again, reinstalling the app to the workspace if it was revoked",
  SLACK_APP_TOKEN:
    "create an app-level token (xapp-…) with the connections:write scope under Basic Information → App-Level Tokens, or leave SLACK_APP_TOKEN empty for HTTP mode",
};

export type TokenVariable = keyof typeof FIXES;

/** The Slack error code of a refused Web API call (e.g. "invalid_auth"), else undefined. */
export function slackErrorCode(err: unknown): string | undefined {
  // Checked by shape: the Socket Mode client may carry its own copy of @slack/web-api.
  const e = err as { code?: unknown; data?: { error?: unknown } } | undefined;
  if (e?.code !== "slack_webapi_platform_error" || typeof e.data?.error !== "string") return;
  return e.data.error;
}

/** A ConfigError naming `variable` when `err` is Slack refusing its token; otherwise undefined. */
export function refusedToken(err: unknown, variable: TokenVariable): ConfigError | undefined {
  const code = slackErrorCode(err);
  const why = code === undefined ? undefined : REFUSALS[code];
  if (why === undefined) return;
  return new ConfigError([
    `${variable} was refused by Slack (${code}: ${why}): ${FIXES[variable]}.`,
  ]);
}
