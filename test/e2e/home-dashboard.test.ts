import { afterEach, describe, expect, it } from "vitest";
import { LABELS, SINGLE_FLOW_ID, SINGLE_INPUTS, TASKS } from "../../src/contracts/flow.ts";
import { ACTIONS, HOME_ACTIONS, HOME_BLOCKS } from "../../src/slack/ids.ts";
import { FlowDriver } from "../support/flow-driver.ts";
import { CHANNEL, type Harness, REQUESTER, startHarness } from "../support/harness.ts";
import {
  blocksOf,
  elementsOf,
  homeVersions,
  nextHome,
  openHome,
  type ViewRecord,
  valuesOf,
  viewAction,
  viewText,
} from "./home-helpers.ts";

let h: Harness;
afterEach(async () => h?.close());

const issueUrl = (n: number) => `https://github.com/acme/api/issues/${n}`;

async function startRun(n: number): Promise<FlowDriver> {
  const before = h.kestra.executions.length;
  await h.command(issueUrl(n));
  await h.slack.waitFor(() => h.kestra.executions.length === before + 1);
  return FlowDriver.latest(h);
}

/** A run created straight in Kestra, as another bot (or another team) would. */
async function createRun(
  team: string,
  n: number,
  ts: string,
  where: { channel?: string; user?: string; title?: string } = {},
) {
  return h.app.runtime.kestra.createExecution(
    SINGLE_FLOW_ID,
    {
      [SINGLE_INPUTS.issueUrl]: issueUrl(n),
      [SINGLE_INPUTS.repoUrl]: "https://github.com/acme/api",
      [SINGLE_INPUTS.applyFix]: true,
      [SINGLE_INPUTS.createPr]: false,
      [SINGLE_INPUTS.waitForApproval]: true,
    },
    {
      [LABELS.team]: team,
      [LABELS.channel]: where.channel ?? CHANNEL,
      [LABELS.ts]: ts,
      [LABELS.user]: where.user ?? REQUESTER,
      [LABELS.repo]: "acme/api",
      [LABELS.issue]: String(n),
      ...(where.title ? { [LABELS.title]: where.title } : {}),
    },
  );
}

/** Clicks a Home button with the Home's current state (channel picked or not). */
async function click(
  view: ViewRecord,
  actionId: string,
  opts: { value?: string; channel?: string; selected?: string[]; user?: string } = {},
): Promise<ViewRecord> {
  const user = opts.user ?? REQUESTER;
  const before = homeVersions(h, user);
  const state: Record<string, Record<string, Record<string, unknown>>> = {
    [HOME_BLOCKS.controls]: {
      [HOME_ACTIONS.channel]: {
        type: "conversations_select",
        selected_conversation: opts.channel ?? null,
      },
    },
  };
  // Each issue row holds its own checkbox, so Slack sends each ticked row under its block.
  for (const v of opts.selected ?? []) {
    state[`${HOME_BLOCKS.issuePrefix}${v}`] = {
      [HOME_ACTIONS.select]: {
        type: "checkboxes",
        selected_options: [{ text: { type: "plain_text", text: "Fix" }, value: v }],
      },
    };
  }
  const res = await viewAction(h, {
    user,
    view,
    actionId,
    ...(opts.value !== undefined ? { value: opts.value } : {}),
    state,
  });
  expect(res.status).toBe(200);
  return nextHome(h, user, before);
}

/** The issues that can be ticked for "Fix selected": every row checkbox's option value. */
function picksOf(view: ViewRecord): string[] {
  return elementsOf(view.view)
    .filter((e) => e.element["action_id"] === HOME_ACTIONS.select)
    .flatMap((e) => (e.element["options"] as { value: string }[]).map((o) => o.value));
}

/** How many blocks of the Open issues section name `needle`. */
function issueBlocksNaming(view: ViewRecord, needle: string): number {
  const blocks = blocksOf(view.view);
  const start = blocks.findIndex((b) => JSON.stringify(b).includes("Open issues"));
  return blocks.slice(start).filter((b) => JSON.stringify(b).includes(needle)).length;
}

