import type { RunStarter } from "../../runs/starter.ts";
import type { SettingsStore } from "../../settings/settings-store.ts";
import { isRepoAllowed } from "../../shared/allowed-repos.ts";
import type { IssueRef } from "../../shared/issue-url.ts";
import { plural } from "../../shared/plural.ts";
import { type HomeNotice, ISSUES_PER_PAGE } from "../../slack/blocks/home/model.ts";
import { userMessage } from "../../slack/error-messages.ts";
import { escapeText } from "../../slack/mrkdwn.ts";
import { refusalText } from "../../slack/refusal-text.ts";
import {
  clickerTeam,
  type HomeArgs,
  type HomeRefreshDeps,
  homeState,
  refreshHome,
} from "./home-common.ts";

export interface HomeFixDeps extends HomeRefreshDeps {
  settings: SettingsStore;
  starter: RunStarter;
  webHost: string;
}

const ISSUE_KEY = /^([A-Za-z0-9][A-Za-z0-9-]{0,38})\/([A-Za-z0-9._-]{1,100})#([1-9][0-9]{0,9})$/;

/** "acme/api#42" from a row's checkbox; re-checked like typed input. */
export function parseIssueKey(key: string, host: string): IssueRef | undefined {
  const m = ISSUE_KEY.exec(key);
  if (!m || m[2] === "." || m[2] === "..") return undefined;
  const number = Number(m[3]);
  if (number > 2_147_483_647) return undefined;
  return { host, owner: m[1] ?? "", repo: m[2] ?? "", number };
}

export const NO_CHANNEL =
  "Pick a channel in “Post runs in…” first: each run gets its thread there, with that channel's settings.";

/** Fix selected: one single run per ticked issue (the batch flow takes labels, not lists). */
export const homeFixSelectedAction = (d: HomeFixDeps) => async (args: HomeArgs) => {
  await args.ack();
  const { nav, selectedIssues } = homeState(args.body);
  const notice =
    selectedIssues.length === 0
      ? { kind: "error" as const, text: "Tick the issues to fix first, then press *Fix selected*." }
      : await startFixes(d, args, nav.channel, selectedIssues);
  await refreshHome(d, args, nav, notice);
};

async function startFixes(
  d: HomeFixDeps,
  args: HomeArgs,
  channel: string | undefined,
  keys: string[],
): Promise<HomeNotice> {
  if (!channel) return { kind: "error", text: NO_CHANNEL };
  const user = args.body.user.id;
  let allowed: string[];
  try {
    allowed = (await d.settings.policy(channel)).allowedRepos;
  } catch (err) {
    return { kind: "error", text: userMessage(err) };
  }
  const team = await clickerTeam(d.slack, args);
  const started: string[] = [];
  const problems: string[] = [];
  // Sequential: each run posts a root message in the same channel (about one per second).
  for (const key of keys.slice(0, ISSUES_PER_PAGE)) {
    const issue = parseIssueKey(key, d.webHost);
    const label = escapeText(key.slice(0, 150));
    if (!issue) {
      problems.push(`${label}: not an issue reference`);
      continue;
    }
    if (!isRepoAllowed(allowed, issue.owner, issue.repo)) {
      problems.push(`${label}: ${issue.owner}/${issue.repo} is not on <#${channel}>'s allow-list`);
      continue;
    }
    const result = await d.starter.start({ team, channel, user, issue });
    if (result.ok) started.push(label);
    else problems.push(`${label}: ${refusalText(result.refusal)}`);
  }
  const lines: string[] = [];
  if (started.length > 0) {
    lines.push(
      `Started ${started.length === 1 ? "a run" : plural(started.length, "run")} in <#${channel}>: ${started.join(", ")}.`,
    );
  }
  if (problems.length > 0) lines.push(`Not started — ${problems.join("; ")}`);
  return { kind: problems.length > 0 ? "error" : "info", text: lines.join("\n").slice(0, 2900) };
}
