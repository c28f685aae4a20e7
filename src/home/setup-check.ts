import type { webApi } from "@slack/bolt";
import {
  BATCH_FLOW_ID,
  FILE_ISSUE_FLOW_ID,
  LABELS,
  SETUP_CHECK,
  SETUP_CHECK_FLOW_ID,
  SINGLE_FLOW_ID,
} from "../contracts/flow.ts";
import { type SetupCheckReport, setupCheckReportSchema } from "../contracts/setup-check.ts";
import type { KestraClient } from "../kestra/client.ts";
import { type Execution, isTerminal, labelValue } from "../kestra/types.ts";
import type { Logger } from "../logger.ts";
import type { Links } from "../runs/links.ts";
import { type Policy, REPO_PATTERN } from "../settings/channel-settings.ts";
import type { SettingsStore } from "../settings/settings-store.ts";
import type { SetupLine, SetupSection } from "../slack/blocks/home/model.ts";
import { userMessage } from "../slack/error-messages.ts";
import { slackCall } from "../slack/errors.ts";
import { escapeText, link, slackDate } from "../slack/mrkdwn.ts";
import { reportLines } from "./setup-report.ts";

// The admins' setup check. The bot checks what it can see itself (Kestra, the flows, its channel
// memberships); what only Kestra holds (its secrets) is checked by the setup-check flow, whose
// newest run is read back from Kestra each time: Kestra is the source of truth.

export interface SetupCheckDeps {
  kestra: KestraClient;
  slack: webApi.WebClient;
  settings: SettingsStore;
  links: Links;
  logger: Logger;
}

export interface Viewer {
  team: string;
  user: string;
}

const FLOWS = [SINGLE_FLOW_ID, BATCH_FLOW_ID, SETUP_CHECK_FLOW_ID, FILE_ISSUE_FLOW_ID] as const;
/** Executions whose notification reached the bot (its notify task may still show RUNNING). */
const HEARD_MAX = 100;

/** The repository the tokens are tried on: the environment's default, else the first allowed. */
export function setupRepo(policy: Policy): string | undefined {
  return policy.defaultRepo ?? policy.allowedRepos.find((r) => REPO_PATTERN.test(r));
}

export class SetupCheck {
  private readonly d: SetupCheckDeps;
  private readonly heard = new Set<string>();

  constructor(deps: SetupCheckDeps) {
    this.d = deps;
  }

  /** Starts setup-check in Kestra for this person (its labels say whose Home shows the result). */
  async start(viewer: Viewer): Promise<{ executionId: string; url: string }> {
    const repo = setupRepo(this.d.settings.defaultPolicy);
    const execution = await this.d.kestra.createExecution(
      SETUP_CHECK_FLOW_ID,
      repo ? { [SETUP_CHECK.inputs.repo]: repo } : {},
      { [LABELS.team]: viewer.team, [LABELS.user]: viewer.user },
    );
    return {
      executionId: execution.id,
      url: this.d.links.execution(SETUP_CHECK_FLOW_ID, execution.id),
    };
  }

  /**
   * A setup_check notification: the person who started the run, or undefined when it is not one of
   * setup-check's runs. Its arrival proves the webhook token.
   */
  async reported(executionId: string): Promise<Viewer | undefined> {
    const execution = await this.d.kestra.findExecution(executionId);
    if (!execution || execution.flowId !== SETUP_CHECK_FLOW_ID) return undefined;
    if (execution.namespace !== this.d.kestra.namespace) return undefined;
    const team = labelValue(execution, LABELS.team);
    const user = labelValue(execution, LABELS.user);
    if (!team || !user) return undefined;
    if (this.heard.size >= HEARD_MAX) this.heard.clear();
    this.heard.add(executionId);
    return { team, user };
  }

  /** Everything the section shows; a check that cannot be made is a ❌ saying why, never an error. */
  async load(viewer: Viewer, picked: string | undefined): Promise<SetupSection> {
    const live: SetupLine[] = [];
    let reachable = false;
    try {
      const version = await this.d.kestra.version();
      reachable = true;
      live.push({ ok: true, text: `Kestra reachable: version ${version}.` });
    } catch (err) {
      live.push({
        ok: false,
        text: `Kestra cannot be reached: ${userMessage(err)}`,
        fix: "Check KESTRA_URL, KESTRA_USERNAME and KESTRA_PASSWORD, and that Kestra is up (`docker compose ps`).",
      });
    }
    // Independent reads, made at once; the lines keep their order.
    const [flows, members, report] = await Promise.all([
      reachable ? Promise.all(FLOWS.map((id) => this.flowLine(id))) : [],
      this.channels(picked).then((channels) =>
        Promise.all(channels.map((c) => this.memberLine(c))),
      ),
      reachable
        ? this.lastRun(viewer.team)
        : {
            heading: "*Last setup check*: cannot be read while Kestra cannot be reached.",
            lines: [],
          },
    ]);
    live.push(...flows, ...members);
    return { live, report };
  }

  private async flowLine(id: string): Promise<SetupLine> {
    const name = `\`${this.d.kestra.namespace}/${id}\``;
    const file = `kestra/workflows/main_${this.d.kestra.namespace}_${id}.yml`;
    try {
      const flow = await this.d.kestra.flow(this.d.kestra.namespace, id);
      if (!flow) {
        return {
          ok: false,
          text: `Flow ${name} is not loaded in Kestra.`,
          fix: `Kestra loads \`${file}\` from its flows folder (compose mounts ./kestra/workflows at /flows); \`docker compose logs kestra\` shows why it did not.`,
        };
      }
      if (flow.disabled) {
        return {
          ok: false,
          text: `Flow ${name} is disabled.`,
          fix: "Enable it in Kestra (Flows → the flow → Edit).",
        };
      }
      return { ok: true, text: `Flow ${name} loaded (revision ${flow.revision ?? "?"}).` };
    } catch (err) {
      return { ok: false, text: `Flow ${name} cannot be read: ${userMessage(err)}` };
    }
  }