/** The group headings and run slugs of the Recent runs section, in display order. */
function runsOutline(view: ViewRecord): string[] {
  const out: string[] = [];
  let inRuns = false;
  for (const block of blocksOf(view.view)) {
    const text = JSON.stringify(block);
    if (block["type"] === "header") inRuns = text.includes("Recent runs");
    if (!inRuns) continue;
    if (block["type"] === "context" && /\*(👀|⚙️|❌|🚫|✅) [A-Z]/.test(text)) {
      out.push(/\*(?:👀|⚙️|❌|🚫|✅) ([A-Za-z, ]+)\*/.exec(text)?.[1] ?? "?");
    }
    const slug = /acme\/api#(\d+)/.exec(text);
    if (block["type"] === "section" && slug) out.push(`#${slug[1]}`);
  }
  return out;
}

describe("App Home dashboard", () => {
  it("app_home_opened publishes the workspace's recent runs grouped by state, with links and actions", async () => {
    h = await startHarness({ env: { AUTOFIX_DEFAULT_REPO: "acme/api" } });
    for (const n of [101, 102, 103, 104, 106]) {
      h.github.addIssue("acme", "api", { number: n, title: `Bug ${n}`, labels: ["bug"] });
    }
    const awaiting = await startRun(101);
    await awaiting.started();
    await awaiting.patchReady();
    const running = await startRun(102);
    await running.started();
    const failed = await startRun(103);
    await failed.started();
    await failed.fail(TASKS.fix, ["boom"]);
    const done = await startRun(104);
    await done.started();
    await done.patchReady();
    h.kestra.setTaskRunState(
      done.id,
      h.kestra.execution(done.id).taskRunList.at(-1)?.id ?? "",
      "SUCCESS",
    );
    await done.prCreated();
    const rejected = await startRun(106);
    await rejected.started();
    await rejected.patchReady();
    const rejectedTs =
      h.kestra.execution(rejected.id).labels.find((l) => l.key === LABELS.ts)?.value ?? "";
    await h.click({
      user: REQUESTER,
      messageTs: rejectedTs,
      actionId: ACTIONS.reject,
      value: rejected.id,
    });
    await h.slack.waitFor(() => h.kestra.resumes.length === 1);
    await rejected.finished();
    // The PR link reaches the run record when the notification's sync has run.
    await h.app.runtime.background.drain();
    // Another workspace's run must not show.
    await createRun("T0ELSEWHERE", 105, "1700000000.000105");

    const home = await openHome(h, REQUESTER);
    expect(home.view["type"]).toBe("home");
    expect(runsOutline(home)).toEqual([
      "Awaiting approval",
      "#101",
      "Running",
      "#102",
      "Failed",
      "#103",
      // Rejected is not finished: it has its own group.
      "Rejected, expired or cancelled",
      "#106",
      "Finished",
      "#104",
    ]);
    const text = viewText(home.view);
    expect(text).not.toContain("#105");
    // Retry on the failed run, Cancel on the active ones, nothing on those that are over.
    expect(valuesOf(home.view, HOME_ACTIONS.retry)).toEqual([failed.id]);
    expect(valuesOf(home.view, HOME_ACTIONS.cancel).sort()).toEqual(
      [awaiting.id, running.id].sort(),
    );
    // Each run's Kestra link shows once in Recent runs, in its row: no "Open in Kestra" repeats it.
    const runsText = text.slice(0, text.indexOf("Open issues"));
    for (const run of [awaiting, running, failed, done, rejected]) {
      const kestraUrl = `https://kestra.example.com/ui/main/executions/dev.autofix/${SINGLE_FLOW_ID}/${run.id}`;
      expect(runsText.split(kestraUrl).length - 1, run.id).toBe(1);
    }
    expect(text).not.toContain("Open in Kestra");
    // Only the view's main action is primary (green).
    const primary = elementsOf(home.view).filter((e) => e.element["style"] === "primary");
    expect(primary.map((e) => e.element["action_id"])).toEqual([HOME_ACTIONS.fixSelected]);
    expect(text).toContain("https://github.com/acme/api/pull/43");
    // The thread link is exactly what chat.getPermalink answers for the root message.
    const rootTs =
      h.kestra.execution(awaiting.id).labels.find((l) => l.key === LABELS.ts)?.value ?? "";
    const { permalink } = await h.app.runtime.slack.chat.getPermalink({
      channel: CHANNEL,
      message_ts: rootTs,
    });
    expect(text).toContain(permalink);
    // Listings are filtered searches of this team's single runs.
    const searches = h.kestra.requests.filter((r) => r.path.includes("/executions/search"));
    const teamFilter = `filters[labels][EQUALS][${LABELS.team}]=T0TEST`;
    expect(searches.some((r) => decodeURIComponent(r.path).includes(teamFilter))).toBe(true);

    // Issues: open, labelled, pull requests excluded, with their fix status.
    const issues = text.slice(text.indexOf("Open issues"));
    expect(issues).toContain("awaiting approval");
    expect(issues).toContain("PR open");
    expect(issues).not.toContain("acme/api#7 ");
    // One row per issue: each is named once, and only fixable ones can be ticked.
    for (const n of [101, 102, 103, 104, 106]) {
      expect(issueBlocksNaming(home, `acme/api#${n}`), `#${n}`).toBe(1);
    }
    expect(picksOf(home).sort()).toEqual(["acme/api#103", "acme/api#106"]);
  });

  it("pages runs and issues with Previous/Next: every page is valid and together they show everything", async () => {
    h = await startHarness({ env: { AUTOFIX_DEFAULT_REPO: "acme/api" } });
    const runIds = new Set<string>();
    for (let i = 0; i < 57; i++) {
      const e = await createRun("T0TEST", 1000 + i, `1700000000.${String(100000 + i)}`);
      runIds.add(e.id);
    }
    const issueNumbers = new Set<number>();
    for (let n = 200; n < 245; n++) {
      h.github.addIssue("acme", "api", {
        number: n,
        title: `Issue ${n} ${"x".repeat(150)}`,
        labels: ["bug"],
      });
      issueNumbers.add(n);
    }

    let home = await openHome(h, REQUESTER);
    const seenRuns = new Set<string>();
    for (let page = 1; ; page++) {
      expect(blocksOf(home.view).length).toBeLessThanOrEqual(100);
      expect(viewText(home.view)).toContain(`Page ${page} of 6 · 57 runs`);
      for (const id of valuesOf(home.view, HOME_ACTIONS.cancel)) seenRuns.add(id);
      const next = valuesOf(home.view, HOME_ACTIONS.runsNext)[0];
      if (!next) break;
      home = await click(home, HOME_ACTIONS.runsNext, { value: next });
    }
    expect(seenRuns).toEqual(runIds);

    // Back one page with Previous.
    const prev = valuesOf(home.view, HOME_ACTIONS.runsPrev)[0] ?? "";
    home = await click(home, HOME_ACTIONS.runsPrev, { value: prev });
    expect(viewText(home.view)).toContain("Page 5 of 6 · 57 runs");

    const seenIssues = new Set<number>();
    for (let page = 1; ; page++) {
      expect(blocksOf(home.view).length).toBeLessThanOrEqual(100);
      expect(viewText(home.view)).toContain(`Page ${page} of 5 · 45 open issues`);
      for (const v of picksOf(home)) seenIssues.add(Number(v.split("#")[1]));
      const next = valuesOf(home.view, HOME_ACTIONS.issuesNext)[0];
      if (!next) break;
      home = await click(home, HOME_ACTIONS.issuesNext, { value: next });
      // Paging issues keeps the runs page.
      expect(viewText(home.view)).toContain("Page 5 of 6 · 57 runs");
    }
    expect(seenIssues).toEqual(issueNumbers);
    // Every publish went through the fake's Block Kit checks.
    expect(h.slack.calls.filter((c) => c.method === "views.publish" && c.error)).toEqual([]);
  });

  it("Fix selected starts single runs in the picked channel; without a channel they explain", async () => {
    h = await startHarness({ env: { AUTOFIX_DEFAULT_REPO: "acme/api" } });
    for (const n of [301, 302, 303]) {
      h.github.addIssue("acme", "api", { number: n, title: `Bug ${n}`, labels: ["bug"] });
    }
    let home = await openHome(h, REQUESTER);
    expect(picksOf(home)).toEqual(["acme/api#303", "acme/api#302", "acme/api#301"]);

    home = await click(home, HOME_ACTIONS.fixSelected, { selected: ["acme/api#301"] });
    expect(viewText(home.view)).toContain("Pick a channel in “Post runs in…” first");
    expect(h.kestra.executions).toHaveLength(0);

    // Picking the channel re-publishes with the pick kept.
    const before = homeVersions(h, REQUESTER);
    await viewAction(h, {
      user: REQUESTER,
      view: home,
      actionId: HOME_ACTIONS.channel,
      actionType: "conversations_select",
      extra: { selected_conversation: CHANNEL },
      state: {
        [HOME_BLOCKS.controls]: {
          [HOME_ACTIONS.channel]: { type: "conversations_select", selected_conversation: CHANNEL },
        },
      },
    });
    home = await nextHome(h, REQUESTER, before);
    expect(viewText(home.view)).toContain(`"initial_conversation":"${CHANNEL}"`);
    // Opening the Home again keeps the pick (Slack sends the current view with the event).
    home = await openHome(h, REQUESTER, home);
    expect(viewText(home.view)).toContain(`"initial_conversation":"${CHANNEL}"`);

    home = await click(home, HOME_ACTIONS.fixSelected, {
      channel: CHANNEL,
      selected: ["acme/api#301"],
    });
    expect(h.kestra.executions).toHaveLength(1);
    const first = h.kestra.executions[0];
    expect(first?.flowId).toBe(SINGLE_FLOW_ID);
    expect(first?.inputs[SINGLE_INPUTS.issueUrl]).toBe(issueUrl(301));
    expect(first?.labels).toEqual(
      expect.arrayContaining([
        { key: LABELS.channel, value: CHANNEL },
        { key: LABELS.user, value: REQUESTER },
        { key: LABELS.repo, value: "acme/api" },
        { key: LABELS.issue, value: "301" },
        { key: LABELS.team, value: "T0TEST" },
      ]),
    );
    expect(viewText(home.view)).toContain("Started a run in");
    expect(h.slack.channelMessages(CHANNEL)).toHaveLength(1);

    home = await click(home, HOME_ACTIONS.fixSelected, {
      channel: CHANNEL,
      selected: ["acme/api#302", "acme/api#303"],
    });
    expect(
      h.kestra.executions.map((e) => e.labels.find((l) => l.key === LABELS.issue)?.value),
    ).toEqual(["301", "302", "303"]);
    expect(
      h.kestra.executions.every((e) =>
        e.labels.some((l) => l.key === LABELS.channel && l.value === CHANNEL),
      ),
    ).toBe(true);
    expect(h.slack.channelMessages(CHANNEL)).toHaveLength(3);
    expect(viewText(home.view)).toContain("Started 2 runs in");

    // Nothing ticked: told so, nothing started.
    home = await click(home, HOME_ACTIONS.fixSelected, { channel: CHANNEL, selected: [] });
    expect(viewText(home.view)).toContain("Tick the issues to fix first");
    expect(h.kestra.executions).toHaveLength(3);
  });

  it("remembers each person's last “Post runs in…” pick in Kestra's KV store and opens the Home with it", async () => {
    h = await startHarness({ env: { AUTOFIX_DEFAULT_REPO: "acme/api" } });
    let home = await openHome(h, REQUESTER);
    expect(viewText(home.view)).not.toContain("initial_conversation");
    const before = homeVersions(h, REQUESTER);
    await viewAction(h, {
      user: REQUESTER,
      view: home,
      actionId: HOME_ACTIONS.channel,
      actionType: "conversations_select",
      extra: { selected_conversation: CHANNEL },
      state: {
        [HOME_BLOCKS.controls]: {
          [HOME_ACTIONS.channel]: { type: "conversations_select", selected_conversation: CHANNEL },
        },
      },
    });
    home = await nextHome(h, REQUESTER, before);
    expect(viewText(home.view)).toContain(`"initial_conversation":"${CHANNEL}"`);
    const puts = h.kestra.requests.filter(
      (r) => r.method === "PUT" && r.path.endsWith(`/kv/slack-home-${REQUESTER}`),
    );
    expect(puts).toHaveLength(1);

    // Opened again without a view in the event (a new device, another replica, a restart).
    await h.stopApp();
    await h.startNewApp();
    home = await openHome(h, REQUESTER);
    expect(viewText(home.view)).toContain(`"initial_conversation":"${CHANNEL}"`);
    // Someone else's Home does not get it.
    const other = await openHome(h, "U0OTHER");
    expect(viewText(other.view)).not.toContain("initial_conversation");
  });

  it("Fix selected re-checks the channel's allow-list: a forged value for another repository starts nothing", async () => {
    h = await startHarness({
      env: { AUTOFIX_DEFAULT_REPO: "acme/api", AUTOFIX_ALLOWED_REPOS: "acme/api" },
    });
    h.github.addRepo("evil", "repo");
    h.github.addIssue("evil", "repo", { number: 1, title: "x", labels: ["bug"] });
    const home = await openHome(h, REQUESTER);
    const after = await click(home, HOME_ACTIONS.fixSelected, {
      channel: CHANNEL,
      selected: ["evil/repo#1"],
    });
    expect(viewText(after.view)).toContain("evil/repo is not on");
    expect(h.kestra.executions).toHaveLength(0);
  });

  it("Retry and Cancel from the Home: requester or approver only, re-read from Kestra", async () => {
    h = await startHarness({ env: { AUTOFIX_DEFAULT_REPO: "acme/api" } });
    h.github.addIssue("acme", "api", { number: 401, title: "a", labels: ["bug"] });
    h.github.addIssue("acme", "api", { number: 402, title: "b", labels: ["bug"] });
    const failed = await startRun(401);
    await failed.started();
    await failed.fail(TASKS.fix, ["boom"]);
    const running = await startRun(402);
    await running.started();

    let home = await openHome(h, "U0STRANGER");
    home = await click(home, HOME_ACTIONS.cancel, { value: running.id, user: "U0STRANGER" });
    expect(viewText(home.view)).toContain("Only the requester or an approver can cancel this run.");
    expect(h.kestra.kills).toHaveLength(0);
    home = await click(home, HOME_ACTIONS.retry, { value: failed.id, user: "U0STRANGER" });
    expect(h.kestra.restarts).toHaveLength(0);

    home = await openHome(h, REQUESTER);
    home = await click(home, HOME_ACTIONS.retry, { value: failed.id });
    expect(h.kestra.restarts.map((r) => r.executionId)).toEqual([failed.id]);
    expect(viewText(home.view)).toContain("Restarted acme/api#401");
    home = await click(home, HOME_ACTIONS.cancel, { value: running.id });
    expect(h.kestra.kills.map((r) => r.executionId)).toEqual([running.id]);

    // An id that is not one of this team's runs answers like an unknown one.
    const other = await createRun("T0ELSEWHERE", 403, "1700000000.000403");
    home = await click(home, HOME_ACTIONS.cancel, { value: other.id });
    expect(viewText(home.view)).toContain("No such run");
    expect(h.kestra.kills).toHaveLength(1);
  });
});

