import type { types } from "@slack/bolt";
import type { ChannelSettings, Policy } from "../../settings/channel-settings.ts";
import { SETTINGS } from "../ids.ts";
import { section } from "./parts.ts";
import type { KnownBlock } from "./types.ts";

export const REQUIRE_APPROVAL_VALUES = { default: "default", yes: "yes", no: "no" } as const;

/** The conversation switches' option values (checked = on). */
export const CONVERSATION_VALUES = { mentions: "mentions", fileIssues: "file_issues" } as const;

export interface SettingsModalInput {
  /** The channel whose settings are edited; without it only the channel picker shows. */
  channel: string | undefined;
  /** The channel's saved settings (not the effective policy: unset fields stay unset). */
  settings: ChannelSettings;
  /** The environment's values, shown as the defaults. */
  defaults: Policy;
  /** Shown instead of the fields when the user may not edit this channel. */
  refusal?: string;
}

/** The block id of a field: it carries the channel the field was loaded for. */
export function fieldBlockId(field: keyof typeof SETTINGS.fields, channel: string): string {
  return `${SETTINGS.fields[field]}.${channel}`;
}

const plain = (text: string) => ({ type: "plain_text" as const, text });

function textInput(
  field: keyof typeof SETTINGS.fields,
  channel: string,
  label: string,
  hint: string,
  value: string | undefined,
  multiline = false,
): KnownBlock {
  return {
    type: "input",
    block_id: fieldBlockId(field, channel),
    optional: true,
    label: plain(label),
    hint: plain(hint.slice(0, 2000)),
    element: {
      type: "plain_text_input",
      action_id: SETTINGS.input,
      multiline,
      max_length: 3000,
      ...(value ? { initial_value: value } : {}),
    },
  };
}

const list = (values: readonly string[], none: string) =>
  values.length > 0 ? values.join(", ") : none;

/** The per-channel settings modal (callback SETTINGS.callbackId). */
export function settingsModal(input: SettingsModalInput): types.ModalView {
  const { channel, settings: cs, defaults } = input;
  const blocks: KnownBlock[] = [
    {
      type: "input",
      block_id: SETTINGS.channelBlock,
      dispatch_action: true,
      label: plain("Channel"),
      hint: plain("The settings apply to /autofix and to runs posted in this channel."),
      element: {
        type: "conversations_select",
        action_id: SETTINGS.channelAction,
        placeholder: plain("Pick a channel"),
        filter: { include: ["public", "private"], exclude_bot_users: true },
        ...(channel ? { initial_conversation: channel } : {}),
      },
    },
  ];
  if (!channel) {
    blocks.push(section("Pick a channel to load its settings."));
  } else if (input.refusal) {
    blocks.push(section(`🔒 ${input.refusal}`));
  } else {
    blocks.push(...fieldBlocks(channel, cs, defaults));
  }
  return {
    type: "modal",
    callback_id: SETTINGS.callbackId,
    title: plain("Autofix settings"),
    submit: plain("Save"),
    close: plain("Cancel"),
    blocks,
  };
}

