// What following one PR costs on GitHub, per hour, at the default interval: the follower's passes
// are run as its timer would (one per AUTOFIX_PR_POLL_SECONDS), against the GitHub fake, which
// answers If-None-Match with 304 like GitHub (free of the rate limit).

import { parseConfig } from "../src/config.ts";
import type { Harness } from "../test/support/harness.ts";
import { followPass, runToOpenPr } from "../test/support/pr-scenarios.ts";
import { githubRoute, tally } from "./calls.ts";

export interface HourCost {
  looks: number;
  calls: number;
  notModified: number;
  /** What counted against the token's primary rate limit (not a 304). */
  counted: number;
  detail: string;
}

/** The default interval, as the bot reads it. */
export function defaultIntervalSeconds(): number {
  const env = {
    SLACK_BOT_TOKEN: "xoxb-x",
    SLACK_SIGNING_SECRET: "12345678",
    KESTRA_URL: "http://kestra:8080",
    KESTRA_USERNAME: "a@b.c",
    KESTRA_PASSWORD: "x",
    AUTOFIX_WEBHOOK_TOKEN: "0123456789abcdef",
  };
  return parseConfig(env).prFollow.intervalMs / 1000;
}

/**
 * One hour of looks at one open PR. `busy`: its checks run for the first three looks and pass on
 * the fourth, and a reviewer approves at the tenth; otherwise nothing changes all hour.
 */
export async function followHour(h: Harness, busy: boolean): Promise<HourCost> {
  const pr = await runToOpenPr(h);
  const sha = h.github.headShaOf("acme", "api", pr.number);
  const looks = Math.round(3600 / defaultIntervalSeconds());
  const build = busy
    ? h.github.addCheckRun("acme", "api", { sha, name: "build", status: "in_progress" })
    : undefined;
  if (!busy) h.github.addCheckRun("acme", "api", { sha, name: "build", conclusion: "success" });
  // The first look (checks said, reviews read) is the PR's; the hour is what follows it.
  if (!busy) await followPass(h);
  const from = h.github.requests.length;
  for (let i = 1; i <= looks; i++) {
    if (build && i === 4)
      h.github.updateCheckRun("acme", "api", build.id, { conclusion: "success" });
    if (busy && i === 10)
      h.github.addReview("acme", "api", pr.number, { user: "alice", state: "APPROVED" });
    await followPass(h);
  }
  const asked = h.github.requests.slice(from);
  const notModified = asked.filter((r) => r.status === 304).length;
  return {
    looks,
    calls: asked.length,
    notModified,
    counted: asked.length - notModified,
    detail: tally(asked.map((r) => `${githubRoute(r.path)} ${r.status}`)),
  };
}
