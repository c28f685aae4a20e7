import { afterEach, describe, expect, it } from "vitest";
import { FlowDriver } from "../support/flow-driver.ts";
import { ALERTS, CHANNEL, type Harness, ISSUE_URL, startHarness } from "../support/harness.ts";
import { ask, OTHER_TEAM, searchesSince, seedRun } from "./commands-seed.ts";

let h: Harness;
afterEach(async () => h?.close());

const KESTRA_UI = "https://kestra.example.com/ui/main/executions/dev.autofix/ai-issue-autofix";

async function startRun(): Promise<{ run: FlowDriver; rootTs: string }> {
  const before = h.kestra.executions.length;
  await h.command(ISSUE_URL);
  await h.slack.waitFor(() => h.kestra.executions.length === before + 1);
  const run = FlowDriver.latest(h);
  const root = await h.slack.waitFor(() =>
    h.slack.channelMessages(CHANNEL).find((m) => m.text.includes("acme/api#42") && m.ts),
  );
  return {
    run,
    rootTs: h.kestra.execution(run.id).labels.find((l) => l.key === "slack-ts")?.value ?? root.ts,
  };
}

describe("/autofix status <execution-id>", () => {
  it("shows the state, the current step, the duration and the Kestra, thread and PR links", async () => {
    h = await startHarness();
    const { run, rootTs } = await startRun();
    await run.started();
    h.kestra.addTaskRun(run.id, { taskId: "fix", state: "RUNNING" });

    const running = await ask(h, `status ${run.id}`);
    expect(running.response_type).toBe("ephemeral");
    expect(running.json).toContain("*Running*");
    // The step in people's words, not Kestra's task id.
    expect(running.json).toMatch(/\*Running\* {2}· {2}writing the fix {2}· {2}\d+s"/);
    expect(running.json).not.toContain("`fix`");
    expect(running.json).toContain(`${KESTRA_UI}/${run.id}|Kestra execution`);
    const permalink = `https://fake.slack.com/archives/${CHANNEL}/p${rootTs.replace(".", "")}`;
    expect(running.json).toContain(`${permalink}|Slack thread`);
    expect(running.json).not.toContain("PR #");
    expect(running.json).toContain(`<https://github.com/acme/api/issues/42|acme/api#42>`);

    await run.patchReady();
    await run.prCreated("https://github.com/acme/api/pull/43");
    await h.slack.waitFor(() => h.slack.channelMessages(CHANNEL)[0]?.text.endsWith("PR opened"));
    const done = await ask(h, `status ${run.id}`);
    expect(done.json).toContain("*PR opened*");
    expect(done.json).toContain("https://github.com/acme/api/pull/43|PR #43");
    expect(done.json).not.toContain("writing the fix");
  });

  it("shows where a failed run failed", async () => {
    h = await startHarness();
    const { run } = await startRun();
    await run.started();
    await run.fail("fix", ["agent crashed"]);
    const answer = await ask(h, `status ${run.id}`);
    expect(answer.json).toContain("*Failed*");
    expect(answer.json).toContain("failed while writing the fix");
  });

  it("answers 'no such run' alike for an unknown id and for another team's run, without leaking it", async () => {
    h = await startHarness();
    const foreign = await seedRun(h, { issue: 99, team: OTHER_TEAM, title: "Secret roadmap" });
    const unknown = await ask(h, "status 7nOsUcHrUn0000000000aa");
    expect(unknown.text).toMatch(/^No such run: `7nOsUcHrUn0000000000aa`/);
    const other = await ask(h, `status ${foreign.id}`);
    expect(other.text).toBe(unknown.text.replace("7nOsUcHrUn0000000000aa", foreign.id));
    expect(other.json).not.toContain("Secret roadmap");
    expect(other.json).not.toContain("acme/api#99");
  });
});

describe("/autofix status <issue-url>", () => {
  it("shows the newest run for that issue, found with the repo and issue labels", async () => {
    h = await startHarness();
    const first = await startRun();
    await first.run.started();
    await first.run.fail("fix", ["boom"]);
    const second = await startRun();
    expect(second.run.id).not.toBe(first.run.id);
    // Another team's newer run for the same issue must not be the answer.
    await seedRun(h, { issue: 42, team: OTHER_TEAM });

    const mark = h.kestra.requests.length;
    const answer = await ask(h, `status ${ISSUE_URL}`);
    expect(answer.json).toContain(`/${second.run.id}|Kestra execution>`);
    expect(answer.json).not.toContain(first.run.id);
    const [search] = searchesSince(h, mark);
    expect(search).toContain("filters[labels][EQUALS][autofix-repo]=acme/api");
    expect(search).toContain("filters[labels][EQUALS][autofix-issue]=42");
    expect(search).toContain("filters[labels][EQUALS][slack-team]=T0TEST");
    expect(search).toContain("filters[namespace][EQUALS]=dev.autofix");
  });

  it("says so when the issue never had a run", async () => {
    h = await startHarness();
    const answer = await ask(h, "status https://github.com/acme/api/issues/5");
    expect(answer.text).toBe("No autofix run found for acme/api#5.");
    const byHandle = await ask(h, "status acme/api#5");
    expect(byHandle.text).toBe("No autofix run found for acme/api#5.");
  });
});

describe("/autofix status (no argument)", () => {
  it("lists this channel's active runs of this team only", async () => {
    h = await startHarness();
    const running = await seedRun(h, { issue: 1, state: "RUNNING" });
    const paused = await seedRun(h, { issue: 2, state: "PAUSED" });
    const done = await seedRun(h, { issue: 3, state: "SUCCESS" });
    const elsewhere = await seedRun(h, { issue: 4, state: "RUNNING", channel: ALERTS });
    const foreign = await seedRun(h, { issue: 5, state: "RUNNING", team: OTHER_TEAM });

    const mark = h.kestra.requests.length;
    const answer = await ask(h, "status");
    expect(answer.response_type).toBe("ephemeral");
    expect(answer.json).toContain(`Active autofix runs in <#${CHANNEL}>* (2)`);
    for (const r of [running, paused]) expect(answer.json).toContain(r.id);
    for (const r of [done, elsewhere, foreign]) expect(answer.json).not.toContain(r.id);
    // Newest first.
    expect(answer.json.indexOf(paused.id)).toBeLessThan(answer.json.indexOf(running.id));
    // Each row links its thread.
    expect(answer.json).toContain(`p${running.rootTs.replace(".", "")}|Slack thread`);
    const [search] = searchesSince(h, mark);
    expect(search).toContain(`filters[labels][EQUALS][slack-channel]=${CHANNEL}`);
    expect(search).toContain("filters[state][IN]=CREATED,");
    expect(search).toContain("PAUSED");
    expect(search).not.toMatch(/filters\[state\]\[IN\]=[^&]*SUCCESS/);
  });

  it("says when nothing is active", async () => {
    h = await startHarness();
    await seedRun(h, { issue: 3, state: "SUCCESS" });
    const answer = await ask(h, "status");
    expect(answer.text).toContain(`No autofix run is active in <#${CHANNEL}>`);
  });
});
