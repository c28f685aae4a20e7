import type { GitHubClient } from "../github/client.ts";
import type { KestraClient } from "../kestra/client.ts";
import type { Logger } from "../logger.ts";
import type { SettingsStore } from "../settings/settings-store.ts";
import type { Approvers } from "../slack/approvers.ts";
import type { SlackConversations } from "../slack/conversation.ts";
import type { SlackThreads } from "../slack/thread.ts";
import type { Background } from "./background.ts";
import { BatchDigest } from "./batch/digest.ts";
import { RunDecisions } from "./decisions.ts";
import { FailureReporter, startFailure } from "./failure.ts";
import { IssueFilings } from "./filing.ts";
import { DecisionFinisher } from "./finish-decision.ts";
import type { Links } from "./links.ts";
import type { RunLock } from "./lock.ts";
import { RunOperations } from "./operations.ts";
import { RunReactions } from "./reactions.ts";
import { RunReader } from "./read.ts";
import type { RunRecords } from "./record.ts";
import { RevisionStarter, RunRevisions } from "./revise.ts";
import { RootClaim } from "./root-claim.ts";
import type { StartLedger } from "./start-ledger.ts";
import { RunStarter } from "./starter.ts";
import { RunSyncer } from "./sync.ts";
import { ThreadStarter } from "./thread-start.ts";
import { ThreadSync } from "./thread-sync.ts";
import { type PendingStore, UnstartedRuns } from "./unstarted.ts";
import { RunViews } from "./views.ts";

export interface RunServicesDeps {
  kestra: KestraClient;
  github: GitHubClient;
  threads: SlackThreads;
  /** What people wrote where they asked (mentions, DMs). */
  conversations: SlackConversations;
  records: RunRecords;
  lock: RunLock;
  /** The runs just started, by issue (one live run per issue). */
  ledger: StartLedger;
  /** Roots posted whose execution is not created yet. */
  pending: PendingStore;
  settings: SettingsStore;
  approvers: Approvers;
  links: Links;
  background: Background;
  logger: Logger;
  webHost: string;
  /** Aborted at shutdown: ends the waits of resumes. */
  signal: AbortSignal;
  resumeBackoffMs: number;
  digestWindowMs?: number | undefined;
}

/**
 * The run services, each built once, in the order they depend on each other: nothing is bound
 * late, so the dependency graph has no cycle (the no-circular rule checks the imports).
 */
export function composeRuns(d: RunServicesDeps) {
  const { kestra, threads, records, lock, settings, approvers, links, logger, webHost } = d;
  const reader = new RunReader(kestra);
  const failures = new FailureReporter({ threads, settings, logger });
  const views = new RunViews({ reader, records });
  const digest = new BatchDigest({
    kestra,
    reader,
    records,
    threads,
    failures,
    links,
    lock,
    background: d.background,
    logger,
    ...(d.digestWindowMs !== undefined ? { windowMs: d.digestWindowMs } : {}),
  });
  const steps = new ThreadSync({
    reader,
    threads,
    failures,
    links,
    approvers,
    settings,
    logger,
    digest,
  });
  const rootClaim = new RootClaim({ lock, records, steps, views });
  const unstarted = new UnstartedRuns({
    store: d.pending,
    shared: lock.shared,
    kestra,
    threads,
    logger,
    report: (p, reason) =>
      failures.report({
        failure: startFailure(p.slug, p.user, reason, p.issueUrl),
        channel: p.channel,
        thread: { channel: p.channel, rootTs: p.rootTs, threadTs: p.threadTs },
        meta: { run: `start:${p.rootTs}`, key: "failure:start" },
      }),
  });
  const starter = new RunStarter({
    kestra,
    github: d.github,
    threads,
    records,
    rootClaim,
    lock,
    ledger: d.ledger,
    unstarted,
    failures,
    logger,
    settings,
    links,
  });
  const revisionStarter = new RevisionStarter({
    reader,
    views,
    starter,
    records,
    threads,
    webHost,
    logger,
  });
  const finisher = new DecisionFinisher({
    kestra,
    threads,
    steps,
    revisions: revisionStarter,
    logger,
    resumeBackoffMs: d.resumeBackoffMs,
    signal: d.signal,
  });
  const reactions = new RunReactions({
    threads,
    logger,
    alert: (key, headline, detail) => failures.adminAlert(key, headline, detail),
  });
  const syncer = new RunSyncer({
    reader,
    records,
    lock,
    finisher,
    steps,
    views,
    failures,
    links,
    digest,
    reactions,
  });
  const decisions = new RunDecisions({
    kestra,
    records,
    lock,
    syncer,
    views,
    finisher,
    approvers,
    settings,
  });
  const operations = new RunOperations({
    kestra,
    records,
    threads,
    approvers,
    lock,
    syncer,
    settings,
    starter,
  });
  const revisions = new RunRevisions({
    kestra,
    views,
    decisions,
    revisionStarter,
    records,
    lock,
    settings,
    approvers,
    webHost,
  });
  const threadStarter = new ThreadStarter({ lock, conversations: d.conversations, starter });
  const filings = new IssueFilings({
    kestra,
    threads,
    threadStarter,
    ledger: d.ledger,
    lock,
    failures,
    links,
    logger,
    webHost,
  });
  return {
    reader,
    failures,
    views,
    digest,
    starter,
    threadStarter,
    filings,
    syncer,
    decisions,
    operations,
    revisions,
    unstarted,
  };
}

export type RunServices = ReturnType<typeof composeRuns>;
