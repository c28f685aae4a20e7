import type { webApi } from "@slack/bolt";
import { LABELS, SINGLE_FLOW_ID, SINGLE_INPUTS } from "../contracts/flow.ts";
import { InputError, UpstreamError } from "../errors.ts";
import { type GitHubClient, getIssue } from "../github/client.ts";
import type { InputValue, KestraClient } from "../kestra/client.ts";
import { ACTIVE_STATES } from "../kestra/types.ts";
import type { Logger } from "../logger.ts";
import type { SettingsStore } from "../settings/settings-store.ts";
import { type IssueRef, issueSlug, issueUrl, repoUrl } from "../shared/issue-url.ts";
import { failureAlert, failureReply } from "../slack/blocks/failure-message.ts";
import { rootMessage } from "../slack/blocks/root-message.ts";
import { userMessage } from "../slack/error-messages.ts";
import { link } from "../slack/mrkdwn.ts";
import { runLabels } from "./context.ts";
import type { Links } from "./links.ts";
import type { RunSyncer } from "./sync.ts";

type WebClient = webApi.WebClient;

export interface StartRequest {
  team: string;
  channel: string;
  user: string;
  issue: IssueRef;
  /** Reuse this thread (its root follows the new run) instead of posting a new root message. */
  rootTs?: string;
  /** More flow inputs (e.g. Revise's feedback and previous patch). */
  extraInputs?: Record<string, InputValue>;
}

export type StartResult =
  | { ok: true; executionId: string; rootTs: string }
  | { ok: false; message: string; rootTs?: string };

export interface StarterDeps {
  kestra: KestraClient;
  github: GitHubClient;
  slack: WebClient;
  syncer: RunSyncer;
  logger: Logger;
  settings: SettingsStore;
  links: Links;
}

/** Starts one autofix run: root message first (its ts labels the run), then the Kestra execution. */
export class RunStarter {
  private readonly d: StarterDeps;
  constructor(deps: StarterDeps) {
    this.d = deps;
  }

  async start(req: StartRequest): Promise<StartResult> {
    const slug = issueSlug(req.issue);
    const url = issueUrl(req.issue);
    // One live run per issue (a revision replaces its run in the same thread, so it may overlap).
    if (!req.rootTs) {
      const active = await this.activeRun(req.issue);
      if (active) {
        return {
          ok: false,
          message: `A run for ${slug} is already in progress (${link(this.d.links.execution(SINGLE_FLOW_ID, active), "Kestra execution")}): follow it in its thread, or \`/autofix cancel ${active}\` first.`,
        };
      }
    }
    let title: string | undefined;
    try {
      const info = await getIssue(this.d.github, req.issue);
      if (info.isPullRequest) throw new InputError(`${slug} is a pull request, not an issue.`);
      title = info.title;
    } catch (err) {
      if (err instanceof UpstreamError && err.kind === "unavailable") {
        // The worker reads the issue itself; a GitHub blip here only costs the title.
        this.d.logger.warn({ err, slug }, "issue title unavailable");
      } else {
        return { ok: false, message: userMessage(err) };
      }
    }

    const base = {
      slug,
      issueUrl: url,
      title,
      requester: req.user,
      kestraUrl: undefined,
      prUrl: undefined,
      note: undefined,
    };
    const rootTs = req.rootTs ?? (await this.postRoot(req.channel, base));
    if (rootTs === undefined) {
      return {
        ok: false,
        message:
          "I cannot post in this channel. Invite the bot first (`/invite @autofix`), or run the command in a channel where it is a member.",
      };
    }

    try {
      const { requireApproval } = await this.d.settings.policy(req.channel);
      const execution = await this.d.kestra.createExecution(
        SINGLE_FLOW_ID,
        {
          [SINGLE_INPUTS.issueUrl]: url,
          [SINGLE_INPUTS.repoUrl]: repoUrl(req.issue),
          [SINGLE_INPUTS.applyFix]: true,
          // A channel that does not ask for approval gets its PR straight away.
          [SINGLE_INPUTS.createPr]: !requireApproval,
          [SINGLE_INPUTS.waitForApproval]: requireApproval,
          ...req.extraInputs,
        },
        runLabels({
          team: req.team,
          channel: req.channel,
          rootTs,
          user: req.user,
          repo: `${req.issue.owner}/${req.issue.repo}`,
          issue: String(req.issue.number),
          title,
        }),
      );
      await this.d.syncer.sync(execution.id).catch((err: unknown) => {
        // The reconciler or the next notification brings the thread up to date.
        this.d.logger.warn({ err, executionId: execution.id }, "first sync failed");
      });
      return { ok: true, executionId: execution.id, rootTs };
    } catch (err) {
      const message = userMessage(err);
      this.d.logger.error({ err, slug }, "cannot start the Kestra run");
      await this.reportStartFailure(req, rootTs, { ...base, note: message }, message, url);
      return { ok: false, message: `The run could not start: ${message}`, rootTs };
    }
  }

  private async postRoot(
    channel: string,
    base: Omit<Parameters<typeof rootMessage>[0], "status">,
  ): Promise<string | undefined> {
    try {
      const res = await this.d.slack.chat.postMessage({
        channel,
        ...rootMessage({ ...base, status: "queued" }),
        unfurl_links: false,
      });
      return res.ts ?? "";
    } catch (err) {
      this.d.logger.warn({ err, channel }, "cannot post root message");
      return undefined;
    }
  }

  /** The newest run of this issue that has not ended, if any. */
  private async activeRun(issue: IssueRef): Promise<string | undefined> {
    const { results } = await this.d.kestra.searchExecutions({
      flowId: SINGLE_FLOW_ID,
      labels: {
        [LABELS.repo]: `${issue.owner}/${issue.repo}`,
        [LABELS.issue]: String(issue.number),
      },
      states: ACTIVE_STATES,
      size: 1,
    });
    return results[0]?.id;
  }

  /** Nothing stays at Queued: the root shows Failed, the thread explains, the alert channel hears. */
  private async reportStartFailure(
    req: StartRequest,
    rootTs: string,
    base: Omit<Parameters<typeof rootMessage>[0], "status">,
    message: string,
    url: string,
  ): Promise<void> {
    const failure = {
      slug: base.slug,
      executionId: undefined,
      failedTask: "start",
      reason: message,
      logExcerpt: undefined,
      kestraUrl: undefined,
      requester: req.user,
      retryIssueUrl: url,
    };
    const steps: [string, () => Promise<unknown>][] = [
      [
        "root",
        () =>
          this.d.slack.chat.update({
            channel: req.channel,
            ts: rootTs,
            ...rootMessage({ ...base, status: "failed" }),
          }),
      ],
      [
        "reply",
        () =>
          this.d.slack.chat.postMessage({
            channel: req.channel,
            thread_ts: rootTs,
            ...failureReply(failure),
          }),
      ],
    ];
    const alertChannel = (await this.d.settings.policyOrDefaults(req.channel)).alertChannel;
    if (alertChannel) {
      steps.push([
        "alert",
        async () => {
          const link = await this.d.slack.chat
            .getPermalink({ channel: req.channel, message_ts: rootTs })
            .then((r) => r.permalink)
            .catch(() => undefined);
          return this.d.slack.chat.postMessage({
            channel: alertChannel,
            ...failureAlert({ ...failure, ...(link ? { threadLink: link } : {}) }),
          });
        },
      ]);
    }
    for (const [name, step] of steps) {
      await step().catch((err: unknown) =>
        this.d.logger.error({ err, step: name }, "cannot report start failure"),
      );
    }
  }
}
