import { plural } from "../../shared/plural.ts";
import { ACTIONS, BLOCKS } from "../ids.ts";
import { escapeText, link, prLink, truncate } from "../mrkdwn.ts";
import { button } from "./buttons.ts";
import { mentions, section } from "./parts.ts";
import type { KnownBlock, Message } from "./types.ts";

// Thread replies about a run's PR once it is open: its checks, its reviews, its end. Each is a new
// reply (an edit notifies nobody); those that need someone to act name the requester and the
// approvers and carry the button that acts. In a batch thread they name their issue (`slug`).

export interface PrNoteBase {
  prUrl: string;
  slug?: string | undefined;
}

export interface WhoActs {
  requester: string;
  approvers: { users: string[]; groups: string[] };
}

export interface CheckLine {
  name: string;
  url: string | undefined;
  conclusion: string | null;
}

function reply(base: PrNoteBase, text: string, fallback: string, extra: KnownBlock[] = []) {
  const full = base.slug ? `*${escapeText(base.slug)}*: ${text}` : text;
  const plain = base.slug ? `${base.slug}: ${fallback}` : fallback;
  return { text: truncate(plain, 3000), blocks: [section(full), ...extra] } satisfies Message;
}

/** At most ten names, then how many more. */
function firstTen(names: string[]): string {
  const shown = names.slice(0, 10);
  if (names.length > 10) shown.push(`…and ${names.length - 10} more`);
  return shown.join(", ");
}
const sha7 = (sha: string) => `\`${sha.slice(0, 7)}\``;
const checkLink = (c: { name: string; url: string | undefined }) =>
  c.url ? link(c.url, c.name) : `*${escapeText(c.name)}*`;
const CONCLUSION: Record<string, string> = {
  failure: "failed",
  timed_out: "timed out",
  cancelled: "cancelled",
  action_required: "needs action",
  stale: "stale",
};

function actions(actionId: string, label: string, value: string): KnownBlock {
  return {
    type: "actions",
    block_id: BLOCKS.prActions,
    elements: [button(label, actionId, { style: "primary", value })],
  };
}

export function checksPassedNote(base: PrNoteBase & { sha: string; total: number }): Message {
  return reply(
    base,
    `✅ ${base.total === 1 ? "The check" : `All ${base.total} checks`} passed on ${sha7(base.sha)} of ${prLink(base.prUrl)}.`,
    `All checks passed on PR ${base.prUrl}`,
  );
}

/** Red checks: who should act, and the button that starts a fix on the PR's branch. */
export function checksFailedNote(
  base: PrNoteBase & WhoActs & { sha: string; total: number; failed: CheckLine[]; run: string },
): Message {
  const names = firstTen(
    base.failed.map(
      (c) => `${checkLink(c)} (${CONCLUSION[c.conclusion ?? ""] ?? c.conclusion ?? "failed"})`,
    ),
  );
  const text = [
    `❌ *${base.failed.length} of ${plural(base.total, "check")} failed* on ${sha7(base.sha)} of ${prLink(base.prUrl)}: ${names}.`,
    `${mentions(base.requester, base.approvers)}: *Fix the failing checks* starts a run that commits a fix on top of the PR's branch.`,
  ].join("\n");
  return reply(
    base,
    text,
    `Checks failed on PR ${base.prUrl}: ${base.failed.map((c) => c.name).join(", ")}`,
    [actions(ACTIONS.fixChecks, "Fix the failing checks", base.run)],
  );
}

export function checksTimedOutNote(
  base: PrNoteBase & { sha: string; pending: string[]; minutes: number; requester: string },
): Message {
  const names = firstTen(base.pending.map((n) => `*${escapeText(n)}*`));
  return reply(
    base,
    `⏳ <@${base.requester}> ${plural(base.pending.length, "check")} on ${sha7(base.sha)} of ${prLink(base.prUrl)} ${base.pending.length === 1 ? "has" : "have"} not finished after ${plural(base.minutes, "minute")}: ${names}. The bot says more if ${base.pending.length === 1 ? "it finishes" : "they finish"}; look at the PR if they seem stuck.`,
    `Checks on PR ${base.prUrl} have not finished after ${base.minutes} minutes`,
  );
}

