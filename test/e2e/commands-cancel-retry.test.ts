import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { ACTIONS } from "../../src/slack/ids.ts";
import { FlowDriver } from "../support/flow-driver.ts";
import { ALERTS, CHANNEL, type Harness, REQUESTER, startHarness } from "../support/harness.ts";
import { hasButtons, rootOf, startedRun } from "../support/scenarios.ts";
import { ask, OTHER_TEAM, seedRun } from "./commands-seed.ts";

let h: Harness;
afterEach(async () => h?.close());

async function runningRun(env: Record<string, string> = {}) {
  h = await startHarness({ env });
  return startedRun(h);
}

const threadTexts = (rootTs: string) => h.slack.thread(CHANNEL, rootTs).map((m) => m.text);

describe("/autofix cancel", () => {
  it("the requester kills the run; the thread says who, once, and the root shows Cancelled", async () => {
    const { run, rootTs } = await runningRun();
    // Named as people write the issue: its newest run.
    const answer = await ask(h, "cancel acme/api#42");
    expect(answer.response_type).toBe("ephemeral");
    expect(answer.text).toBe("✋ Cancelling *acme/api#42*; its thread says when it has stopped.");
    expect(h.kestra.kills).toEqual([expect.objectContaining({ executionId: run.id })]);
    // The kill is Kestra 2.x's DELETE .../actions/kill.
    expect(
      h.kestra.requests.some(
        (r) => r.method === "DELETE" && r.path.endsWith(`/${run.id}/actions/kill`),
      ),
    ).toBe(true);
    // 2.0's kill is asynchronous: Cancelling while KILLING, then Cancelled once the executor has
    // killed it and afterExecution tells the bot.
    expect(h.kestra.execution(run.id).state.current).toBe("KILLING");
    expect(h.slack.channelMessages(CHANNEL)[0]?.text).toMatch(/Cancelling$/);
    await run.killed();
    expect(h.slack.channelMessages(CHANNEL)[0]?.text).toMatch(/Cancelled$/);
    const texts = threadTexts(rootTs);
    expect(texts.filter((t) => t === `⏹️ Cancelled by <@${REQUESTER}>.`)).toHaveLength(1);
    expect(texts.filter((t) => t.includes("The run was cancelled"))).toHaveLength(0);

    // A later sync (notification, reconciler) adds nothing.
    await h.notify({ executionId: run.id, event: "finished" });
    expect(threadTexts(rootTs)).toEqual(texts);
  });

  it("closes the approval buttons at once: a KILLING run is never shown as awaiting approval", async () => {
    const { run, rootTs } = await runningRun();
    await run.patchReady();
    expect(hasButtons(rootOf(h, rootTs))).toBe(true);
    await ask(h, `cancel ${run.id}`);
    // The Pause task run stays PAUSED while the execution is KILLING: the buttons go all the same.
    expect(h.kestra.execution(run.id).state.current).toBe("KILLING");
    expect(hasButtons(rootOf(h, rootTs))).toBe(false);
    expect(rootOf(h, rootTs).text).toMatch(/Cancelling$/);
    await run.killed();
    expect(rootOf(h, rootTs).text).toMatch(/Cancelled$/);
    expect(hasButtons(rootOf(h, rootTs))).toBe(false);
  });

  it("anyone else is refused and nothing is killed", async () => {
    const { run, rootTs } = await runningRun();
    const before = threadTexts(rootTs);
    const answer = await ask(h, `cancel ${run.id}`, { user_id: "U0OTHER" });
    expect(answer.text).toBe("Only the requester or an approver can cancel this run.");
    expect(h.kestra.kills).toHaveLength(0);
    expect(threadTexts(rootTs)).toEqual(before);
  });

  it("an approver of the run's channel may cancel from another channel; the asking channel's approvers may not", async () => {
    const { run } = await runningRun();
    await h.app.runtime.settings.put(CHANNEL, { approvers: ["U0LEAD"] });
    await h.app.runtime.settings.put(ALERTS, { approvers: ["U0REVIEWER"] });

    // Not an approver of the run's channel and typed elsewhere: the run is not even visible.
    const refused = await ask(h, `cancel ${run.id}`, { user_id: "U0REVIEWER", channel_id: ALERTS });
    expect(refused.text).toMatch(/No such run/);
    // Typed in the run's own channel it is visible, but still not theirs to cancel.
    const inChannel = await ask(h, `cancel ${run.id}`, {
      user_id: "U0REVIEWER",
      channel_id: CHANNEL,
    });
    expect(inChannel.text).toMatch(/Only the requester or an approver can cancel/);
    expect(h.kestra.kills).toHaveLength(0);

    const ok = await ask(h, `cancel ${run.id}`, { user_id: "U0LEAD", channel_id: ALERTS });
    expect(ok.text).toMatch(/^✋ Cancelling \*acme\/api#42\*/);
    expect(h.kestra.kills).toHaveLength(1);
  });

  it("a run that already finished gets a clear answer, and nothing changes", async () => {
    const { run, rootTs } = await runningRun();
    await run.fail("fix", ["boom"]);
    await h.slack.waitFor(() => h.slack.channelMessages(CHANNEL)[0]?.text.endsWith("Failed"));
    const before = threadTexts(rootTs);
    const answer = await ask(h, `cancel ${run.id}`);
    expect(answer.text).toBe(
      "The run has already finished (*Failed*), so there is nothing to cancel.",
    );
    expect(h.kestra.kills).toHaveLength(0);
    expect(h.kestra.execution(run.id).state.current).toBe("FAILED");
    expect(threadTexts(rootTs)).toEqual(before);
  });

  it("a run that ends between the bot's read and its kill (released 2.0 answers 200, unchanged): the note says the cancel came too late", async () => {
    const { run, rootTs } = await runningRun();
    let ended = false;
    h.kestra.beforeReply((r) => {
      if (
        ended ||
        r.method !== "GET" ||
        r.path.split("?")[0] !== `/api/v1/main/executions/${run.id}`
      )
        return;
      ended = true;
      h.kestra.setState(run.id, "FAILED");
    });
    const answer = await ask(h, `cancel ${run.id}`);
    h.kestra.beforeReply(undefined);
    expect(answer.text).toBe(
      "The run has already finished (*Failed*), so there is nothing to cancel.",
    );
    expect(
      h.kestra.requests.some((r) => r.path.endsWith(`/${run.id}/actions/kill`) && r.status === 200),
    ).toBe(true);
    expect(h.kestra.kills).toHaveLength(0);
    const texts = threadTexts(rootTs);
    expect(texts).toContain(
      `↩️ <@${REQUESTER}> asked to cancel the run, but the run had already ended (*Failed*).`,
    );
    expect(texts.some((t) => t.startsWith("⏹️"))).toBe(false);
  });

  it("unknown ids and other teams' runs are 'no such run', and nothing is killed", async () => {
    h = await startHarness();
    const foreign = await seedRun(h, {
      issue: 9,
      team: OTHER_TEAM,
      state: "RUNNING",
      user: REQUESTER,
    });
    const answer = await ask(h, `cancel ${foreign.id}`);
    expect(answer.text).toMatch(/^No such run: `/);
    const unknown = await ask(h, "cancel 0000000000000000000000");
    expect(unknown.text).toMatch(/^No such run: `0000000000000000000000`/);
    // By its issue, the other team's run is not found either.
    const byIssue = await ask(h, "cancel acme/api#9");
    expect(byIssue.text).toBe("No autofix run found for acme/api#9.");
    expect(h.kestra.kills).toHaveLength(0);
  });
});

describe("/autofix retry", () => {
  it("restarts a failed run like the Retry button: note in the thread, failure reported again on the next attempt", async () => {
    const { run, rootTs } = await runningRun();
    await run.fail("fix", ["boom"]);
    await h.slack.waitFor(() => h.slack.channelMessages(ALERTS).length === 1);

    const answer = await ask(h, "retry https://github.com/acme/api/issues/42");
    expect(answer.text).toBe("🔄 Restarted *acme/api#42*; its thread follows it again.");
    expect(h.kestra.restarts).toEqual([
      expect.objectContaining({ executionId: run.id, from: "FAILED" }),
    ]);
    await h.slack.waitFor(() =>
      threadTexts(rootTs).includes(`🔄 <@${REQUESTER}> restarted the run.`),
    );

    // The record counts the attempt, so a second failure is reported again.
    await run.fail("fix", ["boom again"]);
    await h.slack.waitFor(() => h.slack.channelMessages(ALERTS).length === 2);
  });

  it("starts a cancelled run again as a new run in its thread, which the root then follows", async () => {
    const { run, rootTs } = await runningRun();
    await ask(h, `cancel ${run.id}`);
    await run.killed();
    await h.slack.waitFor(() => h.slack.channelMessages(CHANNEL)[0]?.text.endsWith("Cancelled"));
    const answer = await ask(h, `retry ${run.id}`);
    // Released 2.0 restarts only FAILED or PAUSED runs: no restart is even tried.
    expect(h.kestra.restarts).toHaveLength(0);
    expect(h.kestra.executions).toHaveLength(2);
    const fresh = new FlowDriver(h, h.kestra.executions[1]?.id ?? "");
    expect(answer.text).toBe("🔄 Started *acme/api#42* again as a new run; its thread follows it.");
    expect(h.kestra.execution(fresh.id).inputs).toEqual(h.kestra.execution(run.id).inputs);
    expect(threadTexts(rootTs)).toContain(
      `🔄 <@${REQUESTER}> started the run again; this thread follows the new run.`,
    );
    // The root follows the new run to its end.
    await fresh.started();
    await fresh.patchReady();
    await h.slack.waitFor(() =>
      h.slack.channelMessages(CHANNEL)[0]?.text.endsWith("awaiting approval"),
    );
    // The new run can be cancelled in turn; the old one is not started again twice.
    const again = await ask(h, `retry ${run.id}`);
    expect(again.text).toBe(
      `<@${REQUESTER}> already started this run again; its thread follows the new run.`,
    );
    expect(h.kestra.executions).toHaveLength(2);
    await ask(h, `cancel ${fresh.id}`);
    await h.slack.waitFor(
      () => threadTexts(rootTs).filter((t) => t.startsWith("⏹️ Cancelled by")).length === 2,
    );
  });

  it("a run started again that Kestra created but whose answer never came (a timeout): its own notifications bring the root over to it", async () => {
    const { run, rootTs } = await runningRun();
    await ask(h, `cancel ${run.id}`);
    await run.killed();
    // Kestra applies the create; its answer comes after the bot's timeout (KESTRA_TIMEOUT_MS).
    let held = false;
    h.kestra.beforeReply(async (r) => {
      const create =
        r.method === "POST" &&
        /\/executions\/dev\.autofix\/ai-issue-autofix$/.test(r.path.split("?")[0] ?? "");
      if (held || !create) return;
      held = true;
      await sleep(2000);
    });
    const answer = await ask(h, `retry ${run.id}`);
    expect(answer.text).toMatch(/Kestra is not reachable/);
    expect(h.kestra.executions).toHaveLength(2);
    expect(rootOf(h, rootTs).text).toMatch(/Cancelled$/);
    const fresh = new FlowDriver(h, h.kestra.executions[1]?.id ?? "");
    await fresh.started();
    await h.slack.waitFor(() => rootOf(h, rootTs).text.endsWith("Running"));
    await fresh.patchReady();
    await h.slack.waitFor(() => hasButtons(rootOf(h, rootTs)));
    expect(JSON.stringify(rootOf(h, rootTs).blocks)).toContain(`"${fresh.id}"`);
    // The cancelled run's own last word changes nothing: an older run never takes the root back.
    await h.notify({ executionId: run.id, event: "finished" });
    expect(rootOf(h, rootTs).text).toMatch(/awaiting approval$/);
  });

  it("refuses anyone but the requester or an approver", async () => {
    const { run } = await runningRun();
    await run.fail("fix", ["boom"]);
    const answer = await ask(h, `retry ${run.id}`, { user_id: "U0STRANGER" });
    expect(answer.text).toBe("Only the requester or an approver can retry this run.");
    expect(h.kestra.restarts).toHaveLength(0);
  });

  it("says there is nothing to retry on a running run, and Kestra's 409 in a race", async () => {
    const { run } = await runningRun();
    const running = await ask(h, `retry ${run.id}`);
    expect(running.text).toBe("There is nothing to retry: the run is *Running*.");
    expect(h.kestra.restarts).toHaveLength(0);

    await run.fail("fix", ["boom"]);
    h.kestra.failNext(
      { method: "POST", path: `/api/v1/main/executions/${run.id}/actions/restart` },
      {
        status: 409,
        body: { message: "Illegal state: Execution must be terminated to be restarted" },
      },
    );
    const race = await ask(h, `retry ${run.id}`);
    expect(race.text).toBe("The run could not be restarted: it is now *Failed*.");
    expect(h.kestra.restarts).toHaveLength(0);
  });

  it("the Retry button still restarts through the same code", async () => {
    const { run, rootTs } = await runningRun();
    await run.fail("fix", ["boom"]);
    const failure = await h.slack.waitFor(() =>
      h.slack
        .thread(CHANNEL, rootTs)
        .find((m) => JSON.stringify(m.blocks ?? []).includes(ACTIONS.retry)),
    );
    await h.click({
      user: REQUESTER,
      messageTs: failure.ts,
      threadTs: rootTs,
      actionId: ACTIONS.retry,
      value: run.id,
    });
    await h.slack.waitFor(() => h.kestra.restarts.length === 1);
    await h.slack.waitFor(() =>
      threadTexts(rootTs).includes(`🔄 <@${REQUESTER}> restarted the run.`),
    );
  });
});
