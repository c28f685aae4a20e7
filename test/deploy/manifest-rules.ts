// The Slack app manifest rules this project relies on, taken from slackapi/manifest-schema
// (manifest.schema.1.0.0.json) and Slack's docs, so the tests need no network or shared files.

export const MANIFEST_LIMITS = {
  appName: { min: 1, max: 35 },
  appDescription: { min: 1, max: 140 },
  botDisplayName: { min: 1, max: 80 },
  command: { min: 2, max: 32, pattern: /^\// },
  commandDescription: { min: 1, max: 2000 },
  usageHint: { min: 1, max: 1000 },
  requestUrl: { max: 3500, pattern: /^https?:\/\// },
  backgroundColor: /^#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?$/,
} as const;

/** Top-level and section keys the schema allows (additionalProperties: false). */
export const MANIFEST_KEYS = {
  top: ["_metadata", "display_information", "features", "oauth_config", "settings"],
  display_information: ["name", "description", "background_color", "long_description"],
  features: ["app_home", "bot_user", "slash_commands", "shortcuts", "unfurl_domains"],
  app_home: ["home_tab_enabled", "messages_tab_enabled", "messages_tab_read_only_enabled"],
  bot_user: ["display_name", "always_online"],
  slash_command: ["command", "url", "description", "usage_hint", "should_escape"],
  settings: [
    "event_subscriptions",
    "interactivity",
    "org_deploy_enabled",
    "socket_mode_enabled",
    "token_rotation_enabled",
  ],
  event_subscriptions: ["request_url", "bot_events", "user_events"],
  interactivity: ["is_enabled", "request_url"],
} as const;

/**
 * Exactly the bot scopes the app needs:
 * commands (/autofix), chat:write (run thread), chat:write.public (threads and alerts in public
 * channels the bot is not a member of), files:write (diff snippet), usergroups:read (approver groups),
 * users:read (users.info: only workspace admins/owners or approvers may edit channel settings),
 * channels:read and groups:read (conversations.info: the setup check asks whether the bot is a member),
 * *:history (conversations.replies: the bot reads a run's thread back to know what it posted;
 * conversations.history: it finds an alert already posted in the alerts channel), channels:join
 * (it joins a public channel before its first thread there: reading back needs membership).
 */
export const EXPECTED_BOT_SCOPES = [
  "commands",
  "chat:write",
  "chat:write.public",
  "files:write",
  "usergroups:read",
  "users:read",
  "channels:read",
  "groups:read",
  "channels:history",
  "groups:history",
  "im:history",
  "mpim:history",
  "channels:join",
  "app_mentions:read",
  "reactions:write",
] as const;

/** The events the bot listens to: the Home, mentions in channels, and its DMs. */
export const EXPECTED_BOT_EVENTS = ["app_home_opened", "app_mention", "message.im"] as const;

export const HTTP_REQUEST_URL = "https://YOUR-HOST/slack/events";
