import type { types } from "@slack/bolt";
import { ACTIONS } from "../ids.ts";

/** A Block Kit button; Slack allows labels of 75 characters. */
export function button(
  text: string,
  actionId: string,
  opts: {
    value?: string;
    url?: string;
    style?: "primary" | "danger";
    confirm?: types.ConfirmationDialog;
  } = {},
): types.Button {
  return {
    type: "button",
    text: { type: "plain_text", text: text.slice(0, 75) },
    action_id: actionId,
    ...(opts.value !== undefined ? { value: opts.value } : {}),
    ...(opts.url !== undefined ? { url: opts.url } : {}),
    ...(opts.style ? { style: opts.style } : {}),
    ...(opts.confirm ? { confirm: opts.confirm } : {}),
  };
}

/** The link button every run message carries. */
export function viewInKestraButton(url: string): types.Button {
  return button("View in Kestra", ACTIONS.viewInKestra, { url });
}
