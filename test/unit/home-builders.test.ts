import { describe, expect, it } from "vitest";
import type { RunStatus } from "../../src/shared/run-status.ts";
import { HOME_MAX_BLOCKS, homeDashboard } from "../../src/slack/blocks/home/dashboard.ts";
import type { IssueRow, RunRow } from "../../src/slack/blocks/home/model.ts";
import { decodeNav, encodeNav } from "../../src/slack/blocks/home/nav.ts";
import { groupRuns } from "../../src/slack/blocks/home/status.ts";
import { settingsModal } from "../../src/slack/blocks/settings-modal.ts";
import { HOME_ACTIONS, SETTINGS } from "../../src/slack/ids.ts";
import { validateView } from "../fakes/slack/block-kit.ts";
import { MAX_VIEW_BYTES } from "../fakes/slack/views.ts";

const STATUSES: RunStatus[] = [
  "awaiting_approval",
  "running",
  "failed",
  "pr_opened",
  "queued",
  "cancelled",
  "creating_pr",
  "expired",
  "finished",
  "rejected",
];

const long = (n: number) => "<!channel> & `x` ".repeat(Math.ceil(n / 17)).slice(0, n);

function run(i: number, status: RunStatus): RunRow {
  return {
    executionId: `exec${i}`,
    status,
    slug: `acme/api#${i}`,
    title: long(200),
    channel: "C0GENERAL",
    requester: "U0REQ",
    startedAt: "2026-01-02T03:04:05Z",
    kestraUrl: `https://kestra.example.com/ui/main/executions/dev.autofix/ai-issue-autofix/exec${i}`,
    threadUrl: `https://fake.slack.com/archives/C0GENERAL/p170000000000010${i}`,
    prUrl: status === "pr_opened" ? "https://github.com/acme/api/pull/1" : undefined,
  };
}

function issue(n: number, fix: IssueRow["fix"]): IssueRow {
  return {
    repo: "acme/api",
    number: n,
    title: long(250),
    url: `https://github.com/acme/api/issues/${n}`,
    fix,
    runStatus: fix === "none" ? undefined : "running",
    runUrl: fix === "none" ? undefined : "https://kestra.example.com/x",
    prUrl: undefined,
  };
}

/** The fullest page the loaders can produce: every list at its page size, long texts everywhere. */
function worstCase() {
  return homeDashboard({
    nav: { runsPage: 2, issuesPage: 2, channel: "C0GENERAL" },
    notice: { kind: "error", text: long(2900) },
    runs: {
      page: 2,
      pageCount: 9,
      total: 85,
      rows: STATUSES.map((s, i) => run(i, s)),
      error: undefined,
    },
    issues: {
      page: 2,
      pageCount: 7,
      total: 61,
      rows: Array.from({ length: 10 }, (_, i) => issue(i + 1, i % 2 ? "none" : "failed")),
      notes: Array.from({ length: 60 }, (_, i) => ({ repo: `acme/r${i}`, text: long(100) })),
      labels: Array.from({ length: 10 }, (_, i) => `label-${i}`),
      repos: Array.from({ length: 50 }, (_, i) => `acme/repository-${i}`),
    },
  });
}

