import {
  CHANNEL_PATTERN,
  type ChannelSettings,
  channelSettingsSchema,
  LABEL_PATTERN,
  MODEL_PATTERN,
  type Policy,
  REPO_OR_WILDCARD,
} from "../settings/channel-settings.ts";
import { isRepoAllowed } from "../shared/allowed-repos.ts";
import { parseRepoUrl } from "../shared/issue-url.ts";
import {
  CONVERSATION_VALUES,
  fieldBlockId,
  REQUIRE_APPROVAL_VALUES,
} from "../slack/blocks/settings-modal.ts";
import { SETTINGS } from "../slack/ids.ts";

// Reads and validates the settings modal's state. Every problem is reported on its own block,
// as `response_action: "errors"` expects.

export const MAX_REPOS = 50;
export const MAX_LABELS = 10;
export const MAX_APPROVERS = 50;

interface StateValue {
  type: string;
  value?: string | null;
  selected_conversation?: string | null;
  selected_conversations?: string[];
  selected_users?: string[];
  selected_option?: { value: string } | null;
  selected_options?: { value: string }[];
}

export type StateValues = Record<string, Record<string, StateValue>>;

export type SettingsForm =
  | { ok: true; channel: string; settings: ChannelSettings }
  | { ok: false; errors: Record<string, string> };

const USER_ID = /^[UW][A-Z0-9]+$/;
const GROUP_ID = /^S[A-Z0-9]+$/;

const splitList = (text: string | null | undefined, separators: RegExp) =>
  (text ?? "")
    .split(separators)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);

const quote = (s: string) => `"${s.length > 40 ? `${s.slice(0, 39)}…` : s}"`;

