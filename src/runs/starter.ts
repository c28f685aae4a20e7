import { LABELS, SINGLE_FLOW_ID, SINGLE_INPUTS } from "../contracts/flow.ts";
import { InputError, UpstreamError } from "../errors.ts";
import { type GitHubClient, getIssue } from "../github/client.ts";
import type { InputValue, KestraClient } from "../kestra/client.ts";
import { ACTIVE_STATES, type Execution, isTerminal } from "../kestra/types.ts";
import type { Logger } from "../logger.ts";
import type { SettingsStore } from "../settings/settings-store.ts";
import { type IssueRef, issueSlug, issueUrl, repoUrl } from "../shared/issue-url.ts";
import type { Refusal } from "../shared/refusal.ts";
import { WorkQueue } from "../shared/work-queue.ts";
import { rootMessage } from "../slack/blocks/root-message.ts";
import { notStartedText } from "../slack/blocks/run-notes.ts";
import type { Message } from "../slack/blocks/types.ts";
import { shortReason, userMessage } from "../slack/error-messages.ts";
import type { SlackThreads, ThreadRef } from "../slack/thread.ts";
import { type RunContext, runLabels } from "./context.ts";
import { type FailureReporter, startFailure } from "./failure.ts";
import type { Links } from "./links.ts";
import type { RunLock } from "./lock.ts";
import type { RunRecords } from "./record.ts";
import type { RootClaim } from "./root-claim.ts";
import type { StartLedger } from "./start-ledger.ts";
import { startOf } from "./status.ts";
import { UNSTARTED, type UnstartedRuns } from "./unstarted.ts";

export interface StartRequest {
  team: string;
  channel: string;
  user: string;
  issue: IssueRef;
  /** Reuse this thread (its root follows the new run) instead of posting a new root message. */
  rootTs?: string;
  /** The coding agent's model (`model:<id>`); else the channel's, else the environment's. */
  model?: string | undefined;
  /** A person's thread the root is a reply in (a mention asked); else the root starts a thread. */
  threadTs?: string;
  /** The message that asked (a mention, a DM): the run's status reactions go there. */
  askTs?: string;
  /** More flow inputs (e.g. Revise's feedback and previous patch). */
  extraInputs?: Record<string, InputValue>;
}

export type StartResult =
  | { ok: true; executionId: string; rootTs: string }
  | { ok: false; refusal: Refusal; rootTs?: string };

const START_CONCURRENCY = 4;

/** The old run's labels, Kestra's own (system.*) left out. */
function labelsOf(old: Execution): Record<string, string> {
  return Object.fromEntries(
    old.labels.filter((l) => !l.key.startsWith("system.")).map((l) => [l.key, l.value]),
  );
}

/** The lock (and ledger key) of one issue's starts. */
function issueKey(repo: string, issue: string): string {
  return `issue:${repo.toLowerCase()}#${issue}`;
}

export interface StarterDeps {
  kestra: KestraClient;
  github: GitHubClient;
  threads: SlackThreads;
  records: RunRecords;
  rootClaim: RootClaim;
  lock: RunLock;
  ledger: StartLedger;
  unstarted: UnstartedRuns;
  failures: FailureReporter;
  logger: Logger;
  settings: SettingsStore;
  links: Links;
}

/** Starts one autofix run: root message first (its ts labels the run), then the Kestra execution. */
export class RunStarter {
  private readonly d: StarterDeps;
  /** Starts in flight at once; the others queue (a burst of commands keeps its acks fast). */
  private readonly queue = new WorkQueue(START_CONCURRENCY);
  constructor(deps: StarterDeps) {
    this.d = deps;
  }

  /**
   * One live run per issue: the check and the start hold the issue's lock (across replicas), so
   * two quick commands start one run. A revision replaces its run in the same thread, so it may
   * overlap it.
   */
  start(req: StartRequest): Promise<StartResult> {
    return this.queue.run(() => this.startOne(req));
  }

