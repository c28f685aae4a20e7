import type { SettingsStore } from "../settings/settings-store.ts";
import { homeDashboard } from "../slack/blocks/home/dashboard.ts";
import type { HomeNav, HomeNotice } from "../slack/blocks/home/model.ts";
import { type HomeLoadDeps, loadIssues, loadRuns } from "./load.ts";

export interface PublishRequest {
  user: string;
  team: string;
  nav: HomeNav;
  notice?: HomeNotice;
}

export interface HomeTabDeps extends HomeLoadDeps {
  /** The picked channel's repositories and labels. */
  settings: SettingsStore;
}

/** A user's App Home tab: loads the dashboard and publishes it. */
export class HomeTab {
  private readonly d: HomeTabDeps;

  constructor(deps: HomeTabDeps) {
    this.d = deps;
  }

  async publish(req: PublishRequest): Promise<void> {
    const { settings, slack } = this.d;
    const policy = req.nav.channel
      ? await settings.policyOrDefaults(req.nav.channel)
      : settings.defaultPolicy;
    const viewer = { team: req.team, user: req.user };
    const [runs, issues] = await Promise.all([
      loadRuns(this.d, viewer, req.nav.runsPage),
      loadIssues(this.d, policy, req.nav.issuesPage, viewer),
    ]);
    const nav = { ...req.nav, runsPage: runs.page, issuesPage: issues.page };
    await slack.views.publish({
      user_id: req.user,
      view: homeDashboard({ nav, notice: req.notice, runs, issues }),
    });
  }
}
