// Runs for the run-control command tests, created the way the starter does (root message, then a
// Kestra execution with the Slack labels) but without the GitHub round trip, so a test can make
// dozens in different channels, teams and states.

import { SINGLE_FLOW_ID, SINGLE_INPUTS } from "../../src/contracts/flow.ts";
import { runLabels } from "../../src/runs/context.ts";
import { CHANNEL, type Harness, REQUESTER } from "../support/harness.ts";

export const TEAM = "T0TEST";
export const OTHER_TEAM = "T0ELSEWHERE";

export interface SeedOptions {
  issue: number;
  team?: string;
  channel?: string;
  user?: string;
  /** Kestra state after creation (default: CREATED). */
  state?: string;
  title?: string;
}

export interface SeededRun {
  id: string;
  rootTs: string;
  issue: number;
}

export async function seedRun(h: Harness, opts: SeedOptions): Promise<SeededRun> {
  const channel = opts.channel ?? CHANNEL;
  const s = h.app.runtime;
  const root = await s.slack.chat.postMessage({
    channel,
    text: `Autofix for acme/api#${opts.issue}`,
  });
  const rootTs = root.ts ?? "";
  const execution = await s.kestra.createExecution(
    SINGLE_FLOW_ID,
    {
      [SINGLE_INPUTS.issueUrl]: `https://github.com/acme/api/issues/${opts.issue}`,
      [SINGLE_INPUTS.applyFix]: true,
      [SINGLE_INPUTS.waitForApproval]: true,
    },
    runLabels({
      team: opts.team ?? TEAM,
      channel,
      rootTs,
      user: opts.user ?? REQUESTER,
      repo: "acme/api",
      issue: String(opts.issue),
      title: opts.title ?? `Issue ${opts.issue}`,
      slug: `acme/api#${opts.issue}`,
    }),
  );
  if (opts.state) h.kestra.setState(execution.id, opts.state);
  // Kestra sorts on the start date (millisecond precision): keep creations apart.
  await new Promise((r) => setTimeout(r, 3));
  return { id: execution.id, rootTs, issue: opts.issue };
}

/** The Kestra search requests the bot made since `from` (an index into h.kestra.requests). */
export function searchesSince(h: Harness, from: number): string[] {
  return h.kestra.requests
    .slice(from)
    .filter((r) => r.path.includes("/executions/search"))
    .map((r) => decodeURIComponent(r.path));
}

export interface Answer {
  response_type?: string;
  replace_original?: boolean;
  text: string;
  blocks?: unknown[];
}

/** Sends `/autofix <text>` and returns the first answer posted to its response_url. */
export async function ask(
  h: Harness,
  text: string,
  fields: Record<string, string> = {},
): Promise<Answer & { json: string }> {
  const url = h.slack.responseUrl();
  const ack = await h.command(text, { response_url: url, ...fields });
  if (ack.status !== 200) throw new Error(`command answered ${ack.status}`);
  const body = (await h.slack.waitFor(() => h.slack.responses(url)[0], {
    description: `answer to /autofix ${text}`,
  })) as Answer;
  return { ...body, json: JSON.stringify(body) };
}

/** The mrkdwn texts of an answer's section blocks, in order. */
export function sectionTexts(answer: Answer): string[] {
  return (answer.blocks ?? []).flatMap((b) => {
    const block = b as { type: string; text?: { text?: string } };
    return block.type === "section" && block.text?.text ? [block.text.text] : [];
  });
}