  /** The alerts channels (the environment's, the picked channel's) and the channel picked. */
  private async channels(picked: string | undefined): Promise<string[]> {
    const found = [this.d.settings.defaultPolicy.alertChannel];
    if (picked) {
      found.push(picked, (await this.d.settings.policyOrDefaults(picked)).alertChannel);
    }
    return [...new Set(found.filter((c): c is string => c !== undefined))];
  }

  private async memberLine(channel: string): Promise<SetupLine> {
    const invite = `Type \`/invite @autofix\` (the bot's name) in <#${channel}>.`;
    try {
      const info = await slackCall("conversations.info", () =>
        this.d.slack.conversations.info({ channel }),
      );
      return info.channel?.is_member
        ? { ok: true, text: `The bot is a member of <#${channel}>.` }
        : {
            ok: false,
            text: `The bot is not a member of <#${channel}>: it cannot read its threads back there.`,
            fix: invite,
          };
    } catch (err) {
      return {
        ok: false,
        text: `<#${channel}> cannot be checked: ${userMessage(err)}`,
        fix: `${invite} If Slack says a scope is missing, reinstall the app from the manifest (channels:read, groups:read).`,
      };
    }
  }

  /** The newest setup-check run of this workspace, read from Kestra. */
  private async lastRun(team: string): Promise<SetupSection["report"]> {
    let execution: Execution | undefined;
    try {
      const { results } = await this.d.kestra.searchExecutions({
        flowId: SETUP_CHECK_FLOW_ID,
        labels: { [LABELS.team]: team },
        page: 1,
        size: 1,
      });
      const newest = results[0];
      if (!newest) {
        return {
          heading:
            "*Last setup check*: not run yet. Press *Run setup check* to check the secrets Kestra holds (GitHub tokens, LLM key) and the webhook.",
          lines: [],
        };
      }
      execution = await this.d.kestra.getExecution(newest.id);
    } catch (err) {
      return { heading: `*Last setup check*: cannot be read: ${userMessage(err)}`, lines: [] };
    }
    const url = this.d.links.execution(SETUP_CHECK_FLOW_ID, execution.id);
    const when = slackDate(execution.state.startDate ?? undefined) ?? "";
    const heading = `*Last setup check*, started ${when} (${link(url, "in Kestra")}):`;
    const check = execution.taskRunList.find((t) => t.taskId === SETUP_CHECK.tasks.check);
    const checkDone = check !== undefined && isTerminal(check.state.current);
    if (!checkDone && !isTerminal(execution.state.current)) {
      return {
        heading,
        lines: [{ ok: "pending", text: "Running: the results show here when it reports back." }],
      };
    }
    const lines = [this.webhookLine(execution)];
    const report = await this.report(execution, check?.id);
    if (report.ok) lines.push(...reportLines(report.report));
    else
      lines.push({
        ok: false,
        text: report.reason,
        fix: `See the run's logs in Kestra: ${url}/logs`,
      });
    return { heading, lines };
  }

  private webhookLine(execution: Execution): SetupLine {
    const notify = execution.taskRunList.find((t) => t.taskId === SETUP_CHECK.tasks.notify);
    const state = notify?.state.current;
    if (state === "SUCCESS" || this.heard.has(execution.id)) {
      return { ok: true, text: "Webhook token accepted: Kestra's notification reached the bot." };
    }
    if (state === undefined || !isTerminal(state)) {
      return { ok: "pending", text: "Kestra's notification has not reached the bot yet." };
    }
    return {
      ok: false,
      text: "Kestra's notification did not reach the bot, or the bot refused its token.",
      fix: "AUTOFIX_WEBHOOK_TOKEN (bot) and SECRET_AUTOFIX_WEBHOOK_TOKEN (Kestra) must match: run `scripts/make-env.sh`, then `docker compose up -d bot kestra`. Kestra must reach the bot at ENV_AUTOFIX_BOT_URL.",
    };
  }

  private async report(
    execution: Execution,
    taskRunId: string | undefined,
  ): Promise<{ ok: true; report: SetupCheckReport } | { ok: false; reason: string }> {
    try {
      const outputs = taskRunId
        ? await this.d.kestra.taskRunOutputs(execution.id, taskRunId)
        : undefined;
      const files = outputs?.["outputFiles"] as Record<string, unknown> | undefined;
      const uri = files?.[SETUP_CHECK.file];
      if (typeof uri !== "string") {
        const logs = await this.d.kestra.errorLogs(execution.id, 5);
        const first = logs.find((l) => l.taskId === SETUP_CHECK.tasks.check) ?? logs[0];
        return {
          ok: false,
          reason: `The check could not run${first?.message ? `: ${escapeText(first.message.slice(0, 300))}` : "."}`,
        };
      }
      const text = (await this.d.kestra.downloadFile(execution.id, uri)).toString("utf8");
      const parsed = setupCheckReportSchema.safeParse(JSON.parse(text));
      if (!parsed.success)
        return { ok: false, reason: "The check's report is not one this bot reads." };
      return { ok: true, report: parsed.data };
    } catch (err) {
      this.d.logger.warn({ err, executionId: execution.id }, "setup check: cannot read the report");
      return { ok: false, reason: `The check's report cannot be read: ${userMessage(err)}` };
    }
  }
}
