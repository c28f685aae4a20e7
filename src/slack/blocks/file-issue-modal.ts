import type { types } from "@slack/bolt";
import { FILE_ISSUE_FORM } from "../ids.ts";
import { escapeText } from "../mrkdwn.ts";
import { context, section } from "./parts.ts";
import type { KnownBlock } from "./types.ts";

// The form that files a GitHub issue from a thread: the repository (the channel's default, or one
// of its allow-list), an editable title, and what the body will hold.

/** GitHub's limit for an issue title. */
export const MAX_TITLE_CHARS = 256;

/** Where the form was opened from. Echoed back in private_metadata: re-checked, never trusted. */
export interface FileIssueTarget {
  channel: string;
  threadTs: string;
  askTs: string;
}

export interface FileIssueForm {
  target: FileIssueTarget;
  /** The repositories it may go to; the first is preselected. */
  repos: string[];
  title: string;
  /** Messages the body quotes, and how many the thread has. */
  kept: number;
  total: number;
}

const plain = (text: string) => ({ type: "plain_text" as const, text });

export function fileIssueModal(f: FileIssueForm): types.ModalView {
  const options = f.repos.map((r) => ({ text: plain(r.slice(0, 75)), value: r }));
  const blocks: KnownBlock[] = [
    {
      type: "input",
      block_id: FILE_ISSUE_FORM.repoBlock,
      label: plain("Repository"),
      element: {
        type: "static_select",
        action_id: FILE_ISSUE_FORM.input,
        options,
        ...(options[0] ? { initial_option: options[0] } : {}),
      },
    } as KnownBlock,
    {
      type: "input",
      block_id: FILE_ISSUE_FORM.titleBlock,
      label: plain("Title"),
      element: {
        type: "plain_text_input",
        action_id: FILE_ISSUE_FORM.input,
        max_length: MAX_TITLE_CHARS,
        ...(f.title ? { initial_value: f.title } : {}),
      },
    } as KnownBlock,
    section(
      `The issue's body quotes this thread's ${f.kept === 1 ? "message" : `${f.kept} messages`} with their authors' names, and links back to the thread. Its run then starts in the thread.`,
    ),
  ];
  if (f.kept < f.total) {
    blocks.push(
      context(
        `⚠️ This thread is long: the issue holds its first ${f.kept} of ${f.total} messages, and says it was cut.`,
      ),
    );
  }
  return {
    type: "modal",
    callback_id: FILE_ISSUE_FORM.callbackId,
    private_metadata: JSON.stringify({
      c: f.target.channel,
      t: f.target.threadTs,
      a: f.target.askTs,
    }),
    title: plain("File an issue"),
    submit: plain("File & fix"),
    close: plain("Cancel"),
    blocks,
  };
}

export function parseFileIssueTarget(metadata: string): FileIssueTarget | undefined {
  try {
    const v = JSON.parse(metadata) as Record<string, unknown>;
    const [c, t, a] = [v["c"], v["t"], v["a"]];
    const ts = (x: unknown): x is string => typeof x === "string" && /^\d+\.\d+$/.test(x);
    if (typeof c !== "string" || !/^[CGD][A-Z0-9]+$/.test(c) || !ts(t) || !ts(a)) return undefined;
    return { channel: c, threadTs: t, askTs: a };
  } catch {
    return undefined;
  }
}

/** What the form shows once submitted, while Kestra files the issue. */
export function filingText(repo: string): string {
  return `⏳ Filing the issue in *${escapeText(repo)}*… Its run starts in the thread once GitHub has it.`;
}
