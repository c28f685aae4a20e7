import type { RunStarter } from "../../runs/starter.ts";
import type { SettingsStore } from "../../settings/settings-store.ts";
import { parseIssueUrl } from "../../shared/issue-url.ts";
import { notAllowedMessage } from "../../slack/allow-list.ts";
import { teamOf } from "../../slack/workspace.ts";
import { type ClickDeps, clickHandler } from "./click.ts";

export interface RetryStartDeps extends ClickDeps {
  settings: SettingsStore;
  starter: RunStarter;
  webHost: string;
}

/** Retry of a run that never started: the value is re-checked exactly like typed input. */
export const retryStartAction = (d: RetryStartDeps) =>
  clickHandler(d, async (click) => {
    const parsed = parseIssueUrl(click.executionId, d.webHost);
    if (!parsed.ok) return `That is not a GitHub issue URL: ${parsed.reason}.`;
    const policy = await d.settings.policy(click.channel);
    const refused = notAllowedMessage(parsed.issue, policy.allowedRepos, d.webHost);
    if (refused) return refused;
    const result = await d.starter.start({
      team: await teamOf(d.slack),
      channel: click.channel,
      user: click.user,
      issue: parsed.issue,
    });
    return result.ok ? undefined : result.refusal;
  });
