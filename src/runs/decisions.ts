import type { webApi } from "@slack/bolt";
import { SINGLE_FLOW_ID } from "../contracts/flow.ts";
import { NotAuthorizedError, UpstreamError } from "../errors.ts";
import type { KestraClient } from "../kestra/client.ts";
import type { Logger } from "../logger.ts";
import type { SettingsStore } from "../settings/settings-store.ts";
import type { Approvers } from "../slack/approvers.ts";
import { approvalMessage, decisionMessage } from "../slack/blocks/patch-message.ts";
import { contextOf, type RunContext } from "./context.ts";
import type { KeyedLock } from "./keyed-lock.ts";
import type { Links } from "./links.ts";
import { RunOperations } from "./operations.ts";
import type { RunStore } from "./record.ts";
import { resumeApproval } from "./resume.ts";
import { deriveView, STATUS_TEXT } from "./status.ts";
import type { RunSyncer } from "./sync.ts";

type WebClient = webApi.WebClient;

export interface Click {
  executionId: string;
  user: string;
  userName: string | undefined;
  channel: string;
  /** The message the button sits on and the thread it is in, as Slack reports them. */
  messageTs: string;
  threadTs: string | undefined;
}

export interface DecisionDeps {
  kestra: KestraClient;
  store: RunStore;
  slack: WebClient;
  approvers: Approvers;
  links: Links;
  lock: KeyedLock;
  syncer: RunSyncer;
  logger: Logger;
  settings: SettingsStore;
  /** Waits between resume attempts while the flow reaches its Pause task. */
  resumeBackoffMs?: number;
}

/** What the clicker should be told privately; undefined when the thread itself says it. */
export type ClickOutcome = string | undefined;

/** Approve, reject and retry clicks. Authorization is checked against Kestra's labels, never the button value. */
export class RunDecisions {
  private readonly d: DecisionDeps;
  /** Cancel and retry, shared with `/autofix cancel|retry`. */
  readonly operations: RunOperations;
  constructor(deps: DecisionDeps) {
    this.d = deps;
    this.operations = new RunOperations(deps);
  }

  async decide(click: Click, approved: boolean): Promise<ClickOutcome> {
    const { ctx, policy } = await this.load(click);
    if (!(await this.d.approvers.canApprove(click.user, ctx.user, policy.approvers))) {
      throw new NotAuthorizedError("You are not an approver for this run, so nothing was changed.");
    }
    const kestraUrl = this.d.links.execution(SINGLE_FLOW_ID, click.executionId);
    const outcome = await this.d.lock.run(click.executionId, async () => {
      const record = await this.d.store.get(click.executionId);
      if (record.decision) {
        return `This patch was already ${record.decision.approved ? "approved" : "rejected"} by <@${record.decision.by}>.`;
      }
      const verdict = approved
        ? `✅ Approved by <@${click.user}> — creating PR…`
        : `🚫 Rejected by <@${click.user}> — nothing will be pushed.`;
      // Replace the buttons first, so a second click has nothing to press.
      await this.d.slack.chat.update({
        channel: click.channel,
        ts: click.messageTs,
        ...decisionMessage(verdict, kestraUrl),
      });
      try {
        await this.resume(click, approved);
      } catch (err) {
        const restored =
          err instanceof UpstreamError && err.kind === "conflict"
            ? decisionMessage(await this.closedText(click.executionId), kestraUrl)
            : approvalMessage({
                executionId: click.executionId,
                kestraUrl,
                requester: ctx.user,
                approverHint: this.d.approvers.describe(ctx.user, policy.approvers),
              });
        await this.d.slack.chat.update({
          channel: click.channel,
          ts: click.messageTs,
          ...restored,
        });
        throw err;
      }
      record.decision = { approved, by: click.user, at: new Date().toISOString() };
      if (record.patch) record.patch.buttonsOpen = false;
      await this.d.store.put(click.executionId, record);
      return undefined;
    });
    await this.d.syncer.sync(click.executionId);
    return outcome;
  }

  /** Retry: restart a failed run, or fetch a patch again that could not be downloaded. */
  async retry(click: Click): Promise<ClickOutcome> {
    const { execution, ctx } = await this.load(click);
    const result = await this.operations.retry({ execution, ctx }, click.user);
    return result.ok ? undefined : result.message;
  }

  private async load(click: Click) {
    const execution = await this.d.kestra.findExecution(click.executionId);
    const ctx = execution ? contextOf(execution) : undefined;
    if (!execution || !ctx) {
      throw new NotAuthorizedError("This run no longer exists in Kestra, so nothing was changed.");
    }
    const policy = await this.d.settings.policy(ctx.channel);
    const alertChannels = [policy.alertChannel, this.d.settings.defaultPolicy.alertChannel];
    if (!belongsTo(ctx, click, alertChannels)) {
      throw new NotAuthorizedError(
        "This button does not belong to that run, so nothing was changed.",
      );
    }
    return { execution, ctx, policy };
  }

  private resume(click: Click, approved: boolean): Promise<void> {
    const approver = click.userName ? `${click.userName} (${click.user})` : click.user;
    return resumeApproval(
      this.d.kestra,
      click.executionId,
      { approved, approver },
      this.d.resumeBackoffMs ?? 500,
    );
  }

  private async closedText(executionId: string): Promise<string> {
    const execution = await this.d.kestra.findExecution(executionId);
    const status = execution ? STATUS_TEXT[deriveView(execution).status] : "gone";
    return `Approval closed — the run is now *${status}*.`;
  }
}

/** The clicked message must sit in the run's own thread (or be its root), or in an alerts channel. */
function belongsTo(ctx: RunContext, click: Click, alertChannels: (string | undefined)[]): boolean {
  if (alertChannels.includes(click.channel)) return true;
  if (ctx.channel !== click.channel) return false;
  return click.threadTs === ctx.rootTs || click.messageTs === ctx.rootTs;
}
