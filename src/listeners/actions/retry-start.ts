import type { Services } from "../../services.ts";
import { notAllowedMessage, parseCommand } from "../../slack/command-parser.ts";
import { clickHandler } from "./click.ts";

/** Retry of a run that never started: the value is re-checked exactly like typed input. */
export const retryStartAction = (s: Services) =>
  clickHandler(s, async (click) => {
    const parsed = parseCommand(click.executionId, { webHost: s.webHost });
    if (parsed.kind !== "fix") return parsed.kind === "error" ? parsed.message : undefined;
    const policy = await s.settings.policy(click.channel);
    const refused = notAllowedMessage(parsed.issue, policy.allowedRepos, s.webHost);
    if (refused) return refused;
    const team = (await s.slack.auth.test()).team_id ?? "";
    const result = await s.starter.start({
      team,
      channel: click.channel,
      user: click.user,
      issue: parsed.issue,
    });
    return result.ok ? undefined : result.message;
  });
