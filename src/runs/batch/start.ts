import { BATCH_FLOW_ID, BATCH_INPUTS, LABELS } from "../../contracts/flow.ts";
import type { KestraClient } from "../../kestra/client.ts";
import type { Logger } from "../../logger.ts";
import type { SettingsStore } from "../../settings/settings-store.ts";
import type { Refusal } from "../../shared/refusal.ts";
import { digestMessage } from "../../slack/blocks/digest-message.ts";
import { notStartedText } from "../../slack/blocks/run-notes.ts";
import { shortReason, userMessage } from "../../slack/error-messages.ts";
import type { SlackThreads } from "../../slack/thread.ts";
import { runLabels } from "../context.ts";
import { type FailureReporter, startFailure } from "../failure.ts";
import type { RunRecords } from "../record.ts";
import { UNSTARTED, type UnstartedRuns } from "../unstarted.ts";
import type { BatchDigest } from "./digest.ts";

export interface BatchRequest {
  team: string;
  channel: string;
  user: string;
  repo: { owner: string; repo: string; url: string };
  labels: string[];
  max: number;
  prs: boolean;
  /** The coding agent's model (`model:<id>`); else the channel's, else the environment's. */
  model?: string | undefined;
}

export interface BatchStarterDeps {
  kestra: KestraClient;
  threads: SlackThreads;
  records: RunRecords;
  failures: FailureReporter;
  settings: SettingsStore;
  digest: BatchDigest;
  unstarted: UnstartedRuns;
  logger: Logger;
}

/** Starts batch-issue-autofix: the digest message first (its ts labels the batch), then the run. */
export async function startBatch(
  d: BatchStarterDeps,
  req: BatchRequest,
): Promise<{ ok: true } | { ok: false; refusal: Refusal }> {
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
    await d.threads.join(req.channel);
    rootTs = await d.threads.postRoot(
      req.channel,
      digestMessage({ ...digestBase, status: "queued" }),
    );
  } catch (err) {
    d.logger.warn({ err, channel: req.channel }, "cannot post the batch digest");
    return { ok: false, refusal: { code: "cannot_post", cause: err } };
  }
  const thread = { channel: req.channel, rootTs };
  try {
    await d.records.created(thread);
    await d.unstarted.noted({
      channel: req.channel,
      rootTs,
      user: req.user,
      slug: `batch for ${slug}`,
      issueUrl: undefined,
      failedRoot: digestMessage({
        ...digestBase,
        status: "failed",
        note: notStartedText(UNSTARTED),
      }),
      at: Date.now(),
    });
    const { requireApproval, model } = await d.settings.policy(req.channel);
    const execution = await d.kestra.createExecution(
      BATCH_FLOW_ID,
      {
        [BATCH_INPUTS.repoUrl]: req.repo.url,
        [BATCH_INPUTS.issueLabels]: req.labels.join(","),
        [BATCH_INPUTS.maxIssues]: req.max,
        [BATCH_INPUTS.createPrs]: req.prs,
        [BATCH_INPUTS.waitForApproval]: requireApproval,
        [BATCH_INPUTS.model]: req.model ?? model,
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
          slug,
        }),
        [LABELS.repo]: slug,
      },
    );
    d.records.fresh(execution.id, thread);
    await d.unstarted.settled(req.channel, rootTs);
    d.digest.schedule(execution.id);
    return { ok: true };
  } catch (err) {
    // As a single run's: the digest says it in one line, the admins get the details.
    d.logger.error({ err, repo: slug }, "cannot start the batch");
    await d.unstarted
      .settled(req.channel, rootTs)
      .catch((e: unknown) => d.logger.warn({ err: e }, "cannot forget a failed start"));
    await d.threads
      .update(
        { channel: req.channel, rootTs },
        rootTs,
        digestMessage({ ...digestBase, status: "failed", note: notStartedText(shortReason(err)) }),
      )
      .catch((e: unknown) => d.logger.error({ err: e }, "cannot mark the digest failed"));
    await d.failures
      .alert({
        failure: startFailure(`batch for ${slug}`, req.user, userMessage(err)),
        channel: req.channel,
        thread,
      })
      .catch((e: unknown) => d.logger.error({ err: e }, "cannot report the batch start failure"));
    return {
      ok: false,
      refusal: { code: "not_started", slug, cause: err, retry: false, batch: true },
    };
  }
}