export function reviewApprovedNote(base: PrNoteBase & { user: string; url: string }): Message {
  return reply(
    base,
    `👍 *${escapeText(base.user)}* ${link(base.url, "approved")} ${prLink(base.prUrl)}.`,
    `${base.user} approved PR ${base.prUrl}`,
  );
}

/** The first lines of a review, quoted. */
function quoted(body: string): string {
  const lines = body
    .trim()
    .split(/\r?\n/)
    .filter((l) => l.trim() !== "");
  if (lines.length === 0) return "";
  const first = lines.slice(0, 3).map((l) => `> ${escapeText(truncate(l, 300))}`);
  if (lines.length > 3) first.push("> …");
  return `\n${first.join("\n")}`;
}

/** Changes requested: who asked, what they said first, and the button that addresses it. */
export function changesRequestedNote(
  base: PrNoteBase & WhoActs & { user: string; url: string; body: string; value: string },
): Message {
  const text = [
    `✋ *${escapeText(base.user)}* ${link(base.url, "requested changes")} on ${prLink(base.prUrl)}:${quoted(base.body)}`,
    `${mentions(base.requester, base.approvers)}: *Address the review* starts a run that commits the requested changes on top of the PR's branch.`,
  ].join("\n");
  return reply(base, text, `${base.user} requested changes on PR ${base.prUrl}`, [
    actions(ACTIONS.addressReview, "Address the review", base.value),
  ]);
}

export function prEndNote(
  base: PrNoteBase & { state: "merged" | "closed"; by: string | undefined; requester: string },
): Message {
  if (base.state === "merged") {
    const by = base.by ? ` by *${escapeText(base.by)}*` : "";
    return reply(
      base,
      `🟣 <@${base.requester}> ${prLink(base.prUrl)} was merged${by}. The bot no longer follows it.`,
      `PR ${base.prUrl} was merged`,
    );
  }
  return reply(
    base,
    `🚪 <@${base.requester}> ${prLink(base.prUrl)} was closed without merging. The bot no longer follows it.`,
    `PR ${base.prUrl} was closed without merging`,
  );
}

export function unfollowedNote(base: PrNoteBase & { days: number }): Message {
  return reply(
    base,
    `💤 ${prLink(base.prUrl)} has been followed for ${plural(base.days, "day")}: the bot no longer reports its checks, reviews or merge.`,
    `PR ${base.prUrl} is no longer followed`,
  );
}

/** GitHub refuses to show the PR: said once, plainly. */
export function prUnreadableNote(base: PrNoteBase & { reason: string; stopped: boolean }): Message {
  const then = base.stopped
    ? "The bot stopped following it."
    : "The bot keeps trying; the admins were told.";
  return reply(
    base,
    `⚠️ ${prLink(base.prUrl)} cannot be read from GitHub: ${escapeText(truncate(base.reason, 300))}. ${then}`,
    `PR ${base.prUrl} cannot be read from GitHub`,
  );
}

/** Someone asked for a fix of the failing checks, or for the review to be addressed. */
export function followUpNote(
  base: PrNoteBase & { user: string; kind: "checks" | "review"; what: string },
): Message {
  const asked =
    base.kind === "checks"
      ? `asked for a fix of the failing checks (${escapeText(truncate(base.what, 300))})`
      : `asked to address the review by *${escapeText(base.what)}*`;
  return reply(
    base,
    `🔧 <@${base.user}> ${asked} of ${prLink(base.prUrl)}: a new run commits on top of the PR's branch, and this thread follows it.`,
    `A follow-up run for PR ${base.prUrl} started`,
  );
}
