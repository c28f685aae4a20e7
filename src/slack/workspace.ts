import type { webApi } from "@slack/bolt";

/** The workspace of an interaction or event; the bot's own workspace when Slack does not say. */
export async function teamOf(
  slack: webApi.WebClient,
  ...candidates: (string | null | undefined)[]
): Promise<string> {
  const given = candidates.find((c): c is string => typeof c === "string" && c.length > 0);
  if (given) return given;
  return (await slack.auth.test()).team_id ?? "";
}
