import { BATCH_FLOW_ID, SINGLE_INPUTS } from "../contracts/flow.ts";
import { InputError, NotAuthorizedError } from "../errors.ts";
import type { KestraClient } from "../kestra/client.ts";
import type { Execution } from "../kestra/types.ts";
import type { Logger } from "../logger.ts";
import type { SettingsStore } from "../settings/settings-store.ts";
import { type IssueRef, issueSlug, parseIssueUrl } from "../shared/issue-url.ts";
import { hasPr } from "../shared/run-status.ts";
import type { Approvers } from "../slack/approvers.ts";
import type { ReviseTarget } from "../slack/blocks/revise-modal.ts";
import { revisionNote } from "../slack/blocks/run-notes.ts";
import type { SlackThreads } from "../slack/thread.ts";
import { clickedRun } from "./clicked-run.ts";
import type { RunContext } from "./context.ts";
import type { ClickOutcome, RunDecisions } from "./decisions.ts";
import type { RunLock } from "./lock.ts";
import { inputModel, pushesTo } from "./pr-run.ts";
import type { RunReader } from "./read.ts";
import { KEYS, type RunRecords } from "./record.ts";
import type { RunStarter, StartResult } from "./starter.ts";
import { attemptOf } from "./status.ts";
import { type RunState, thread } from "./thread-sync.ts";
import type { RunViews } from "./views.ts";

// Revise: the reviewer's feedback starts a new run in the same thread, with the previous patch as
// context; the old run, if it still waits, is resumed with approved=false so nothing is pushed.
// The request is recorded (with its feedback) before anything happens, so a bot stopped halfway
// still starts the revision later (ensureStarted, from the old run's next sync).

export interface Reviser {
  user: string;
  userName: string | undefined;
}

export interface RevisableRun {
  execution: Execution;
  ctx: RunContext;
  issue: IssueRef;
  slug: string;
}

export interface RevisionDeps {
  kestra: KestraClient;
  views: RunViews;
  decisions: RunDecisions;
  revisionStarter: RevisionStarter;
  records: RunRecords;
  lock: RunLock;
  settings: SettingsStore;
  approvers: Approvers;
  webHost: string;
}

/** Revise from a button or a modal: who may, which run, and the decision it records. */
export class RunRevisions {
  private readonly d: RevisionDeps;
  constructor(deps: RevisionDeps) {
    this.d = deps;
  }

  /**
   * The run to revise, re-read from Kestra: the target must be the run's own thread, the user its
   * requester or an approver, and the run must have a patch that no PR was made from.
   */
  async load(target: ReviseTarget, user: string): Promise<RevisableRun> {
    const { execution, ctx, policy } = await clickedRun(this.d, target, false);
    if (!(await this.d.approvers.canOperate(user, ctx.user, policy.approvers))) {
      throw new NotAuthorizedError("Only the requester or an approver can revise this patch.");
    }
    // The batch thread's root is the digest: a new run there would take it over.
    if (ctx.batch || execution.flowId === BATCH_FLOW_ID) {
      throw new InputError(
        "Runs of a batch cannot be revised from the batch thread yet: reject this patch and start `/autofix <issue-url>` with the issue instead.",
      );
    }
    const view = await this.d.views.view(execution);
    if (hasPr(view.status)) {
      throw new InputError(
        "This patch already became a pull request: it can no longer be revised.",
      );
    }
    if (view.status === "creating_pr") {
      throw new InputError(
        "This patch was approved and its pull request is being opened: it can no longer be revised.",
      );
    }
    if (!view.patchAvailable) throw new InputError("This run has no patch to revise yet.");
    const url = execution.inputs?.[SINGLE_INPUTS.issueUrl];
    const parsed = parseIssueUrl(typeof url === "string" ? url : "", this.d.webHost);
    if (!parsed.ok) throw new InputError(`This run's issue cannot be revised: ${parsed.reason}.`);
    return { execution, ctx, issue: parsed.issue, slug: issueSlug(parsed.issue) };
  }

  /**
   * Checks everything again, records the request, stops the old run if it waits, starts the new.
   * `askTs`: the message that asked (a mention in the thread) gets the new run's reactions.
   */
  async submit(
    target: ReviseTarget,
    reviser: Reviser,
    feedback: string,
    askTs?: string,
  ): Promise<ClickOutcome> {
    const run = await this.load(target, reviser.user);
    // Read the patch before changing anything: without it there is nothing to revise.
    const revisions = this.d.revisionStarter;
    const previousPatch = await revisions.previousPatch(run.execution);
    const policy = await this.d.settings.policy(run.ctx.channel);
    const view = await this.d.views.view(run.execution);
    const verdict = {
      verdict: "revise" as const,
      by: reviser.user,
      ...(reviser.userName ? { name: reviser.userName } : {}),
      feedback,
    };
    let started: StartResult | undefined;
    const start = async () => {
      started = await revisions.start(run, reviser.user, feedback, previousPatch, askTs);
    };
    if (view.approvable) {
      const outcome = await this.d.decisions.record({ ...run, policy }, verdict, start);
      if (outcome) return outcome;
    } else {
      // An ended run: nothing to resume; one revision per attempt all the same.
      const already = await this.d.lock.run(run.execution.id, async () => {
        const record = await this.d.records.load(run.execution.id, thread(run.ctx));
        if (record.has(KEYS.revise(attemptOf(run.execution)))) return record.decision;
        await start();
        return undefined;
      });
      if (already) return { code: "already_decided", decision: already };
    }
    return started && !started.ok ? started.refusal : undefined;
  }
}

