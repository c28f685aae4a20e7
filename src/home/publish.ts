import type { SyncOutcome } from "../runs/sync.ts";
import type { SettingsStore } from "../settings/settings-store.ts";
import { homeDashboard } from "../slack/blocks/home/dashboard.ts";
import { FIRST_PAGES, type HomeNav, type HomeNotice } from "../slack/blocks/home/model.ts";
import type { HomePrefs } from "./home-prefs.ts";
import { type HomeLoadDeps, loadIssues, loadRuns } from "./load.ts";
import { isWorkspaceAdmin } from "./permissions.ts";
import type { SetupCheck } from "./setup-check.ts";

export interface PublishRequest {
  user: string;
  team: string;
  nav: HomeNav;
  notice?: HomeNotice;
}

export interface HomeTabDeps extends HomeLoadDeps {
  /** The picked channel's repositories and labels. */
  settings: SettingsStore;
  prefs: HomePrefs;
  setup: SetupCheck;
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
    const [runs, issues, setup] = await Promise.all([
      loadRuns(this.d, viewer, req.nav.runsPage),
      loadIssues(this.d, policy, req.nav.issuesPage, viewer),
      this.setupFor(viewer, req.nav.channel),
    ]);
    const nav = { ...req.nav, runsPage: runs.page, issuesPage: issues.page };
    await slack.views.publish({
      user_id: req.user,
      view: homeDashboard({ nav, notice: req.notice, runs, issues, setup }),
    });
  }

  /**
   * A setup_check notification: the Home of whoever started the check shows its results. Not a
   * setup-check run of this bot: ignored (202). Slack unreachable: it throws, the flow retries.
   */
  async setupCheckReported(executionId: string): Promise<SyncOutcome> {
    const viewer = await this.d.setup.reported(executionId);
    if (!viewer) return "not_a_slack_run";
    await this.publish({
      ...viewer,
      nav: { ...FIRST_PAGES, channel: await this.d.prefs.channel(viewer.user) },
      notice: { kind: "info", text: "The setup check has reported back: its results are below." },
    });
    return "synced";
  }

  /** Only admins and owners see the setup check; when Slack cannot tell, nobody does. */
  private async setupFor(viewer: { team: string; user: string }, picked: string | undefined) {
    try {
      if (!(await isWorkspaceAdmin(this.d, viewer.user))) return undefined;
    } catch (err) {
      this.d.logger.warn({ err, user: viewer.user }, "home: cannot tell whether an admin");
      return undefined;
    }
    return this.d.setup.load(viewer, picked);
  }
}
