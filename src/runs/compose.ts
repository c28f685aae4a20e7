import type { GitHubClient } from "../github/client.ts";
import type { EtagStore } from "../github/conditional.ts";
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
import { OperationFinisher } from "./finish-operation.ts";
import { FollowUps } from "./follow-up.ts";
import type { Links } from "./links.ts";
import type { RunLock } from "./lock.ts";
import { RunOperations } from "./operations.ts";
import { PrFollower, type PrFollowOptions } from "./pr-follow.ts";
import type { FollowStore } from "./pr-follow-store.ts";
import { PrStates } from "./pr-states.ts";
import { PrTracking } from "./pr-track.ts";
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
import { UnshownEdits } from "./unshown-edits.ts";
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
  /** Following the PRs that runs open: where it is kept, the ETags, for how long and how often. */
  prFollow: { store: FollowStore; etags: EtagStore; options: PrFollowOptions };
  now?: (() => number) | undefined;
}

/**
 * The run services, each built once, in the order they depend on each other: nothing is bound
 * late, so the dependency graph has no cycle (the no-circular rule checks the imports).
 */
export function composeRuns(d: RunServicesDeps) {
  const { kestra, threads, records, lock, settings, approvers, links, logger, webHost } = d;
  const { store, etags, options } = d.prFollow;
  const reader = new RunReader(kestra);
  const failures = new FailureReporter({ threads, settings, logger });
  const prs = new PrStates({ store, github: d.github, etags, logger });
  const views = new RunViews({ reader, records, prs });
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
    views,
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
      failures.alert({
        failure: startFailure(p.slug, p.user, reason),
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
  const operationFinisher = new OperationFinisher({ kestra, threads, starter, logger });
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
    operationFinisher,
    steps,
    views,
    failures,
    links,
    digest,
    follow: new PrTracking({ store, enabled: options.days > 0, now: d.now }),
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
    approvers,
    lock,
    syncer,
    settings,
    finisher: operationFinisher,
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
  const unshown = new UnshownEdits({ records, reader, failures, links, logger });
  const followUps = new FollowUps({
    kestra,
    store,
    github: d.github,
    etags,
    records,
    threads,
    lock,
    settings,
    approvers,
    starter,
    logger,
  });
  const prFollower = new PrFollower({
    store,
    github: d.github,
    etags,
    records,
    threads,
    lock,
    settings,
    failures,
    sync: (id) => syncer.sync(id),
    logger,
    options,
    ...(d.now ? { now: d.now } : {}),
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
    followUps,
    prFollower,
    reader,
    failures,
    unshown,
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
