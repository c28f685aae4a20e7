import { ACTIONS } from "../ids.ts";

/** The link button every run message carries. */
export function viewInKestraButton(url: string) {
  return {
    type: "button",
    action_id: ACTIONS.viewInKestra,
    text: { type: "plain_text", text: "View in Kestra" },
    url,
  } as const;
}
