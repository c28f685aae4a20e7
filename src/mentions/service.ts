import type { Logger } from "../logger.ts";
import type { IssueFilings } from "../runs/filing.ts";
import { runOfThread, type ThreadStarter } from "../runs/thread-start.ts";
import type { Policy } from "../settings/channel-settings.ts";
import { REPO_PATTERN } from "../settings/channel-settings.ts";
import type { SettingsStore } from "../settings/settings-store.ts";
import { isRepoAllowed } from "../shared/allowed-repos.ts";
import { issueLinks } from "../shared/issue-links.ts";
import { type IssueRef, parseIssueUrl } from "../shared/issue-url.ts";
import type { FileIssueForm, FileIssueTarget } from "../slack/blocks/file-issue-modal.ts";
import { MAX_PICKS, REFUSALS } from "../slack/blocks/mention-messages.ts";
import type { SlackConversations } from "../slack/conversation.ts";
import { refusalText } from "../slack/refusal-text.ts";
import { authorsOf, draftIssue, type IssueDraft } from "./issue-body.ts";
import { readMention } from "./parse.ts";
import type { ReplyDispatcher } from "./replies.ts";

// The conversational front end: a message that mentions the bot (or a DM) asks for a run as
// /autofix does, under the channel's policy. In a run's thread it is a reply to that run; with an
// issue link it fixes that issue; in a thread that links issues it fixes the one (or offers a
// pick); in a thread without any it offers to file the issue from the thread first.

/** A message addressed to the bot. */
export interface Ask {
  team: string;
  channel: string;
  user: string;
  ts: string;
  /** Its thread, when it is a reply. */
  threadTs: string | undefined;
  text: string;
  botUserId: string;
}

export type MentionOutcome =
  /** Nothing to say privately: the thread shows what happens. */
  | { kind: "done" }
  | { kind: "help" }
  | { kind: "mentions_off" }
  | { kind: "filing_off" }
  | { kind: "no_repo" }
  | { kind: "pull_request" }
  | { kind: "not_allowed"; issue: IssueRef; allowed: string[] }
  | { kind: "repo_not_allowed"; repo: string; allowed: string[] }
  | { kind: "pick"; issues: IssueRef[]; more: number; threadTs: string; askTs: string }
  | { kind: "offer_filing"; threadTs: string; askTs: string; repo: string | undefined }
  /** Said by run logic (a start refused, a revision refused). */
  | { kind: "refused"; text: string };

export interface MentionDeps {
  settings: SettingsStore;
  threadStarter: ThreadStarter;
  conversations: SlackConversations;
  replies: ReplyDispatcher;
  filings: IssueFilings;
  logger: Logger;
  webHost: string;
}

/** A person's click on a picked issue, or the form's submission: who, where, from which ask. */
export interface Place {
  team: string;
  channel: string;
  user: string;
  threadTs: string;
  askTs: string;
}

export class MentionService {
  private readonly d: MentionDeps;
  constructor(deps: MentionDeps) {
    this.d = deps;
  }

  async handle(a: Ask): Promise<MentionOutcome> {
    const policy = await this.d.settings.policy(a.channel);
    if (!policy.mentions) return { kind: "mentions_off" };
    const said = readMention(a.text, a.botUserId, this.d.webHost);
    if (said.help) return { kind: "help" };
    let links = said.links;
    if (a.threadTs) {
      const read = await this.d.conversations.thread(a.channel, a.threadTs);
      const run = runOfThread(read.messages, a.botUserId);
      if (run && !run.run) return { kind: "refused", text: REFUSALS.starting };
      if (run?.run) {
        const told = await this.d.replies.dispatch({
          team: a.team,
          channel: a.channel,
          user: a.user,
          ts: a.ts,
          threadTs: a.threadTs,
          words: said.words,
          run: run.run,
          rootTs: run.rootTs,
        });
        if (told === undefined) return { kind: "done" };
        return { kind: "refused", text: typeof told === "string" ? told : refusalText(told) };
      }
      if (links.issues.length === 0) {
        const people = read.messages.filter((m) => m.user !== a.botUserId);
        links = issueLinks(people.map((m) => m.text).join("\n"), this.d.webHost);
      }
    }
    const threadTs = a.threadTs ?? a.ts;
    const [only, ...others] = links.issues;
    if (only && others.length === 0) return this.start(a, policy, only, threadTs, a.ts);
    if (only) {
      return {
        kind: "pick",
        issues: links.issues.slice(0, MAX_PICKS),
        more: Math.max(0, links.issues.length - MAX_PICKS),
        threadTs,
        askTs: a.ts,
      };
    }
    if (links.pullRequest) return { kind: "pull_request" };
    // A bare mention outside any thread asks nothing yet.
    if (!a.threadTs && said.words === "") return { kind: "help" };
    return this.offer(policy, threadTs, a.ts);
  }