describe("home dashboard builder", () => {
  it("keeps the fullest possible page valid: within 100 blocks and 250 kB, accepted by Block Kit checks", () => {
    const view = worstCase();
    expect(view.blocks.length).toBeLessThanOrEqual(HOME_MAX_BLOCKS);
    expect(Buffer.byteLength(JSON.stringify(view))).toBeLessThan(MAX_VIEW_BYTES);
    expect(validateView(view, ["home"])).toEqual([]);
  });

  it("escapes untrusted titles in mrkdwn so they cannot mention or link", () => {
    // Notices and notes are the bot's own text; titles come from GitHub.
    const view = homeDashboard({
      nav: { runsPage: 1, issuesPage: 1, channel: undefined },
      notice: undefined,
      runs: { page: 1, pageCount: 1, total: 1, rows: [run(1, "failed")], error: undefined },
      issues: {
        page: 1,
        pageCount: 1,
        total: 1,
        rows: [issue(9, "none")],
        notes: [],
        labels: ["bug"],
        repos: ["acme/api"],
      },
    });
    const mrkdwn: string[] = [];
    JSON.stringify(view.blocks, (_key, value) => {
      if (value && typeof value === "object" && value.type === "mrkdwn") mrkdwn.push(value.text);
      return value;
    });
    expect(mrkdwn.join("\n")).toContain("&lt;!channel&gt;");
    expect(mrkdwn.join("\n")).not.toContain("<!channel>");
    // One of each is counted in the singular.
    expect(mrkdwn.join("\n")).toContain("Page 1 of 1 · 1 run");
    expect(mrkdwn.join("\n")).toContain("Page 1 of 1 · 1 open issue");
    expect(mrkdwn.join("\n")).not.toMatch(/· 1 (runs|open issues)/);
  });

  it("offers Previous and Next only where there is a page, each carrying its target page", () => {
    const view = worstCase();
    const values = (id: string) =>
      JSON.stringify(view.blocks)
        .split(`"action_id":"${id}"`)
        .slice(1)
        .map((rest) => /"value":"((?:[^"\\]|\\.)*)"/.exec(rest)?.[1]);
    const nextRuns = values(HOME_ACTIONS.runsNext)[0] ?? "";
    expect(decodeNav(JSON.parse(`"${nextRuns}"`))).toMatchObject({ runsPage: 3, issuesPage: 2 });
    const prevIssues = values(HOME_ACTIONS.issuesPrev)[0] ?? "";
    expect(decodeNav(JSON.parse(`"${prevIssues}"`))).toMatchObject({ runsPage: 2, issuesPage: 1 });

    const single = homeDashboard({
      nav: { runsPage: 1, issuesPage: 1, channel: undefined },
      notice: undefined,
      runs: { page: 1, pageCount: 1, total: 1, rows: [run(1, "running")], error: undefined },
      issues: { page: 1, pageCount: 1, total: 0, rows: [], notes: [], labels: [], repos: [] },
    });
    const text = JSON.stringify(single.blocks);
    for (const id of [HOME_ACTIONS.runsNext, HOME_ACTIONS.runsPrev, HOME_ACTIONS.issuesNext]) {
      expect(text).not.toContain(id);
    }
    expect(validateView(single, ["home"])).toEqual([]);
  });

  it("groups runs in display order and keeps the newest-first order inside a group", () => {
    const rows = [
      run(1, "pr_opened"),
      run(2, "failed"),
      run(3, "running"),
      run(4, "awaiting_approval"),
      run(5, "queued"),
    ];
    expect(groupRuns(rows).map((g) => [g.group, g.rows.map((r) => r.executionId)])).toEqual([
      ["awaiting", ["exec4"]],
      ["active", ["exec3", "exec5"]],
      ["failed", ["exec2"]],
      ["done", ["exec1"]],
    ]);
  });

  it("round-trips the navigation state and ignores anything unreadable", () => {
    const nav = { runsPage: 4, issuesPage: 2, channel: "C0GENERAL" };
    expect(decodeNav(encodeNav(nav))).toEqual(nav);
    expect(decodeNav("not json")).toEqual({ runsPage: 1, issuesPage: 1, channel: undefined });
    expect(decodeNav('{"r":-3,"i":"2","c":"D0DM"}')).toEqual({
      runsPage: 1,
      issuesPage: 1,
      channel: undefined,
    });
  });
});

describe("settings modal builder", () => {
  const defaults = {
    allowedRepos: ["acme/*"],
    approvers: { users: ["U0LEAD"], groups: [] },
    alertChannel: "C0ALERTS",
    defaultRepo: "acme/api",
    defaultLabels: ["bug"],
    requireApproval: true,
    model: "gpt-4.1",
    mentions: true,
    fileIssues: true,
  };

  it("pre-fills a channel's saved settings in fields whose block ids name the channel", () => {
    const view = settingsModal({
      channel: "C0GENERAL",
      defaults,
      settings: {
        defaultRepo: "acme/web",
        allowedRepos: ["acme/web", "acme/api"],
        defaultLabels: ["bug", "p1"],
        alertChannel: "C0ALERTS",
        approvers: ["U0LEAD", "S0GROUP"],
        requireApproval: false,
      },
    });
    expect(validateView(view, ["modal"])).toEqual([]);
    const block = (name: keyof typeof SETTINGS.fields) =>
      view.blocks.find((b) => b.block_id === `${SETTINGS.fields[name]}.C0GENERAL`) as
        | { element: Record<string, unknown> }
        | undefined;
    expect(block("allowedRepos")?.element["initial_value"]).toBe("acme/web\nacme/api");
    expect(block("approverUsers")?.element["initial_users"]).toEqual(["U0LEAD"]);
    expect(block("approverGroups")?.element["initial_value"]).toBe("S0GROUP");
    expect(block("requireApproval")?.element["initial_option"]).toMatchObject({ value: "no" });
    // Mentions and filing issues: on until the channel turns one off.
    const on = (settings: { mentions?: boolean; fileIssues?: boolean }) => {
      const v = settingsModal({ channel: "C0GENERAL", defaults, settings });
      const b = v.blocks.find((x) => x.block_id === `${SETTINGS.fields.conversation}.C0GENERAL`) as
        | { element: { initial_options?: { value: string }[] } }
        | undefined;
      expect(validateView(v, ["modal"])).toEqual([]);
      return (b?.element.initial_options ?? []).map((o) => o.value);
    };
    expect(on({})).toEqual(["mentions", "file_issues"]);
    expect(on({ fileIssues: false })).toEqual(["mentions"]);
    expect(on({ mentions: false, fileIssues: false })).toEqual([]);
  });

  it("shows only the channel picker without a channel, and a refusal instead of fields", () => {
    const bare = settingsModal({ channel: undefined, defaults, settings: {} });
    expect(validateView(bare, ["modal"])).toEqual([]);
    expect(bare.blocks.map((b) => b.block_id).filter(Boolean)).toEqual([SETTINGS.channelBlock]);
    const refused = settingsModal({ channel: "C0X", defaults, settings: {}, refusal: "No." });
    expect(JSON.stringify(refused.blocks)).toContain("No.");
    expect(refused.blocks.filter((b) => b.type === "input")).toHaveLength(1);
  });
});
