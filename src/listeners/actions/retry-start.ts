import type { Services } from "../../services.ts";
import { parseIssueUrl } from "../../shared/issue-url.ts";
import { notAllowedMessage } from "../../slack/allow-list.ts";
import { clickHandler } from "./click.ts";

/** Retry of a run that never started: the value is re-checked exactly like typed input. */
export const retryStartAction = (s: Services) =>
  clickHandler(s, async (click) => {
    const parsed = parseIssueUrl(click.executionId, s.webHost);
    if (!parsed.ok) return `That is not a GitHub issue URL: ${parsed.reason}.`;
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
