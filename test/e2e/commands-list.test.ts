import { afterEach, describe, expect, it } from "vitest";
import { ACTIONS } from "../../src/slack/ids.ts";
import { ALERTS, CHANNEL, type Harness, REQUESTER, startHarness } from "../support/harness.ts";
import {
  type Answer,
  ask,
  OTHER_TEAM,
  type SeededRun,
  searchesSince,
  sectionTexts,
  seedRun,
} from "./commands-seed.ts";

let h: Harness;
afterEach(async () => h?.close());

/** 23 runs in the channel (every third failed), plus runs that must never be listed there. */
async function seedChannel(): Promise<{ mine: SeededRun[]; hidden: SeededRun[] }> {
  const mine: SeededRun[] = [];
  for (let i = 1; i <= 23; i++) {
    mine.push(await seedRun(h, { issue: i, state: i % 3 === 0 ? "FAILED" : "SUCCESS" }));
  }
  const hidden = [
    await seedRun(h, { issue: 100, team: OTHER_TEAM, state: "FAILED" }),
    await seedRun(h, { issue: 101, channel: ALERTS, state: "FAILED" }),
  ];
  return { mine, hidden };
}

/** The execution ids of an answer's rows, in display order. */
function rowIds(answer: Answer): string[] {
  return sectionTexts(answer)
    .slice(1)
    .map((t) => /\/([^/|]+)\|Kestra execution>/.exec(t)?.[1] ?? "?");
}

function buttons(answer: Answer): { action_id: string; value: string }[] {
  const pager = (answer.blocks ?? []).find((b) => (b as { type: string }).type === "actions") as
    | { elements: { action_id: string; value: string }[] }
    | undefined;
  return pager?.elements ?? [];
}

/** Clicks a pager button of `answer` and returns what replaced the list. */
async function clickPager(
  answer: Answer,
  actionId: string,
  opts: { channel?: string; value?: string } = {},
): Promise<Answer & { json: string }> {
  const button = buttons(answer).find((b) => b.action_id === actionId);
  const responseUrl = h.slack.responseUrl();
  await h.click({
    user: REQUESTER,
    messageTs: "1764000000.999999",
    actionId,
    value: opts.value ?? button?.value ?? "",
    messageBlocks: answer.blocks ?? [],
    responseUrl,
    ...(opts.channel ? { channel: opts.channel } : {}),
  });
  const body = (await h.slack.waitFor(() => h.slack.responses(responseUrl)[0])) as Answer;
  return { ...body, json: JSON.stringify(body) };
}

