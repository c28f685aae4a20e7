import { FILE_ISSUE, FILE_ISSUE_FLOW_ID, LABELS } from "../contracts/flow.ts";
import { UpstreamError } from "../errors.ts";
import type { KestraClient } from "../kestra/client.ts";
import { type Execution, isTerminal, labelValue } from "../kestra/types.ts";
import type { Logger } from "../logger.ts";
import { parseIssueUrl } from "../shared/issue-url.ts";
import { filedNotStarted } from "../slack/blocks/mention-messages.ts";
import { refusalText } from "../slack/refusal-text.ts";
import type { SlackThreads, ThreadRef } from "../slack/thread.ts";
import type { FailureReporter } from "./failure.ts";
import type { Links } from "./links.ts";
import type { RunLock } from "./lock.ts";
import { REACTIONS, reactionKey } from "./reactions.ts";
import type { StartLedger } from "./start-ledger.ts";
import type { SyncOutcome } from "./sync.ts";
import type { ThreadStarter } from "./thread-start.ts";

// An issue filed from a Slack thread. The bot holds no GitHub write token: the file-issue flow
// files it with the token only Kestra holds (Issues: write), then tells the bot (file_issue). The
// bot reads the outcome back from Kestra: the issue's run starts in the thread it was asked in,
// or the thread hears why the issue could not be filed. Either happens once per filing.

export interface FilingRequest {
  team: string;
  channel: string;
  /** Who filed it: the run's requester. */
  user: string;
  /** The thread the issue is made from, where its run goes. */
  threadTs: string;
  /** The message that asked (`@autofix fix this`). */
  askTs: string;
  repo: string;
  title: string;
  body: string;
}

export interface IssueFilingsDeps {
  kestra: KestraClient;
  threads: SlackThreads;
  threadStarter: ThreadStarter;
  ledger: StartLedger;
  lock: RunLock;
  failures: FailureReporter;
  links: Links;
  logger: Logger;
  webHost: string;
}

interface Filing {
  execution: Execution;
  team: string;
  channel: string;
  user: string;
  threadTs: string;
  askTs: string | undefined;
  repo: string;
}

const done = (id: string) => `filing:${id}`;

export class IssueFilings {
  private readonly d: IssueFilingsDeps;
  constructor(deps: IssueFilingsDeps) {
    this.d = deps;
  }

  /** Starts file-issue in Kestra; its labels say where the run goes once the issue exists. */
  async start(req: FilingRequest): Promise<string> {
    const execution = await this.d.kestra.createExecution(
      FILE_ISSUE_FLOW_ID,
      {
        [FILE_ISSUE.inputs.repo]: req.repo,
        [FILE_ISSUE.inputs.title]: req.title,
        [FILE_ISSUE.inputs.body]: req.body,
      },
      {
        [LABELS.team]: req.team,
        [LABELS.channel]: req.channel,
        [LABELS.user]: req.user,
        [LABELS.thread]: req.threadTs,
        [LABELS.ask]: req.askTs,
        [LABELS.repo]: req.repo,
      },
    );
    this.d.logger.info({ executionId: execution.id, repo: req.repo }, "filing an issue");
    return execution.id;
  }

  /**
   * file_issue: the flow has ended. Its issue's run starts in the thread, or the thread says why
   * there is no issue; a failure to do either throws, so Kestra delivers the notification again.
   */
  async reported(id: string): Promise<SyncOutcome> {
    const filing = await this.load(id);
    if (!filing) return "unknown_execution";
    if (!isTerminal(filing.execution.state.current)) {
      throw new UpstreamError("kestra", "unavailable", `the filing ${id} has not ended yet`);
    }
    return this.d.lock.run(done(id), async (): Promise<SyncOutcome> => {
      if (await this.d.ledger.last(done(id))) return "synced";
      const told =
        filing.execution.state.current === "SUCCESS"
          ? await this.filed(filing)
          : await this.failed(filing, undefined);
      await this.d.ledger.started(done(id), told);
      return "synced";
    });
  }

  private async load(id: string): Promise<Filing | undefined> {
    const execution = await this.d.kestra.findExecution(id);
    if (!execution || execution.flowId !== FILE_ISSUE_FLOW_ID) return undefined;
    if (execution.namespace !== this.d.kestra.namespace) return undefined;
    const label = (key: string) => labelValue(execution, key);
    const [team, channel, user, threadTs, repo] = [
      label(LABELS.team),
      label(LABELS.channel),
      label(LABELS.user),
      label(LABELS.thread),
      label(LABELS.repo),
    ];
    if (!team || !channel || !user || !threadTs || !repo) return undefined;
    return { execution, team, channel, user, threadTs, askTs: label(LABELS.ask), repo };
  }

  /** The issue exists: its run starts in the thread (the run's root says the rest). */
  private async filed(f: Filing): Promise<string> {
    const file = f.execution.taskRunList.find((t) => t.taskId === FILE_ISSUE.tasks.file);
    const outputs = file ? await this.d.kestra.taskRunOutputs(f.execution.id, file.id) : {};
    const vars = (outputs as { vars?: Record<string, unknown> }).vars ?? {};
    const url = vars[FILE_ISSUE.vars.issueUrl];
    const parsed = parseIssueUrl(typeof url === "string" ? url : "", this.d.webHost);
    if (!parsed.ok) {
      return this.failed(
        f,
        `Kestra's file-issue run ended without an issue URL the bot reads (${parsed.reason}).`,
      );
    }
    const result = await this.d.threadStarter.start({
      team: f.team,
      channel: f.channel,
      user: f.user,
      issue: parsed.issue,
      threadTs: f.threadTs,
      ...(f.askTs ? { askTs: f.askTs } : {}),
    });
    if (result.ok) return result.executionId;
    // Said where the person asked: the issue exists, its run did not start.
    await this.d.threads.reply(
      this.thread(f),
      filedNotStarted({ user: f.user, issue: parsed.issue, reason: refusalText(result.refusal) }),
      { run: f.execution.id, key: "filing:not-started" },
    );
    return "not started";
  }

  /** No issue: the thread and the alerts channel hear why, the asking message gets ❌. */
  private async failed(f: Filing, reason: string | undefined): Promise<string> {
    const id = f.execution.id;
    const logs = reason ? [] : await this.d.kestra.errorLogs(id, 20);
    const mine = logs.filter((l) => l.taskId === FILE_ISSUE.tasks.file);
    const lines = (mine.length > 0 ? mine : logs).slice(-5).map((l) => l.message ?? "");
    const thread = this.thread(f);
    await this.d.failures.report({
      failure: {
        slug: `filing an issue in ${f.repo}`,
        executionId: undefined,
        failedTask: FILE_ISSUE.tasks.file,
        reason:
          reason ??
          `Kestra's file-issue run ended ${f.execution.state.current}: no issue was filed, so no run started.`,
        logExcerpt: lines.length > 0 ? lines.join("\n") : undefined,
        kestraUrl: this.d.links.execution(FILE_ISSUE_FLOW_ID, id),
        requester: f.user,
      },
      channel: f.channel,
      thread,
      meta: { run: id, key: "filing:failed" },
    });
    if (f.askTs) {
      await this.d.threads
        .react(thread, f.askTs, REACTIONS.failed, { run: id, key: reactionKey(REACTIONS.failed) })
        .catch((err: unknown) => this.d.logger.warn({ err, executionId: id }, "cannot react"));
    }
    return "failed";
  }

  private thread(f: Filing): ThreadRef {
    return { channel: f.channel, rootTs: f.threadTs };
  }
}