function fieldBlocks(channel: string, cs: ChannelSettings, defaults: Policy): KnownBlock[] {
  const users = (cs.approvers ?? []).filter((id) => !id.startsWith("S"));
  const groups = (cs.approvers ?? []).filter((id) => id.startsWith("S"));
  const approvalOptions = [
    {
      text: plain(`Environment default (${defaults.requireApproval ? "ask" : "don't ask"})`),
      value: REQUIRE_APPROVAL_VALUES.default,
    },
    { text: plain("Ask for approval before opening a PR"), value: REQUIRE_APPROVAL_VALUES.yes },
    { text: plain("Open the PR without approval"), value: REQUIRE_APPROVAL_VALUES.no },
  ];
  const approvalChoice = cs.requireApproval === undefined ? 0 : cs.requireApproval ? 1 : 2;
  // Hints are plain text: ids, not mentions.
  const defaultApprovers = [...defaults.approvers.users, ...defaults.approvers.groups];
  return [
    {
      type: "context",
      elements: [
        {
          type: "mrkdwn",
          text: `Editing <#${channel}>. An empty field uses the environment's default, shown under it.`,
        },
      ],
    },
    textInput(
      "defaultRepo",
      channel,
      "Default repository",
      `owner/repo or its URL. Default: ${defaults.defaultRepo ?? "none"}.`,
      cs.defaultRepo,
    ),
    textInput(
      "allowedRepos",
      channel,
      "Allowed repositories",
      `owner/repo or owner/*, one per line or comma-separated, at most 50. Default: ${list(defaults.allowedRepos, "any repository")}.`,
      cs.allowedRepos?.join("\n"),
      true,
    ),
    textInput(
      "labels",
      channel,
      "Default labels",
      `Comma-separated, at most 10; the dashboard lists open issues with all of them. Default: ${list(defaults.defaultLabels, "none")}.`,
      cs.defaultLabels?.join(", "),
    ),
    {
      type: "input",
      block_id: fieldBlockId("alerts", channel),
      optional: true,
      label: plain("Alerts channel"),
      hint: plain(`Failures are also posted there. Default: ${defaults.alertChannel ?? "none"}.`),
      element: {
        type: "multi_conversations_select",
        action_id: SETTINGS.input,
        max_selected_items: 1,
        placeholder: plain("Pick a channel"),
        filter: { include: ["public", "private"], exclude_bot_users: true },
        ...(cs.alertChannel ? { initial_conversations: [cs.alertChannel] } : {}),
      },
    },
    {
      type: "input",
      block_id: fieldBlockId("approverUsers", channel),
      optional: true,
      label: plain("Approvers"),
      hint: plain(
        `They approve patches and may edit these settings. Default: ${list(defaultApprovers, "only the requester approves")}.`,
      ),
      element: {
        type: "multi_users_select",
        action_id: SETTINGS.input,
        placeholder: plain("Pick people"),
        ...(users.length > 0 ? { initial_users: users } : {}),
      },
    },
    textInput(
      "approverGroups",
      channel,
      "Approver user groups",
      "User group ids (S…), comma-separated; every member may approve.",
      groups.join(", "),
    ),
    textInput(
      "model",
      channel,
      "Model",
      `The coding agent's model id for this channel's runs, e.g. gpt-4.1; model:<id> on a command overrides it. Default: ${defaults.model}.`,
      cs.model,
    ),
    {
      type: "input",
      block_id: fieldBlockId("requireApproval", channel),
      label: plain("Approval"),
      element: {
        type: "radio_buttons",
        action_id: SETTINGS.input,
        options: approvalOptions,
        initial_option: approvalOptions[approvalChoice] ?? approvalOptions[0],
      },
    },
    conversationField(channel, cs),
  ] as KnownBlock[];
}

/** Mentions and filing issues: on unless the channel turned them off. */
function conversationField(channel: string, cs: ChannelSettings): KnownBlock {
  const options = [
    {
      text: plain("Runs asked for by mentioning @autofix (and in its DMs)"),
      value: CONVERSATION_VALUES.mentions,
    },
    {
      text: plain("Filing a GitHub issue from a thread (@autofix fix this)"),
      value: CONVERSATION_VALUES.fileIssues,
    },
  ];
  const on = options.filter((o) =>
    o.value === CONVERSATION_VALUES.mentions ? cs.mentions !== false : cs.fileIssues !== false,
  );
  return {
    type: "input",
    block_id: fieldBlockId("conversation", channel),
    optional: true,
    label: plain("Conversation"),
    hint: plain("Unchecked: only /autofix, the shortcut and the App Home start runs here."),
    element: {
      type: "checkboxes",
      action_id: SETTINGS.input,
      options,
      ...(on.length > 0 ? { initial_options: on } : {}),
    },
  } as KnownBlock;
}

/** A modal that only says something (no inputs, so no submit button). */
export function settingsMessageModal(text: string): types.ModalView {
  return {
    type: "modal",
    callback_id: SETTINGS.callbackId,
    title: plain("Autofix settings"),
    close: plain("Close"),
    blocks: [section(text)],
  };
}