describe("App Home: who sees which runs", () => {
  const PRIVATE = "C0PRIVATE";
  const OWNER = "U0OTHER";
  const APPROVER = "U0LEAD";

  /** Every run id the Home lists over all its runs pages, and the pages' headers. */
  async function allListedRuns(user: string): Promise<{ ids: Set<string>; text: string }> {
    let home = await openHome(h, user);
    const ids = new Set<string>();
    let text = "";
    for (;;) {
      expect(blocksOf(home.view).length).toBeLessThanOrEqual(100);
      text += viewText(home.view);
      for (const id of [
        ...valuesOf(home.view, HOME_ACTIONS.cancel),
        ...valuesOf(home.view, HOME_ACTIONS.retry),
      ]) {
        ids.add(id);
      }
      const next = valuesOf(home.view, HOME_ACTIONS.runsNext)[0];
      if (!next) return { ids, text };
      home = await click(home, HOME_ACTIONS.runsNext, { value: next, user });
    }
  }

  it("lists only the viewer's own runs and those of channels they approve, paged over what they may see", async () => {
    h = await startHarness();
    h.slack.addChannel(PRIVATE, { isPrivate: true });
    await h.app.runtime.settings.put(PRIVATE, { approvers: [APPROVER] });
    const mine = new Set<string>();
    const hidden = new Set<string>();
    // Interleaved, newest last: 12 runs of the requester, 13 of someone else in a private channel.
    for (let i = 0; i < 25; i++) {
      const own = i % 2 === 0 && mine.size < 12;
      const e = await createRun("T0TEST", 500 + i, `1700000000.${String(200000 + i)}`, {
        ...(own ? {} : { channel: PRIVATE, user: OWNER, title: `Secret plan ${i}` }),
      });
      (own ? mine : hidden).add(e.id);
      await new Promise((r) => setTimeout(r, 2));
    }
    expect(mine.size).toBe(12);

    const requester = await allListedRuns(REQUESTER);
    expect(requester.ids).toEqual(mine);
    expect(requester.text).toContain("Page 1 of 2 · 12 runs");
    expect(requester.text).toContain("Page 2 of 2 · 12 runs");
    expect(requester.text).not.toContain("Secret plan");
    expect(requester.text).not.toContain(PRIVATE);
    for (const id of hidden) expect(requester.text).not.toContain(id);

    // The private channel's requester sees their runs; its approver sees them too.
    const owner = await allListedRuns(OWNER);
    expect(owner.ids).toEqual(hidden);
    expect(owner.text).toContain("Secret plan");
    const approver = await allListedRuns(APPROVER);
    expect(approver.ids).toEqual(hidden);

    // Someone else sees nothing, not even a count.
    const stranger = await allListedRuns("U0STRANGER");
    expect(stranger.ids.size).toBe(0);
    expect(stranger.text).toContain("No runs to show yet");
    expect(stranger.text).not.toMatch(/\d+ runs/);
  });

  it("the issue list keeps the fix status but links the run only for those who may see it", async () => {
    h = await startHarness({ env: { AUTOFIX_DEFAULT_REPO: "acme/api" } });
    h.slack.addChannel(PRIVATE, { isPrivate: true });
    h.github.addIssue("acme", "api", { number: 601, title: "Crash", labels: ["bug"] });
    const run = await createRun("T0TEST", 601, "1700000000.000601", {
      channel: PRIVATE,
      user: OWNER,
    });
    h.kestra.setState(run.id, "FAILED");
    const stranger = viewText((await openHome(h, REQUESTER)).view);
    const issues = stranger.slice(stranger.indexOf("Open issues"));
    expect(issues).toContain("failed");
    expect(stranger).not.toContain(run.id);
    const owner = viewText((await openHome(h, OWNER)).view);
    expect(owner.slice(owner.indexOf("Open issues"))).toContain(run.id);
  });

  it("an issue whose fix status Kestra does not give reads unknown, and cannot be ticked (no second run by mistake)", async () => {
    h = await startHarness({ env: { AUTOFIX_DEFAULT_REPO: "acme/api" } });
    h.github.addIssue("acme", "api", { number: 602, title: "Flaky", labels: ["bug"] });
    h.kestra.failNext(
      { method: "GET", path: /autofix-issue.*=602/ },
      { status: 503, body: { message: "down" } },
    );
    const home = await openHome(h, REQUESTER);
    const row = viewText(home.view)
      .split("\n")
      .find((l) => l.includes("acme/api#602"));
    expect(issueBlocksNaming(home, "acme/api#602")).toBe(1);
    expect(JSON.stringify(blocksOf(home.view))).toContain(
      "❔ unknown: Kestra did not answer, Refresh to try again",
    );
    expect(row).not.toContain("no run");
    expect(picksOf(home)).not.toContain("acme/api#602");
    // Thread links are built from the workspace's URL, not asked for one by one.
    expect(h.slack.calls.some((c) => c.method === "chat.getPermalink")).toBe(false);
  });

  it("looks at a bounded number of the newest runs, and says so", async () => {
    h = await startHarness();
    h.slack.addChannel(PRIVATE, { isPrivate: true });
    const oldest = await createRun("T0TEST", 700, "1700000000.000700");
    await new Promise((r) => setTimeout(r, 5));
    for (let i = 0; i < 300; i++) {
      await createRun("T0TEST", 701 + i, `1700000001.${String(100000 + i)}`, {
        channel: PRIVATE,
        user: OWNER,
      });
    }
    const mark = h.kestra.requests.length;
    const home = await openHome(h, REQUESTER);
    const text = viewText(home.view);
    expect(text).not.toContain(oldest.id);
    expect(text).toContain("Only the workspace's 300 newest runs were searched");
    const searches = h.kestra.requests
      .slice(mark)
      .filter((r) => r.path.includes("/executions/search"))
      .map((r) => decodeURIComponent(r.path))
      .filter((p) => p.includes(`filters[flowId][EQUALS]=${SINGLE_FLOW_ID}`));
    expect(searches.length).toBeLessThanOrEqual(3);
    expect(
      searches.every((p) => p.includes(`filters[labels][EQUALS][${LABELS.team}]=T0TEST`)),
    ).toBe(true);
  });
});