  /** The issue picked in a thread that links several. */
  async picked(p: Place, url: string): Promise<MentionOutcome> {
    const policy = await this.d.settings.policy(p.channel);
    if (!policy.mentions) return { kind: "mentions_off" };
    const parsed = parseIssueUrl(url, this.d.webHost);
    if (!parsed.ok)
      return { kind: "refused", text: `That is not a GitHub issue: ${parsed.reason}.` };
    return this.start(p, policy, parsed.issue, p.threadTs, p.askTs);
  }

  /** The form that files an issue from the thread, or why it cannot be filed. */
  async filingForm(
    p: Place,
    botUserId: string,
  ): Promise<{ ok: true; form: FileIssueForm } | { ok: false; outcome: MentionOutcome }> {
    const policy = await this.d.settings.policy(p.channel);
    const refused = this.filingRefused(policy);
    if (refused) return { ok: false, outcome: refused };
    const draft = await this.draft(p, botUserId);
    const target: FileIssueTarget = { channel: p.channel, threadTs: p.threadTs, askTs: p.askTs };
    return {
      ok: true,
      form: {
        target,
        repos: filingRepos(policy),
        title: draft.title,
        kept: draft.kept,
        total: draft.total,
      },
    };
  }

  /** File & fix: the repository checked again, the body made from the thread as it is now. */
  async file(p: Place, botUserId: string, repo: string, title: string): Promise<MentionOutcome> {
    const policy = await this.d.settings.policy(p.channel);
    const refused = this.filingRefused(policy);
    if (refused) return refused;
    if (!filingRepos(policy).some((r) => r.toLowerCase() === repo.toLowerCase())) {
      return { kind: "repo_not_allowed", repo, allowed: policy.allowedRepos };
    }
    const draft = await this.draft(p, botUserId);
    await this.d.filings.start({ ...p, repo, title, body: draft.body });
    return { kind: "done" };
  }

  private filingRefused(policy: Policy): MentionOutcome | undefined {
    if (!policy.mentions) return { kind: "mentions_off" };
    if (!policy.fileIssues) return { kind: "filing_off" };
    const fallback = policy.defaultRepo;
    if (fallback && !filingRepos(policy).includes(fallback)) {
      return { kind: "repo_not_allowed", repo: fallback, allowed: policy.allowedRepos };
    }
    if (filingRepos(policy).length === 0) return { kind: "no_repo" };
    return undefined;
  }

  private offer(policy: Policy, threadTs: string, askTs: string): MentionOutcome {
    const refused = this.filingRefused(policy);
    if (refused) return refused;
    return { kind: "offer_filing", threadTs, askTs, repo: filingRepos(policy)[0] };
  }

  private async start(
    who: { team: string; channel: string; user: string },
    policy: Policy,
    issue: IssueRef,
    threadTs: string,
    askTs: string,
  ): Promise<MentionOutcome> {
    if (!isRepoAllowed(policy.allowedRepos, issue.owner, issue.repo)) {
      return { kind: "not_allowed", issue, allowed: policy.allowedRepos };
    }
    const result = await this.d.threadStarter.start({
      team: who.team,
      channel: who.channel,
      user: who.user,
      issue,
      threadTs,
      askTs,
    });
    return result.ok ? { kind: "done" } : { kind: "refused", text: refusalText(result.refusal) };
  }

  private async draft(p: Place, botUserId: string): Promise<IssueDraft> {
    const read = await this.d.conversations.thread(p.channel, p.threadTs);
    const said = read.messages.filter((m) => m.user !== botUserId);
    // The mention that asked is the request, not the report, unless it is all there is.
    const others = said.filter((m) => m.ts !== p.askTs);
    const messages = others.length > 0 ? others : said;
    const names = new Map<string, string>();
    for (const id of authorsOf([...messages, { user: p.user, text: "" }], botUserId)) {
      names.set(id, await this.d.conversations.displayName(id));
    }
    return draftIssue({
      messages,
      names,
      botUserId,
      filer: p.user,
      permalink: await this.d.conversations.permalink(p.channel, p.threadTs),
      readCut: read.cut,
    });
  }
}

/** Where an issue may be filed: the channel's default, then the repositories its allow-list names. */
export function filingRepos(policy: Policy): string[] {
  const named = policy.allowedRepos.filter((r) => REPO_PATTERN.test(r));
  const all = policy.defaultRepo ? [policy.defaultRepo, ...named] : named;
  const allowed = all.filter((r) => {
    const [owner = "", repo = ""] = r.split("/");
    return isRepoAllowed(policy.allowedRepos, owner, repo);
  });
  const seen = new Set<string>();
  return allowed.filter((r) => !seen.has(r.toLowerCase()) && seen.add(r.toLowerCase()));
}
