import { formatDuration } from "../../shared/duration.ts";
import { ACTIONS, BLOCKS } from "../ids.ts";
import { escapeText, link } from "../mrkdwn.ts";
import { button, viewInKestraButton } from "./buttons.ts";
import { section } from "./parts.ts";
import type { Message } from "./types.ts";

export interface StuckInput {
  slug: string;
  executionId: string;
  state: string;
  step: string | undefined;
  idleMs: number;
  requester: string;
  kestraUrl: string;
  threadLink: string | undefined;
}

/** A run that stopped moving outside an approval pause: Cancel or Retry it. */
export function stuckAlert(input: StuckInput): Message {
  const where = input.threadLink ? ` — ${link(input.threadLink, "open the thread")}` : "";
  const step = input.step ? ` at step \`${escapeText(input.step)}\`` : "";
  const text = `⏳ <@${input.requester}> autofix for *${escapeText(input.slug)}* has not changed state for ${formatDuration(input.idleMs)} (${escapeText(input.state)}${step})${where}`;
  return {
    text: `Autofix for ${input.slug} looks stuck (${input.state} for ${formatDuration(input.idleMs)})`,
    blocks: [
      section(text),
      {
        type: "actions",
        block_id: BLOCKS.stuckActions,
        elements: [
          button("Cancel", ACTIONS.stuckCancel, { style: "danger", value: input.executionId }),
          button("Retry", ACTIONS.stuckRetry, { value: input.executionId }),
          viewInKestraButton(input.kestraUrl),
        ],
      },
    ],
  };
}

/** A stuck alert answered: its buttons give way to who did what. */
export function stuckAlertClosed(text: string): Message {
  return { text, blocks: [section(text)] };
}

export function stuckCancelledText(user: string): string {
  return `⏹️ Cancelled by <@${user}>.`;
}

export function stuckRetriedText(user: string): string {
  return `🔄 Started again by <@${user}>.`;
}
