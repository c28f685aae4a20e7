import { z } from "zod";

/** A model id such as gpt-4.1 or anthropic/claude-sonnet-4, as Cline's --model takes it. */
export const MODEL_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:/@-]{0,99}$/;

// Per-channel settings, edited in the App Home settings modal and kept in Kestra's KV store.
// Every field is optional: an unset field falls back to the environment's value.

export const REPO_PATTERN = /^[A-Za-z0-9][A-Za-z0-9-]*\/[A-Za-z0-9._-]+$/;
export const REPO_OR_WILDCARD = /^[A-Za-z0-9][A-Za-z0-9-]*\/(\*|[A-Za-z0-9._-]+)$/;
export const APPROVER_PATTERN = /^[UWS][A-Z0-9]+$/;
export const CHANNEL_PATTERN = /^[CG][A-Z0-9]+$/;
export const LABEL_PATTERN = /^[^,\s][^,]{0,49}$/;

export const channelSettingsSchema = z.strictObject({
  defaultRepo: z.string().regex(REPO_PATTERN).optional(),
  allowedRepos: z.array(z.string().regex(REPO_OR_WILDCARD)).max(50).optional(),
  defaultLabels: z.array(z.string().regex(LABEL_PATTERN)).max(10).optional(),
  alertChannel: z.string().regex(CHANNEL_PATTERN).optional(),
  approvers: z.array(z.string().regex(APPROVER_PATTERN)).max(50).optional(),
  requireApproval: z.boolean().optional(),
  /** The coding agent's model for this channel's runs (MODEL_PATTERN in config.ts). */
  model: z.string().regex(MODEL_PATTERN).optional(),
  /** Runs asked for by mentioning the bot (and in its DMs); on unless set false. */
  mentions: z.boolean().optional(),
  /** `@autofix fix this` may file a GitHub issue from a thread; on unless set false. */
  fileIssues: z.boolean().optional(),
  updatedBy: z.string().optional(),
  updatedAt: z.string().optional(),
});

export type ChannelSettings = z.output<typeof channelSettingsSchema>;

export interface Policy {
  allowedRepos: string[];
  approvers: { users: string[]; groups: string[] };
  alertChannel: string | undefined;
  defaultRepo: string | undefined;
  defaultLabels: string[];
  requireApproval: boolean;
  /** The coding agent's model, unless a command names another (model:<id>). */
  model: string;
  /** Mentions (and DMs) may ask for runs, as /autofix does. */
  mentions: boolean;
  /** A thread without an issue link may have one filed from it. */
  fileIssues: boolean;
}

export function splitApprovers(ids: readonly string[]): Policy["approvers"] {
  return {
    users: ids.filter((id) => !id.startsWith("S")),
    groups: ids.filter((id) => id.startsWith("S")),
  };
}

/** The environment's policy with a channel's settings on top. */
export function effectivePolicy(defaults: Policy, settings: ChannelSettings): Policy {
  return {
    allowedRepos: settings.allowedRepos ?? defaults.allowedRepos,
    approvers: settings.approvers ? splitApprovers(settings.approvers) : defaults.approvers,
    alertChannel: settings.alertChannel ?? defaults.alertChannel,
    defaultRepo: settings.defaultRepo ?? defaults.defaultRepo,
    defaultLabels: settings.defaultLabels ?? defaults.defaultLabels,
    requireApproval: settings.requireApproval ?? defaults.requireApproval,
    model: settings.model ?? defaults.model,
    mentions: settings.mentions ?? defaults.mentions,
    fileIssues: settings.fileIssues ?? defaults.fileIssues,
  };
}