export function parseSettingsForm(
  values: StateValues,
  opts: { webHost: string; defaults: Policy },
): SettingsForm {
  const errors: Record<string, string> = {};
  const channel = values[SETTINGS.channelBlock]?.[SETTINGS.channelAction]?.selected_conversation;
  if (!channel) {
    return {
      ok: false,
      errors: { [SETTINGS.channelBlock]: "Pick the channel these settings are for." },
    };
  }
  if (!CHANNEL_PATTERN.test(channel)) {
    return {
      ok: false,
      errors: { [SETTINGS.channelBlock]: "Pick a channel, not a direct message." },
    };
  }
  const loadedFor = Object.keys(values)
    .find((id) => id.startsWith(`${SETTINGS.fields.defaultRepo}.`))
    ?.slice(SETTINGS.fields.defaultRepo.length + 1);
  if (loadedFor !== channel) {
    return {
      ok: false,
      errors: {
        [SETTINGS.channelBlock]:
          "The fields were not loaded for this channel yet. Pick the channel again, wait for its settings, then save.",
      },
    };
  }
  const field = (name: keyof typeof SETTINGS.fields) =>
    values[fieldBlockId(name, channel)]?.[SETTINGS.input];
  const settings: ChannelSettings = {};

  const repoText = field("defaultRepo")?.value?.trim();
  if (repoText) {
    const parsed = parseRepoUrl(repoText, opts.webHost, true);
    if (parsed.ok) settings.defaultRepo = `${parsed.repo.owner}/${parsed.repo.repo}`;
    else {
      errors[fieldBlockId("defaultRepo", channel)] =
        `Use owner/repo (e.g. acme/api) or the repository's URL: ${parsed.reason}.`;
    }
  }

  const repos = [...new Set(splitList(field("allowedRepos")?.value, /[\s,]+/))];
  const badRepo = repos.find((r) => !REPO_OR_WILDCARD.test(r));
  if (badRepo !== undefined) {
    errors[fieldBlockId("allowedRepos", channel)] =
      `${quote(badRepo)} is not owner/repo or owner/* (e.g. acme/api, acme/*).`;
  } else if (repos.length > MAX_REPOS) {
    errors[fieldBlockId("allowedRepos", channel)] =
      `At most ${MAX_REPOS} entries (you entered ${repos.length}); use owner/* for a whole owner.`;
  } else if (repos.length > 0) {
    settings.allowedRepos = repos;
  }

  const allowed = settings.allowedRepos ?? opts.defaults.allowedRepos;
  if (settings.defaultRepo && !errors[fieldBlockId("allowedRepos", channel)]) {
    const [owner = "", repo = ""] = settings.defaultRepo.split("/");
    if (!isRepoAllowed(allowed, owner, repo)) {
      errors[fieldBlockId("defaultRepo", channel)] =
        `${settings.defaultRepo} is not among the allowed repositories.`;
    }
  }

  const labels = [...new Set(splitList(field("labels")?.value, /,/))];
  const badLabel = labels.find((l) => !LABEL_PATTERN.test(l));
  if (badLabel !== undefined) {
    errors[fieldBlockId("labels", channel)] =
      `${quote(badLabel)} is not a label: at most 50 characters, separated by commas.`;
  } else if (labels.length > MAX_LABELS) {
    errors[fieldBlockId("labels", channel)] =
      `At most ${MAX_LABELS} labels (you entered ${labels.length}).`;
  } else if (labels.length > 0) {
    settings.defaultLabels = labels;
  }

  const alerts = field("alerts")?.selected_conversations ?? [];
  if (alerts.length > 1) {
    errors[fieldBlockId("alerts", channel)] = "Pick one alerts channel.";
  } else if (alerts[0] !== undefined) {
    if (CHANNEL_PATTERN.test(alerts[0])) settings.alertChannel = alerts[0];
    else errors[fieldBlockId("alerts", channel)] = "Pick a channel, not a direct message.";
  }

  const users = field("approverUsers")?.selected_users ?? [];
  const badUser = users.find((u) => !USER_ID.test(u));
  if (badUser !== undefined) {
    errors[fieldBlockId("approverUsers", channel)] = `${quote(badUser)} is not a user id.`;
  }
  const groups = [...new Set(splitList(field("approverGroups")?.value, /[\s,]+/))];
  const badGroup = groups.find((g) => !GROUP_ID.test(g));
  if (badGroup !== undefined) {
    errors[fieldBlockId("approverGroups", channel)] =
      `${quote(badGroup)} is not a user group id: use ids such as S0123ABCD (from the group's page), not @names.`;
  }
  const approvers = [...new Set([...users, ...groups])];
  if (approvers.length > MAX_APPROVERS) {
    errors[fieldBlockId("approverGroups", channel)] =
      `At most ${MAX_APPROVERS} approvers and groups together (you picked ${approvers.length}).`;
  } else if (approvers.length > 0 && badUser === undefined && badGroup === undefined) {
    settings.approvers = approvers;
  }

  const model = field("model")?.value?.trim();
  if (model) {
    if (MODEL_PATTERN.test(model)) settings.model = model;
    else {
      errors[fieldBlockId("model", channel)] =
        `${quote(model)} is not a model id: letters, digits and . _ : / @ - (e.g. gpt-4.1).`;
    }
  }

  const approval = field("requireApproval")?.selected_option?.value;
  if (approval === REQUIRE_APPROVAL_VALUES.yes) settings.requireApproval = true;
  else if (approval === REQUIRE_APPROVAL_VALUES.no) settings.requireApproval = false;
  else if (approval !== undefined && approval !== REQUIRE_APPROVAL_VALUES.default) {
    errors[fieldBlockId("requireApproval", channel)] = "Pick one of the options.";
  }

  // Both are on by default: only a switch turned off is stored. A form without the field (opened
  // before it existed) changes neither.
  const conversation = field("conversation");
  if (conversation) {
    const on = new Set((conversation.selected_options ?? []).map((o) => o.value));
    if (!on.has(CONVERSATION_VALUES.mentions)) settings.mentions = false;
    if (!on.has(CONVERSATION_VALUES.fileIssues)) settings.fileIssues = false;
  }

  if (Object.keys(errors).length > 0) return { ok: false, errors };
  // The schema is what the store enforces; a mismatch here is a bug, reported on the channel.
  const checked = channelSettingsSchema.safeParse(settings);
  if (!checked.success) {
    return {
      ok: false,
      errors: { [SETTINGS.channelBlock]: "These settings cannot be stored; check every field." },
    };
  }
  return { ok: true, channel, settings: checked.data };
}