  private async startOne(req: StartRequest): Promise<StartResult> {
    if (req.rootTs) return this.startNow(req);
    const repo = `${req.issue.owner}/${req.issue.repo}`;
    const issue = String(req.issue.number);
    return this.d.lock.run(issueKey(repo, issue), async () => {
      const slug = issueSlug(req.issue);
      try {
        const active = await this.liveRun(repo, issue);
        if (active) return this.busy(slug, active);
      } catch (err) {
        return this.cannotStart(req, slug, undefined, err);
      }
      const result = await this.startNow(req);
      if (result.ok) await this.d.ledger.started(issueKey(repo, issue), result.executionId);
      return result;
    });
  }

  private busy(slug: string, active: string): StartResult {
    const kestraUrl = this.d.links.execution(SINGLE_FLOW_ID, active);
    return { ok: false, refusal: { code: "busy", slug, executionId: active, kestraUrl } };
  }

  private async startNow(req: StartRequest): Promise<StartResult> {
    const slug = issueSlug(req.issue);
    const url = issueUrl(req.issue);
    let title: string | undefined;
    try {
      const info = await getIssue(this.d.github, req.issue);
      if (info.isPullRequest) throw new InputError(`${slug} is a pull request, not an issue.`);
      title = info.title;
    } catch (err) {
      if (!(err instanceof UpstreamError && err.kind === "unavailable")) {
        return { ok: false, refusal: { code: "issue_refused", cause: err } };
      }
      // The worker reads the issue itself; a GitHub blip here only costs the title.
      this.d.logger.warn({ err, slug }, "issue title unavailable");
    }
    const root = { slug, issueUrl: url, title, requester: req.user };
    let rootTs = req.rootTs;
    if (rootTs === undefined) {
      try {
        // Membership first: the bot reads its threads back later.
        await this.d.threads.join(req.channel);
        rootTs = await this.d.threads.postRoot(
          req.channel,
          rootMessage({
            ...root,
            status: "queued",
            kestraUrl: undefined,
            prUrl: undefined,
            note: undefined,
          }),
          undefined,
          req.threadTs,
        );
      } catch (err) {
        this.d.logger.warn({ err, channel: req.channel }, "cannot post root message");
        return { ok: false, refusal: { code: "cannot_post", cause: err } };
      }
    }
    const thread = { channel: req.channel, rootTs, threadTs: req.threadTs };
    const fresh = !req.rootTs;
    try {
      if (fresh) {
        await this.d.records.created(thread);
        // Noted until the execution exists: a bot stopped in between leaves no Queued root.
        await this.d.unstarted.noted({
          channel: req.channel,
          rootTs,
          ...(req.threadTs ? { threadTs: req.threadTs } : {}),
          user: req.user,
          slug,
          issueUrl: url,
          failedRoot: notStartedRoot(root, UNSTARTED),
          at: Date.now(),
        });
      }
      const { requireApproval, model } = await this.d.settings.policy(req.channel);
      const execution = await this.d.kestra.createExecution(
        SINGLE_FLOW_ID,
        {
          [SINGLE_INPUTS.issueUrl]: url,
          [SINGLE_INPUTS.repoUrl]: repoUrl(req.issue),
          [SINGLE_INPUTS.applyFix]: true,
          // A channel that does not ask for approval gets its PR straight away.
          [SINGLE_INPUTS.createPr]: !requireApproval,
          [SINGLE_INPUTS.waitForApproval]: requireApproval,
          [SINGLE_INPUTS.model]: req.model ?? model,
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
          slug,
          ...(req.threadTs ? { threadTs: req.threadTs } : {}),
          ...(req.askTs ? { askTs: req.askTs } : {}),
        }),
      );
      // A new thread has nothing to read back; a revised one now follows this run.
      this.d.records.fresh(execution.id, thread);
      if (fresh) await this.d.unstarted.settled(req.channel, rootTs);
      if (req.rootTs) {
        await this.d.rootClaim.claim(execution).catch((err: unknown) => {
          this.d.logger.warn(
            { err, executionId: execution.id },
            "cannot move the root to the revision",
          );
        });
      }
      return { ok: true, executionId: execution.id, rootTs };
    } catch (err) {
      return this.cannotStart(req, slug, thread, err, root);
    }
  }

  /**
   * Released 2.0 restarts only FAILED or PAUSED runs; a cancelled one is started again as a new
   * execution: the same inputs (its files read back from Kestra) and labels, in the same thread,
   * whose root then follows the new run. One live run per issue, as for any start.
   */
  rerun(old: Execution, ctx: RunContext): Promise<StartResult> {
    return this.oneOfIssue(ctx, async () =>
      this.inThread(old.flowId, ctx, await this.inputsOf(old), labelsOf(old)),
    );
  }

  /**
   * A follow-up of a run whose PR is open (Fix the failing checks, Address the review): a new run
   * of the issue in the same thread, with the old run's labels and more (`labels`), whose inputs
   * push its commit to the PR. The channel's approval policy applies as to any run.
   */
  async followUp(
    old: Execution,
    ctx: RunContext,
    inputs: Record<string, InputValue>,
    labels: Record<string, string>,
  ): Promise<StartResult> {
    const issueUrl = old.inputs?.[SINGLE_INPUTS.issueUrl];
    const repo = old.inputs?.[SINGLE_INPUTS.repoUrl];
    const { requireApproval } = await this.d.settings.policy(ctx.channel);
    const all: Record<string, InputValue> = {
      ...(typeof issueUrl === "string" ? { [SINGLE_INPUTS.issueUrl]: issueUrl } : {}),
      ...(typeof repo === "string" ? { [SINGLE_INPUTS.repoUrl]: repo } : {}),
      [SINGLE_INPUTS.applyFix]: true,
      [SINGLE_INPUTS.createPr]: !requireApproval,
      [SINGLE_INPUTS.waitForApproval]: requireApproval,
      ...inputs,
    };
    return this.oneOfIssue(ctx, () =>
      this.inThread(old.flowId, ctx, all, { ...labelsOf(old), ...labels }),
    );
  }

  /** Under the issue's lock, unless a run of it is live (one live run per issue). */
  private async oneOfIssue(
    ctx: RunContext,
    start: () => Promise<StartResult>,
  ): Promise<StartResult> {
    const { repo, issue } = ctx;
    if (!repo || !issue) return start();
    return this.d.lock.run(issueKey(repo, issue), async () => {
      const active = await this.liveRun(repo, issue);
      if (active) return this.busy(ctx.slug, active);
      const result = await start();
      if (result.ok) await this.d.ledger.started(issueKey(repo, issue), result.executionId);
      return result;
    });
  }

  /** The old run's inputs as they were sent; a FILE input is read back from Kestra. */
  private async inputsOf(old: Execution): Promise<Record<string, InputValue>> {
    const inputs: Record<string, InputValue> = {};
    for (const [id, value] of Object.entries(old.inputs ?? {})) {
      if (value === null || value === undefined) continue;
      // A FILE input is a kestra:// URI of the old execution's storage: sent again as a file.
      if (typeof value === "string" && value.startsWith("kestra://")) {
        inputs[id] = await this.d.kestra.downloadFile(old.id, value);
      } else if (typeof value === "object") {
        inputs[id] = JSON.stringify(value);
      } else {
        inputs[id] = value as string | number | boolean;
      }
    }
    return inputs;
  }

  private async inThread(
    flowId: string,
    ctx: RunContext,
    inputs: Record<string, InputValue>,
    labels: Record<string, string>,
  ): Promise<StartResult> {
    const execution = await this.d.kestra.createExecution(flowId, inputs, labels);
    this.d.records.fresh(execution.id, {
      channel: ctx.channel,
      rootTs: ctx.rootTs,
      threadTs: ctx.threadTs,
    });
    // A batch child reports into the batch thread, whose root is the digest.
    if (!ctx.batch) await this.d.rootClaim.claim(execution);
    return { ok: true, executionId: execution.id, rootTs: ctx.rootTs };
  }

  /**
   * The run that took `old`'s place in its thread (a revision, a cancelled run started again),
   * found in Kestra: a run of the thread that started after it. What the bot meant to write after
   * Kestra's create may be lost (its answer lost to a timeout, a crash in between); the run itself
   * is there. Kestra's search shows a run a moment after its create (its indexer). A batch
   * thread holds every child: there it is a run of the same issue.
   */
  async replacementOf(old: Execution, ctx: RunContext): Promise<string | undefined> {
    const issue = ctx.batch && ctx.issue ? { [LABELS.issue]: ctx.issue } : {};
    const { results } = await this.d.kestra.searchExecutions({
      flowId: SINGLE_FLOW_ID,
      labels: { [LABELS.channel]: ctx.channel, [LABELS.ts]: ctx.rootTs, ...issue },
      size: 10,
    });
    const since = startOf(old);
    return results.find((e) => e.id !== old.id && startOf(e) >= since)?.id;
  }

  /**
   * The run of this issue that has not ended, if any: the one this bot started last (read by id:
   * a search may not show it yet), else the newest the search finds.
   */
  private async liveRun(repo: string, issue: string): Promise<string | undefined> {
    const last = await this.d.ledger.last(issueKey(repo, issue));
    if (last) {
      const execution = await this.d.kestra.findExecution(last);
      if (execution && !isTerminal(execution.state.current)) return execution.id;
    }
    const { results } = await this.d.kestra.searchExecutions({
      flowId: SINGLE_FLOW_ID,
      labels: { [LABELS.repo]: repo, [LABELS.issue]: issue },
      states: ACTIVE_STATES,
      size: 1,
    });
    return results[0]?.id;
  }

  /**
   * Nothing stays at Queued, and each audience hears it once: the root (the channel) says the run
   * couldn't start and offers Retry, the alerts channel gets the details, the requester a short
   * private answer. A revision is tried again from its recorded request (ensureStarted).
   */
  private async cannotStart(
    req: StartRequest,
    slug: string,
    thread: ThreadRef | undefined,
    err: unknown,
    root?: RootFacts,
  ): Promise<StartResult> {
    this.d.logger.error({ err, slug }, "cannot start the Kestra run");
    const why = shortReason(err);
    let retry = false;
    if (thread && root && !req.rootTs) {
      await this.d.threads
        .update(thread, thread.rootTs, notStartedRoot(root, why))
        .then(() => {
          retry = true;
        })
        .catch((e: unknown) => this.d.logger.error({ err: e }, "cannot mark the root failed"));
      await this.d.unstarted
        .settled(thread.channel, thread.rootTs)
        .catch((e: unknown) => this.d.logger.warn({ err: e }, "cannot forget a failed start"));
    }
    const failure = startFailure(slug, req.user, userMessage(err));
    await this.d.failures
      .alert({ failure, channel: req.channel, thread })
      .catch((e: unknown) => this.d.logger.error({ err: e }, "cannot report the start failure"));
    // A revision's request is recorded in its thread: the bot starts it again by itself.
    const refusal: Refusal = req.rootTs
      ? { code: "revision_unconfirmed", slug, cause: err }
      : { code: "not_started", slug, cause: err, retry };
    return {
      ok: false,
      refusal,
      ...(thread ? { rootTs: thread.rootTs } : {}),
    };
  }
}

interface RootFacts {
  slug: string;
  issueUrl: string;
  title: string | undefined;
  requester: string;
}

/** The root of a run that couldn't start: one line, and Retry. */
function notStartedRoot(root: RootFacts, why: string): Message {
  return rootMessage({
    ...root,
    status: "failed",
    kestraUrl: undefined,
    prUrl: undefined,
    note: notStartedText(why),
    retryIssueUrl: root.issueUrl,
  });
}
