import { ACTIONS, BLOCKS } from "../ids.ts";
import { codeBlock, escapeText, link, truncate } from "../mrkdwn.ts";
import { button, viewInKestraButton } from "./buttons.ts";
import { context, section } from "./parts.ts";
import { whileStep } from "./step-words.ts";
import type { Message } from "./types.ts";

export interface FailureInput {
  slug: string;
  executionId: string | undefined;
  failedTask: string | undefined;
  reason: string | undefined;
  logExcerpt: string | undefined;
  kestraUrl: string | undefined;
  requester: string;
  threadLink?: string;
}

function failureBlocks(headline: string, input: FailureInput): Message["blocks"] {
  const blocks: Message["blocks"] = [section(headline)];
  if (input.reason) {
    blocks.push(context(escapeText(truncate(input.reason, 1500))));
  }
  if (input.logExcerpt) {
    blocks.push(section(codeBlock(input.logExcerpt)));
  }
  const elements: Extract<Message["blocks"][number], { type: "actions" }>["elements"] = [];
  if (input.executionId) {
    elements.push(button("Retry", ACTIONS.retry, { value: input.executionId }));
  }
  if (input.kestraUrl) {
    elements.push(viewInKestraButton(input.kestraUrl));
  }
  if (elements.length > 0) {
    blocks.push({ type: "actions", block_id: BLOCKS.failureActions, elements });
  }
  return blocks;
}

/** " while writing the fix": in people's words. */
function when(input: FailureInput): string {
  return input.failedTask ? ` ${whileStep(input.failedTask)}` : "";
}

/** The reply in the run's thread. */
export function failureReply(input: FailureInput): Message {
  const headline = `❌ <@${input.requester}> autofix for *${escapeText(input.slug)}* failed${when(input)}.`;
  return {
    text: `Autofix for ${input.slug} failed${when(input)}`,
    blocks: failureBlocks(headline, input),
  };
}

/** The alert in the alerts channel, linking to the thread; the admins also get Kestra's step. */
export function failureAlert(input: FailureInput): Message {
  const where = input.threadLink ? ` — ${link(input.threadLink, "open the thread")}` : "";
  const step = input.failedTask ? ` (step \`${escapeText(input.failedTask)}\`)` : "";
  const headline = `🚨 *Autofix for ${escapeText(input.slug)} failed*${when(input)}${step}${where}`;
  return {
    text: `Autofix for ${input.slug} failed${when(input)}${input.failedTask ? ` (step ${input.failedTask})` : ""}`,
    blocks: failureBlocks(headline, input),
  };
}

/** In a run's thread: the bot cannot keep it up to date until someone fixes something. */
export function unsyncedReply(input: { slug: string; kestraUrl: string }): Message {
  const text = `⚠️ This thread cannot follow *${escapeText(input.slug)}* for now: the bot met an answer it cannot use. The admins have been told; the thread catches up once it is fixed.`;
  return {
    text: `This thread cannot follow ${input.slug} for now; the admins have been told.`,
    blocks: [
      section(text),
      {
        type: "actions",
        block_id: BLOCKS.failureActions,
        elements: [viewInKestraButton(input.kestraUrl)],
      },
    ],
  };
}

/** To the admins: a run's thread is stuck, and the technical reason (route, version, answer). */
export function unsyncedAlert(input: {
  slug: string;
  kestraUrl: string;
  detail: string;
  threadLink?: string | undefined;
}): Message {
  const where = input.threadLink ? ` — ${link(input.threadLink, "open the thread")}` : "";
  return {
    text: `The thread of ${input.slug} cannot follow its run: ${input.detail}`,
    blocks: [
      section(`🚨 *The thread of ${escapeText(input.slug)} cannot follow its run*${where}`),
      section(codeBlock(truncate(input.detail, 2500))),
      {
        type: "actions",
        block_id: BLOCKS.failureActions,
        elements: [viewInKestraButton(input.kestraUrl)],
      },
    ],
  };
}

/** To the admins, outside any run (an unsupported Kestra, a broken route): what and why. */
export function adminAlert(headline: string, detail?: string): Message {
  return {
    text: `autofix-slack: ${headline}`,
    blocks: [
      section(`🚨 *autofix-slack*: ${escapeText(headline)}`),
      ...(detail ? [section(codeBlock(truncate(detail, 2500)))] : []),
    ],
  };
}
