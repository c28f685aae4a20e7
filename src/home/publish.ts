import type { Services } from "../services.ts";
import { homeDashboard } from "../slack/blocks/home/dashboard.ts";
import { loadIssues, loadRuns } from "./load.ts";
import type { HomeNav, HomeNotice } from "./model.ts";

export interface PublishRequest {
  user: string;
  team: string;
  nav: HomeNav;
  notice?: HomeNotice;
}

/** Loads the dashboard for a user and publishes it as their Home tab. */
export async function publishHome(s: Services, req: PublishRequest): Promise<void> {
  const policy = req.nav.channel
    ? await s.settings.policyOrDefaults(req.nav.channel)
    : s.settings.defaultPolicy;
  const viewer = { team: req.team, user: req.user };
  const [runs, issues] = await Promise.all([
    loadRuns(s, viewer, req.nav.runsPage),
    loadIssues(s, policy, req.nav.issuesPage, viewer),
  ]);
  const nav = { ...req.nav, runsPage: runs.page, issuesPage: issues.page };
  await s.slack.views.publish({
    user_id: req.user,
    view: homeDashboard({ nav, notice: req.notice, runs, issues }),
  });
}

/** The workspace of an interaction or event; the bot's own workspace when Slack does not say. */
export async function teamOf(s: Services, ...candidates: (string | null | undefined)[]) {
  const given = candidates.find((c): c is string => typeof c === "string" && c.length > 0);
  if (given) return given;
  return (await s.slack.auth.test()).team_id ?? "";
}
