import { LABELS } from "../contracts/flow.ts";
import { type Execution, labelValue } from "../kestra/types.ts";
import { slugOf } from "../shared/slug.ts";

/** The Slack side of a run, carried by the execution's labels. */
export interface RunContext {
  team: string;
  channel: string;
  rootTs: string;
  user: string;
  repo: string | undefined;
  issue: string | undefined;
  title: string | undefined;
  /** owner/repo#number (slug.ts), or the execution id. */
  slug: string;
  /** Set on child runs of a batch: the batch execution, whose thread they report into. */
  batch?: string;
  /** The root is a reply in this thread (a run asked for by a mention), not a thread's parent. */
  threadTs?: string;
  /** The message that asked for the run, in `channel`: its status reactions go there. */
  askTs?: string;
}

export function runLabels(ctx: RunContext): Record<string, string> {
  const labels: Record<string, string> = {
    [LABELS.team]: ctx.team,
    [LABELS.channel]: ctx.channel,
    [LABELS.ts]: ctx.rootTs,
    [LABELS.user]: ctx.user,
  };
  if (ctx.repo) labels[LABELS.repo] = ctx.repo;
  if (ctx.issue) labels[LABELS.issue] = ctx.issue;
  if (ctx.title) labels[LABELS.title] = ctx.title.slice(0, 200);
  if (ctx.batch) labels[LABELS.batch] = ctx.batch;
  if (ctx.threadTs) labels[LABELS.thread] = ctx.threadTs;
  if (ctx.askTs) labels[LABELS.ask] = ctx.askTs;
  return labels;
}

/** The run's Slack context, or undefined for executions the bot did not start. */
export function contextOf(execution: Pick<Execution, "id" | "labels">): RunContext | undefined {
  const team = labelValue(execution, LABELS.team);
  const channel = labelValue(execution, LABELS.channel);
  const rootTs = labelValue(execution, LABELS.ts);
  const user = labelValue(execution, LABELS.user);
  if (!team || !channel || !rootTs || !user) return undefined;
  const batch = labelValue(execution, LABELS.batch);
  if (!/^[CGD][A-Z0-9]+$/.test(channel) || !/^\d+\.\d+$/.test(rootTs)) return undefined;
  const repo = labelValue(execution, LABELS.repo);
  const issue = labelValue(execution, LABELS.issue);
  const threadTs = tsLabel(execution, LABELS.thread);
  const askTs = tsLabel(execution, LABELS.ask);
  return {
    team,
    channel,
    rootTs,
    user,
    repo,
    issue,
    title: labelValue(execution, LABELS.title),
    slug: slugOf(repo, issue, execution.id),
    ...(batch ? { batch } : {}),
    ...(threadTs ? { threadTs } : {}),
    ...(askTs ? { askTs } : {}),
  };
}

function tsLabel(execution: Pick<Execution, "labels">, key: string): string | undefined {
  const value = labelValue(execution, key);
  return value && /^\d+\.\d+$/.test(value) ? value : undefined;
}
