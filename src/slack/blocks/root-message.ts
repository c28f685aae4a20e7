import { type RunStatus, STATUS_EMOJI, STATUS_TEXT } from "../../runs/status.ts";
import { escapeText, link, truncate } from "../mrkdwn.ts";
import type { Message } from "./types.ts";

export interface RootMessageInput {
  slug: string;
  issueUrl: string;
  title: string | undefined;
  requester: string;
  status: RunStatus;
  kestraUrl: string | undefined;
  prUrl: string | undefined;
  note: string | undefined;
}

/** The run's root message in the channel; updated in place as the run moves. */
export function rootMessage(input: RootMessageInput): Message {
  const title = input.title ? ` — ${escapeText(truncate(input.title, 200))}` : "";
  const status = `${STATUS_EMOJI[input.status]} *${STATUS_TEXT[input.status]}*`;
  const meta = [`Requested by <@${input.requester}>`, status];
  if (input.kestraUrl) meta.push(link(input.kestraUrl, "Kestra execution"));
  if (input.prUrl) meta.push(link(input.prUrl, "Pull request"));
  const blocks: Message["blocks"] = [
    {
      type: "section",
      text: { type: "mrkdwn", text: `*Autofix for ${link(input.issueUrl, input.slug)}*${title}` },
    },
    { type: "context", elements: [{ type: "mrkdwn", text: meta.join("  ·  ") }] },
  ];
  if (input.note) {
    blocks.push({
      type: "context",
      elements: [{ type: "mrkdwn", text: escapeText(truncate(input.note, 1000)) }],
    });
  }
  return {
    text: truncate(
      // The fallback text feeds notifications: escaped like the blocks, so no title can @-mention.
      `Autofix for ${input.slug}${input.title ? ` — ${escapeText(input.title)}` : ""}: ${STATUS_TEXT[input.status]}`,
      3000,
    ),
    blocks,
  };
}