export interface RevisionStarterDeps {
  reader: RunReader;
  views: RunViews;
  starter: RunStarter;
  records: RunRecords;
  threads: SlackThreads;
  webHost: string;
  logger: Logger;
}

/** Starts the revision's run in the old run's thread, with the feedback and the previous patch. */
export class RevisionStarter {
  private readonly d: RevisionStarterDeps;
  constructor(deps: RevisionStarterDeps) {
    this.d = deps;
  }

  /** After a restart: the old run was rejected for a revision that never started. */
  async ensureStarted(state: RunState): Promise<void> {
    const decision = state.record.decision;
    if (decision?.verdict !== "revise" || !decision.feedback || !state.record.ownsRoot) return;
    const url = state.execution.inputs?.[SINGLE_INPUTS.issueUrl];
    const parsed = parseIssueUrl(typeof url === "string" ? url : "", this.d.webHost);
    if (!parsed.ok) return;
    // Kestra created the revision but the bot never heard (a timeout, or it stopped before the
    // root followed it): it is there, and takes the root over at its next sync (ThreadSync.root).
    const started = await this.d.starter.replacementOf(state.execution, state.ctx);
    if (started) {
      this.d.logger.info(
        { executionId: state.execution.id, revision: started },
        "the revision recorded before a restart was started already",
      );
      return;
    }
    this.d.logger.info(
      { executionId: state.execution.id },
      "starting a revision recorded before a restart",
    );
    const patch = await this.previousPatch(state.execution);
    const run = {
      execution: state.execution,
      ctx: state.ctx,
      issue: parsed.issue,
      slug: issueSlug(parsed.issue),
    };
    await this.start(run, decision.by, decision.feedback, patch);
  }

  async start(
    run: RevisableRun,
    by: string,
    feedback: string,
    previousPatch: Buffer,
    askTs = run.ctx.askTs,
  ): Promise<StartResult> {
    const attempt = attemptOf(run.execution);
    const key = KEYS.revise(attempt);
    const decision = {
      verdict: "revise" as const,
      by,
      at: new Date().toISOString(),
      attempt,
      feedback,
    };
    const record = this.d.records.peek(run.execution.id);
    // A revision started again from the recorded request (ensureStarted: Kestra refused its
    // create, or the bot stopped before it) has its note already.
    if (!record?.has(key)) {
      await this.d.threads.reply(thread(run.ctx), revisionNote(by, feedback), {
        run: run.execution.id,
        key,
        decision,
      });
      record?.mark(key);
    }
    const pushTo = pushesTo(run.execution);
    if (record && !record.decision) record.decision = decision;
    return this.d.starter.start({
      team: run.ctx.team,
      channel: run.ctx.channel,
      // The thread stays the requester's: approval rights do not move to the reviewer.
      user: run.ctx.user,
      issue: run.issue,
      rootTs: run.ctx.rootTs,
      // The revision keeps the model of the patch it revises.
      model: inputModel(run.execution),
      ...(run.ctx.threadTs ? { threadTs: run.ctx.threadTs } : {}),
      ...(askTs ? { askTs } : {}),
      extraInputs: {
        [SINGLE_INPUTS.feedback]: feedback,
        [SINGLE_INPUTS.previousPatch]: previousPatch,
        // A follow-up's revision still goes onto its PR's branch.
        ...(pushTo !== undefined ? { [SINGLE_INPUTS.prNumber]: pushTo } : {}),
      },
    });
  }

  async previousPatch(execution: Execution): Promise<Buffer> {
    const fix = (await this.d.views.view(execution)).fix;
    const files = fix ? await this.d.reader.patchFiles(execution, fix) : { patch: undefined };
    if (!files.patch) {
      throw new InputError(
        "The previous patch cannot be found in Kestra, so no revision was started.",
      );
    }
    const patch = await this.d.reader.download(execution, files.patch);
    if (patch.toString("utf8").trim() === "") {
      throw new InputError("The previous patch is empty: there is nothing to revise.");
    }
    return patch;
  }
}
