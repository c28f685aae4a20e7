import type { IssueRef } from "../../shared/issue-url.ts";
import { issueSlug, issueUrl } from "../../shared/issue-url.ts";
import { ACTIONS, COMMAND } from "../ids.ts";
import { escapeText, link } from "../mrkdwn.ts";
import { button } from "./buttons.ts";
import { context, section } from "./parts.ts";
import type { Message } from "./types.ts";

// What the bot answers, privately, to a message that mentions it (or a DM): help, a picker when a
// thread links several issues, the offer to file an issue from a thread, and refusals.

/** Where a picked issue (or a filed one) goes. Echoed back by Slack: re-checked, never trusted. */
export interface AskPlace {
  /** The thread the run goes in. */
  threadTs: string;
  /** The message that asked: its reactions follow the run. */
  askTs: string;
}

export interface PickValue extends AskPlace {
  issueUrl: string;
}

const TS = /^\d+\.\d+$/;

function encodePick(v: PickValue): string {
  return JSON.stringify({ i: v.issueUrl, t: v.threadTs, a: v.askTs });
}

export function parsePick(value: string | undefined): PickValue | undefined {
  const v = parseJson(value);
  const [i, t, a] = [v?.["i"], v?.["t"], v?.["a"]];
  if (typeof i !== "string" || typeof t !== "string" || typeof a !== "string") return undefined;
  return TS.test(t) && TS.test(a) ? { issueUrl: i, threadTs: t, askTs: a } : undefined;
}

function encodePlace(p: AskPlace): string {
  return JSON.stringify({ t: p.threadTs, a: p.askTs });
}

export function parsePlace(value: string | undefined): AskPlace | undefined {
  const v = parseJson(value);
  const [t, a] = [v?.["t"], v?.["a"]];
  if (typeof t !== "string" || typeof a !== "string") return undefined;
  return TS.test(t) && TS.test(a) ? { threadTs: t, askTs: a } : undefined;
}

function parseJson(value: string | undefined): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(value ?? "");
    return v && typeof v === "object" ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Most issues a picker offers (an actions block holds 25 elements; people read fewer). */
export const MAX_PICKS = 10;

export function issuePicker(input: AskPlace & { issues: IssueRef[]; more: number }): Message {
  const buttons = input.issues.slice(0, MAX_PICKS).map((issue, n) =>
    button(issueSlug(issue), `${ACTIONS.pickIssue}:${n}`, {
      value: encodePick({
        issueUrl: issueUrl(issue),
        threadTs: input.threadTs,
        askTs: input.askTs,
      }),
    }),
  );
  const count = input.issues.length + input.more;
  return {
    text: `This thread links ${count} issues: which one should I fix?`,
    blocks: [
      section(`This thread links ${count} GitHub issues. Which one should I fix here?`),
      { type: "actions", elements: buttons },
      ...(input.more > 0
        ? [context(`${input.more} more are not shown: mention me with the issue's link instead.`)]
        : []),
    ],
  };
}

export function pickedNote(issue: IssueRef): Message {
  const slug = issueSlug(issue);
  return {
    text: `Starting ${slug} in this thread…`,
    blocks: [section(`Starting *${escapeText(slug)}* in this thread…`)],
  };
}

export function fileOffer(input: AskPlace & { repo: string | undefined }): Message {
  const where = input.repo ? ` in *${escapeText(input.repo)}*` : "";
  return {
    text: "This thread links no GitHub issue: file one from it, then fix it?",
    blocks: [
      section(
        `This thread links no GitHub issue. I can file one${where} from this conversation (you edit the title first), then fix it here.`,
        button("File an issue & fix…", ACTIONS.fileIssue, { value: encodePlace(input) }),
      ),
    ],
  };
}

export function mentionHelp(webHost: string): string {
  const url = `https://${webHost}/<owner>/<repo>/issues/<number>`;
  return [
    "*Mention me where the bug is discussed:*",
    `• \`@autofix ${url}\` — fix that issue; the run follows in this thread.`,
    "• `@autofix` in a thread that links an issue — fix it (several links: pick one).",
    "• `@autofix fix this` in a thread without a link — file the issue from the thread first, then fix it.",
    "• `@autofix <what to change>` in a run's thread — revise its patch (its requester and approvers).",
    "• `@autofix fix CI` or `@autofix address the review` in the thread of a PR the bot follows — what the buttons of the same name do.",
    `The same works in my Messages tab. \`${COMMAND} help\` lists the commands.`,
  ].join("\n");
}

export const REFUSALS = {
  mentionsOff: `Mentions are turned off in this channel: use \`${COMMAND} <issue-url>\`. Its approvers or a workspace admin can turn them on (App Home → Settings).`,
  filingOff: `This thread links no GitHub issue, and filing issues from Slack is turned off in this channel: mention me with the issue's link, or use \`${COMMAND} <issue-url>\`.`,
  noRepo:
    "This thread links no GitHub issue, and this channel has no default repository to file one in (nor a repository on its allow-list to pick): mention me with the issue's link, or ask an approver to set a default repository (App Home → Settings).",
  pullRequest: "That links a pull request, not an issue: Autofix fixes issues.",
  starting: "A run is starting in this thread: wait for its patch, then reply again.",
  emptyFeedback:
    "Say what the agent should change: `@autofix <what to change>` in this thread starts a revision of its patch.",
} as const;

/** The filed issue's run did not start: said in the thread, to whoever filed it (`reason` is mrkdwn). */
export function filedNotStarted(input: { user: string; issue: IssueRef; reason: string }): Message {
  const slug = issueSlug(input.issue);
  return {
    text: `Filed ${slug}, but its run did not start`,
    blocks: [
      section(
        `<@${input.user}> I filed ${link(issueUrl(input.issue), slug)}, but its run did not start: ${input.reason}`,
      ),
    ],
  };
}
