import type { webApi } from "@slack/bolt";
import { BATCH_FLOW_ID, BATCH_INPUTS, LABELS } from "../../contracts/flow.ts";
import type { KestraClient } from "../../kestra/client.ts";
import type { Logger } from "../../logger.ts";
import type { SettingsStore } from "../../settings/settings-store.ts";
import { digestMessage } from "../../slack/blocks/digest-message.ts";
import { failureAlert, failureReply } from "../../slack/blocks/failure-message.ts";
import { userMessage } from "../../slack/error-messages.ts";
import { runLabels } from "../context.ts";
import type { Links } from "../links.ts";
import type { BatchDigest } from "./digest.ts";

type WebClient = webApi.WebClient;

export interface BatchRequest {
  team: string;
  channel: string;
  user: string;
  repo: { owner: string; repo: string; url: string };
  labels: string[];
  max: number;
  prs: boolean;
}

export interface BatchStarterDeps {
  kestra: KestraClient;
  slack: WebClient;
  settings: SettingsStore;
  digest: BatchDigest;
  links: Links;
  logger: Logger;
}

/** Starts batch-issue-autofix: the digest message first (its ts labels the batch), then the run. */
export async function startBatch(
  d: BatchStarterDeps,
  req: BatchRequest,
): Promise<{ ok: boolean; message?: string }> {
  const slug = `${req.repo.owner}/${req.repo.repo}`;
  const digestBase = {
    repo: slug,
    repoUrl: req.repo.url,
    labels: req.labels.join(","),
    max: req.max,
    prs: req.prs,
    requester: req.user,
    kestraUrl: req.repo.url,
    rows: [],
    skipped: [],
  };
  let rootTs: string;
  try {
    const res = await d.slack.chat.postMessage({
      channel: req.channel,
      ...digestMessage({ ...digestBase, status: "queued" }),
      unfurl_links: false,
    });
    rootTs = res.ts ?? "";
  } catch (err) {
    d.logger.warn({ err, channel: req.channel }, "cannot post the batch digest");
    return {
      ok: false,
      message: "I cannot post in this channel. Invite the bot first (`/invite @autofix`).",
    };
  }
  try {
    const { requireApproval } = await d.settings.policy(req.channel);
    const execution = await d.kestra.createExecution(
      BATCH_FLOW_ID,
      {
        [BATCH_INPUTS.repoUrl]: req.repo.url,
        [BATCH_INPUTS.issueLabels]: req.labels.join(","),
        [BATCH_INPUTS.maxIssues]: req.max,
        [BATCH_INPUTS.createPrs]: req.prs,
        [BATCH_INPUTS.waitForApproval]: requireApproval,
      },
      {
        ...runLabels({
          team: req.team,
          channel: req.channel,
          rootTs,
          user: req.user,
          repo: slug,
          issue: undefined,
          title: undefined,
        }),
        [LABELS.repo]: slug,
      },
    );
    await d.digest.refresh(execution.id).catch((err: unknown) => {
      d.logger.warn({ err, executionId: execution.id }, "first digest render failed");
    });
    return { ok: true };
  } catch (err) {
    const message = userMessage(err);
    d.logger.error({ err, repo: slug }, "cannot start the batch");
    const failure = {
      slug: `batch for ${slug}`,
      executionId: undefined,
      failedTask: "start",
      reason: message,
      logExcerpt: undefined,
      kestraUrl: undefined,
      requester: req.user,
    };
    await d.slack.chat
      .update({
        channel: req.channel,
        ts: rootTs,
        ...digestMessage({ ...digestBase, status: "failed" }),
      })
      .catch((e: unknown) => d.logger.error({ err: e }, "cannot mark the digest failed"));
    await d.slack.chat
      .postMessage({ channel: req.channel, thread_ts: rootTs, ...failureReply(failure) })
      .catch((e: unknown) => d.logger.error({ err: e }, "cannot explain the batch failure"));
    const alertChannel = (await d.settings.policyOrDefaults(req.channel)).alertChannel;
    if (alertChannel) {
      await d.slack.chat
        .postMessage({ channel: alertChannel, ...failureAlert(failure) })
        .catch((e: unknown) => d.logger.error({ err: e }, "cannot alert"));
    }
    return { ok: false, message: `The batch could not start: ${message}` };
  }
}