describe("/autofix list", () => {
  it("pages through this channel's runs, newest first, 10 at a time, with Previous/Next", async () => {
    h = await startHarness();
    const { mine, hidden } = await seedChannel();
    const newestFirst = mine.map((r) => r.id).reverse();

    const mark = h.kestra.requests.length;
    const page1 = await ask(h, "list");
    expect(page1.response_type).toBe("ephemeral");
    expect(sectionTexts(page1)[0]).toContain("page 1 of 3 (23 runs)");
    expect(rowIds(page1)).toEqual(newestFirst.slice(0, 10));
    expect(buttons(page1).map((b) => b.action_id)).toEqual([ACTIONS.listNext]);
    for (const search of searchesSince(h, mark)) {
      expect(search).toContain(`filters[labels][EQUALS][slack-channel]=${CHANNEL}`);
      expect(search).toContain("filters[labels][EQUALS][slack-team]=T0TEST");
      expect(search).toContain("size=10");
    }

    const page2 = await clickPager(page1, ACTIONS.listNext);
    expect(page2.replace_original).toBe(true);
    expect(sectionTexts(page2)[0]).toContain("page 2 of 3");
    expect(rowIds(page2)).toEqual(newestFirst.slice(10, 20));
    expect(buttons(page2).map((b) => b.action_id)).toEqual([
      ACTIONS.listPrevious,
      ACTIONS.listNext,
    ]);

    const page3 = await clickPager(page2, ACTIONS.listNext);
    expect(rowIds(page3)).toEqual(newestFirst.slice(20));
    expect(buttons(page3).map((b) => b.action_id)).toEqual([ACTIONS.listPrevious]);

    const back = await clickPager(page3, ACTIONS.listPrevious);
    expect(rowIds(back)).toEqual(newestFirst.slice(10, 20));

    const shown = [page1, page2, page3].map((a) => a.json).join("");
    for (const r of hidden) expect(shown).not.toContain(r.id);
  });

  it("filters failed and active runs with Kestra's state filter", async () => {
    h = await startHarness();
    const { mine } = await seedChannel();
    const active = await seedRun(h, { issue: 50, state: "RUNNING" });

    const mark = h.kestra.requests.length;
    const failed = await ask(h, "list failed");
    expect(searchesSince(h, mark)[0]).toContain("filters[state][IN]=FAILED");
    const expected = mine
      .filter((r) => r.issue % 3 === 0)
      .map((r) => r.id)
      .reverse();
    expect(sectionTexts(failed)[0]).toContain("Failed autofix runs");
    expect(sectionTexts(failed)[0]).toContain("(7 runs)");
    expect(rowIds(failed)).toEqual(expected);
    expect(buttons(failed)).toEqual([]);

    const act = await ask(h, "list ACTIVE");
    expect(rowIds(act)).toEqual([active.id]);
  });

  it("says when the channel has no runs", async () => {
    h = await startHarness();
    await seedRun(h, { issue: 1, channel: ALERTS });
    const answer = await ask(h, "list");
    expect(answer.text).toBe(`No autofix run yet in <#${CHANNEL}>.`);
  });
});

describe("pager buttons", () => {
  it("list the clicker's channel, whatever list the button was drawn in", async () => {
    h = await startHarness();
    const { hidden } = await seedChannel();
    // The alerts channel: the run seedChannel put there, then 12 more.
    const alerts: string[] = [hidden[1]?.id ?? ""];
    for (let i = 0; i < 12; i++)
      alerts.push((await seedRun(h, { issue: 200 + i, channel: ALERTS })).id);

    const page1 = await ask(h, "list");
    // The same button value, clicked in another channel: that channel's page 2, not this one's.
    const page2 = await clickPager(page1, ACTIONS.listNext, { channel: ALERTS });
    expect(sectionTexts(page2)[0]).toContain(`<#${ALERTS}> — page 2 of 2 (13 runs)`);
    expect(rowIds(page2)).toEqual(alerts.slice(0, 3).reverse());
  });

  it.each([
    ["an unknown filter", "secret:2"],
    ["page 0", "all:0"],
    ["a page past the limit", "all:5000"],
    ["a channel smuggled in", "all:2:C0OTHER"],
    ["no value", ""],
  ])("refuse %s without searching Kestra", async (_what, value) => {
    h = await startHarness();
    await seedRun(h, { issue: 1 });
    const page1 = await ask(h, "list");
    const mark = h.kestra.requests.length;
    const answer = await clickPager(page1, ACTIONS.listNext, { value });
    expect(answer.text).toBe("That button is out of date. Run `/autofix list` again.");
    expect(answer.replace_original).toBe(false);
    expect(searchesSince(h, mark)).toEqual([]);
  });

  it("show the last page when runs disappeared since the button was drawn", async () => {
    h = await startHarness();
    const { mine } = await seedChannel();
    const page1 = await ask(h, "list");
    // Four newest runs are deleted in Kestra: 19 remain, so page 3 no longer exists.
    for (const r of mine.slice(-4)) h.kestra.deleteExecution(r.id);
    const answer = await clickPager(page1, ACTIONS.listNext, { value: "all:3" });
    expect(sectionTexts(answer)[0]).toContain("page 2 of 2 (19 runs)");
    expect(rowIds(answer)).toHaveLength(9);
  });
});
