import { OUTPUT_FILES, SINGLE_INPUTS } from "../contracts/flow.ts";
import { InputError, NotAuthorizedError } from "../errors.ts";
import type { Execution } from "../kestra/types.ts";
import type { Services } from "../services.ts";
import { type IssueRef, issueSlug, parseIssueUrl } from "../shared/issue-url.ts";
import { decisionMessage } from "../slack/blocks/patch-message.ts";
import type { ReviseTarget } from "../slack/blocks/revise-modal.ts";
import { escapeText, truncate } from "../slack/mrkdwn.ts";
import { contextOf, type RunContext } from "./context.ts";
import { resumeApproval } from "./resume.ts";
import { deriveView } from "./status.ts";

// Revise: the reviewer's feedback starts a new run in the same thread, with the previous patch as
// context; the old run, if it still waits, is resumed with approved=false so nothing is pushed.

/** Feedback shown in the thread note; the run gets all of it. */
const NOTE_FEEDBACK_CHARS = 1500;

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

/**
 * The run to revise, re-read from Kestra: the target must be the run's own thread, the user its
 * requester or an approver, and the run must have a patch that no PR was made from.
 */
export async function loadRevisable(
  s: Services,
  target: ReviseTarget,
  user: string,
): Promise<RevisableRun> {
  const execution = await s.kestra.findExecution(target.executionId);
  const ctx = execution ? contextOf(execution) : undefined;
  if (!execution || !ctx) {
    throw new NotAuthorizedError("This run no longer exists in Kestra, so nothing was changed.");
  }
  const inThread = target.threadTs === ctx.rootTs || target.messageTs === ctx.rootTs;
  if (ctx.channel !== target.channel || !inThread) {
    throw new NotAuthorizedError(
      "This button does not belong to that run, so nothing was changed.",
    );
  }
  const policy = await s.settings.policy(ctx.channel);
  if (!(await s.approvers.canOperate(user, ctx.user, policy.approvers))) {
    throw new NotAuthorizedError("Only the requester or an approver can revise this patch.");
  }
  // The batch thread's root is the digest: a new run there would take it over.
  if (ctx.batch) {
    throw new InputError(
      "Runs of a batch cannot be revised from the batch thread yet: reject this patch and start `/autofix <issue-url>` with the issue instead.",
    );
  }
  const view = deriveView(execution);
  if (view.status === "pr_opened") {
    throw new InputError("This patch already became a pull request: it can no longer be revised.");
  }
  if (!view.patchAvailable) throw new InputError("This run has no patch to revise yet.");
  const url = execution.inputs?.[SINGLE_INPUTS.issueUrl];
  const parsed = parseIssueUrl(typeof url === "string" ? url : "", s.webHost);
  if (!parsed.ok) throw new InputError(`This run's issue cannot be revised: ${parsed.reason}.`);
  return { execution, ctx, issue: parsed.issue, slug: issueSlug(parsed.issue) };
}

/** Checks everything again, stops the old run if it waits, and starts the new one in its thread. */
export async function submitRevision(
  s: Services,
  target: ReviseTarget,
  reviser: Reviser,
  feedback: string,
): Promise<string | undefined> {
  const run = await loadRevisable(s, target, reviser.user);
  const { execution, ctx } = run;
  // Read the patch before changing anything: without it there is nothing to revise.
  const previousPatch = await readPatch(s, execution);
  const { approvable, status } = deriveView(execution);
  const at = new Date().toISOString();

  const record = await s.syncer.updateRecord(execution.id, (r) => {
    if (r.decision) {
      throw new InputError(
        `This patch was already ${r.decision.approved ? "approved" : "rejected"} by <@${r.decision.by}>.`,
      );
    }
    // Approved outside Slack (the Kestra UI): the PR is on its way.
    if (status === "creating_pr") {
      throw new InputError(
        "This patch was approved and its pull request is being opened: it can no longer be revised.",
      );
    }
    if (r.revised)
      throw new InputError(`<@${r.revised.by}> already asked for a revision of this patch.`);
    // The thread's root now follows the new run; the old one must not post its own closing.
    r.revised = { by: reviser.user, at };
    if (approvable) {
      r.decision = { approved: false, by: reviser.user, at };
      r.closedAs = "rejected";
      if (r.patch) r.patch.buttonsOpen = false;
    }
  });
  if (approvable) {
    try {
      await resumeRejected(s, execution.id, reviser);
    } catch (err) {
      await s.syncer
        .updateRecord(execution.id, (r) => {
          delete r.revised;
          delete r.decision;
          delete r.closedAs;
          if (r.patch) r.patch.buttonsOpen = true;
        })
        .catch((e: unknown) => s.logger.error({ err: e }, "cannot undo the revision mark"));
      throw err;
    }
  }
  const note = `🔁 Revision requested by <@${reviser.user}>: ${escapeText(truncate(feedback.trim(), NOTE_FEEDBACK_CHARS))}`;
  const buttonsTs = record.patch?.actionsTs;
  if (buttonsTs) {
    const kestraUrl = s.links.execution(execution.flowId, execution.id);
    await s.slack.chat
      .update({
        channel: ctx.channel,
        ts: buttonsTs,
        ...decisionMessage(
          `🔁 <@${reviser.user}> asked for a revision — this patch will not be pushed.`,
          kestraUrl,
        ),
      })
      .catch((err: unknown) => s.logger.warn({ err }, "cannot close the revised patch's buttons"));
  }
  await s.slack.chat.postMessage({ channel: ctx.channel, thread_ts: ctx.rootTs, text: note });

  const result = await s.starter.start({
    team: ctx.team,
    channel: ctx.channel,
    // The thread stays the requester's: approval rights do not move to the reviewer.
    user: ctx.user,
    issue: run.issue,
    rootTs: ctx.rootTs,
    extraInputs: {
      [SINGLE_INPUTS.feedback]: feedback,
      [SINGLE_INPUTS.previousPatch]: previousPatch,
    },
  });
  return result.ok ? undefined : result.message;
}

async function readPatch(s: Services, execution: Execution): Promise<Buffer> {
  const fix = deriveView(execution).fixTaskRun;
  const outputs = fix ? await s.kestra.taskRunOutputs(execution, fix.id) : {};
  const files = (outputs as { outputFiles?: Record<string, unknown> }).outputFiles ?? {};
  const uri = files[OUTPUT_FILES.patch];
  if (typeof uri !== "string" || !uri.includes(`/executions/${execution.id}/`)) {
    throw new InputError(
      "The previous patch cannot be found in Kestra, so no revision was started.",
    );
  }
  const patch = await s.kestra.downloadFile(execution.id, uri);
  if (patch.toString("utf8").trim() === "") {
    throw new InputError("The previous patch is empty: there is nothing to revise.");
  }
  return patch;
}

/** approved=false with a "(revised)" approver. */
function resumeRejected(s: Services, executionId: string, reviser: Reviser): Promise<void> {
  const approver = `${reviser.userName ?? reviser.user} (revised)`;
  return resumeApproval(s.kestra, executionId, { approved: false, approver }, 200);
}
