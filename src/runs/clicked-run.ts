import { NotAuthorizedError } from "../errors.ts";
import type { KestraClient } from "../kestra/client.ts";
import type { Execution } from "../kestra/types.ts";
import type { Policy } from "../settings/channel-settings.ts";
import type { SettingsStore } from "../settings/settings-store.ts";
import { contextOf, type RunContext } from "./context.ts";

/** Where a button sits, as Slack reports it, and the run it names. */
export interface ButtonPlace {
  executionId: string;
  channel: string;
  messageTs: string;
  threadTs: string | undefined;
}

export interface ClickedRun {
  execution: Execution;
  ctx: RunContext;
  policy: Policy;
}

/**
 * The run a button names, re-read from Kestra, with its channel's policy. The button must sit in
 * the run's own thread (or be its root), or, where `inAlerts`, in an alerts channel: a forged or
 * copied button changes nothing.
 */
export async function clickedRun(
  d: { kestra: KestraClient; settings: SettingsStore },
  place: ButtonPlace,
  inAlerts: boolean,
): Promise<ClickedRun> {
  const execution = await d.kestra.findExecution(place.executionId);
  const ctx = execution ? contextOf(execution) : undefined;
  if (!execution || !ctx) {
    throw new NotAuthorizedError("This run no longer exists in Kestra, so nothing was changed.");
  }
  const policy = await d.settings.policy(ctx.channel);
  const alertChannels = inAlerts
    ? [policy.alertChannel, d.settings.defaultPolicy.alertChannel]
    : [];
  if (!belongsTo(ctx, place, alertChannels)) {
    throw new NotAuthorizedError(
      "This button does not belong to that run, so nothing was changed.",
    );
  }
  return { execution, ctx, policy };
}

function belongsTo(ctx: RunContext, place: ButtonPlace, alertChannels: (string | undefined)[]) {
  if (alertChannels.includes(place.channel)) return true;
  if (ctx.channel !== place.channel) return false;
  const threadTs = ctx.threadTs ?? ctx.rootTs;
  return place.threadTs === threadTs || place.messageTs === ctx.rootTs;
}
