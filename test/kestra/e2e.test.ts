// End to end on the REAL Kestra 2.0 engine: the bot as a process (`node src/main.ts`), signed Slack
// requests into it, the product's flows verbatim on the engine, the worker CLI on the Process runner
// cloning and pushing local bare repositories, a scripted agent, and the Slack and GitHub fakes.
// Each case asserts what a person sees in Slack and what Kestra, GitHub and git hold.
// Run with `npm run test:kestra` (see kestra/engine/README.md).

import { writeFile } from "node:fs/promises";
import { performance } from "node:perf_hooks";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  BATCH_FLOW_ID,
  FILE_ISSUE,
  FILE_ISSUE_FLOW_ID,
  SETUP_CHECK,
  SETUP_CHECK_FLOW_ID,
  SINGLE_FLOW_ID,
} from "../../src/contracts/flow.ts";
import { setupCheckReportSchema } from "../../src/contracts/setup-check.ts";
import { ACTIONS, FILE_ISSUE_FORM, HOME_ACTIONS } from "../../src/slack/ids.ts";
import { openHome, setupText, viewAction } from "../e2e/home-helpers.ts";
import { eventually } from "../support/eventually.ts";
import { type Harness, SIGNING_SECRET } from "../support/harness.ts";
import { mention } from "../support/slack-events.ts";
import { sendViewSubmission } from "../support/slack-requests.ts";
import { branchSha, gitIn } from "../worker/helpers.ts";
import {
  blocksText,
  current,
  ended,
  executionOfRoot,
  hasButtons,
  patchInKestra,
  rootOf,
  rootStatus,
  statusesShown,
  taskState,
  threadTexts,
  waitExecution,
} from "./e2e-helpers.ts";
import { engineAuth } from "./engine.ts";
import { fakeAgreement, reconcilerQuestions } from "./engine-contract.ts";
import {
  ALERTS,
  APPROVER,
  BATCH_LABEL,
  CHANNEL,
  ISSUES,
  REQUESTER,
  type Stack,
  startStack,
} from "./stack.ts";

let s: Stack;
let peakRssKiB = 0;
let sampler: NodeJS.Timeout | undefined;
const durations: Record<string, number> = {};
let caseStarted = 0;
const suiteStarted = performance.now();

const log = (what: string, value: unknown) =>
  console.info(
    `[kestra-e2e] ${what}: ${typeof value === "string" ? value : JSON.stringify(value)}`,
  );

beforeAll(async () => {
  s = await startStack();
  log("stack", s.measures);
  sampler = setInterval(() => {
    void s.engine.rssKiB().then((kib) => {
      if (kib !== undefined && kib > peakRssKiB) peakRssKiB = kib;
    });
  }, 500);
});

afterAll(async () => {
  if (sampler) clearInterval(sampler);
  log("measures", {
    ...s?.measures,
    engineRssPeakKiB: peakRssKiB,
    caseDurationsMs: durations,
    suiteMs: Math.round(performance.now() - suiteStarted),
    kestraCallsByTheBot: s?.proxy.exchanges.length,
  });
  // KESTRA_E2E_RECORD=file: what the engine answered the bot, and the bot's own log, for a look by hand.
  const record = process.env["KESTRA_E2E_RECORD"];
  if (record && s) {
    const text = (b: Buffer, type: string | undefined) =>
      /json|text/.test(type ?? "") ? b.toString("utf8") : `<${b.length} bytes>`;
    const exchanges = s.proxy.exchanges.map((x) => ({
      method: x.method,
      path: x.path,
      requestType: x.requestType,
      request: text(x.requestBody, x.requestType ?? "text"),
      status: x.status,
      responseType: x.responseType,
      response: text(x.responseBody, x.responseType),
    }));
    await writeFile(record, JSON.stringify({ exchanges, botLog: s.bot.logs() }, null, 1));
  }
  await s?.close();
});

beforeEach(() => {
  caseStarted = performance.now();
});
afterEach((ctx) => {
  durations[ctx.task.name.slice(0, 2)] = Math.round(performance.now() - caseStarted);
});

/** `/autofix <issue>` until the patch is in the thread and the root offers the buttons. */
async function runToApproval(n: number) {
  const slug = `acme/api#${n}`;
  const ack = await s.command(s.issueUrl(n));
  expect(ack.status).toBe(200);
  const root = await rootOf(s, slug);
  const execution = await executionOfRoot(s, root.ts);
  const snippet = await s.slack.waitFor(
    () => s.slack.files.find((f) => f.threadTs === root.ts && f.snippetType === "diff"),
    { timeoutMs: 120_000, description: `the patch snippet of ${slug}` },
  );
  const waiting = await rootStatus(s, root.ts, "Patch ready, awaiting approval");
  expect(hasButtons(waiting)).toBe(true);
  const paused = await waitExecution(
    s,
    execution.id,
    (e) => e.state.current === "PAUSED",
    "PAUSED",
  );
  return { slug, root, id: execution.id, snippet, paused };
}

describe("the product on the real Kestra 2.0 engine", () => {
  it("a. /autofix → fix → snippet equals Kestra's patch → Approve on the root → PR opened", async () => {
    const run = await runToApproval(ISSUES.approve);
    // The labels the bot gave the run, as Kestra holds them.
    const labels = Object.fromEntries(run.paused.labels.map((l) => [l.key, l.value]));
    expect(labels).toMatchObject({
      "slack-channel": CHANNEL,
      "slack-ts": run.root.ts,
      "autofix-repo": "acme/api",
      "autofix-issue": String(ISSUES.approve),
    });
    expect(run.paused.inputs).toMatchObject({ apply_fix: true, wait_for_approval: true });
    expect(taskState(run.paused, "fix")).toBe("SUCCESS");
    expect(taskState(run.paused, "approval")).toBe("PAUSED");

    // The snippet holds exactly the bytes of the patch in Kestra's storage (the real worker's diff).
    const patch = await patchInKestra(s, run.paused);
    expect(run.snippet.bytes?.equals(patch)).toBe(true);
    expect(patch.toString("utf8")).toContain(`+fixed for issue ${ISSUES.approve}`);
    expect(run.snippet.initialComment).toContain("Fixed the greeting of issue 1.");

    const click = await s.click({
      user: APPROVER,
      channel: CHANNEL,
      messageTs: run.root.ts,
      actionId: ACTIONS.approve,
      value: run.id,
      messageBlocks: current(s, run.root.ts).blocks ?? [],
    });
    expect(click.status).toBe(200);

    const opened = await rootStatus(s, run.root.ts, "PR opened");
    expect(hasButtons(opened)).toBe(false);
    const prReply = threadTexts(s, run.root.ts).find((t) => t.includes("pull request opened"));
    const pull = s.sb.github.pulls("acme", "api")[0];
    expect(pull).toMatchObject({ head: `autofix/issue-${ISSUES.approve}`, state: "open" });
    expect(prReply).toContain(pull?.htmlUrl);
    expect(blocksText(opened)).toContain(pull?.htmlUrl);
    // The branch is in the bare repository: create_pr's real `git push`.
    expect(branchSha(s.sb.bare("acme", "api"), `autofix/issue-${ISSUES.approve}`)).toMatch(
      /^[0-9a-f]{40}$/,
    );

    const done = await waitExecution(s, run.id, ended, "the end");
    expect(done.state.current).toBe("SUCCESS");
    expect(taskState(done, "create_pr")).toBe("SUCCESS");
    // Each notification reached the bot and was answered 2xx (a Request task fails otherwise).
    for (const notify of ["notify_started", "notify_patch_ready", "notify_pr_created"]) {
      expect(taskState(done, notify)).toBe("SUCCESS");
    }
    // The resume the bot sent, as the engine received it.
    const resume = s.proxy.exchanges.find((x) => x.path.endsWith(`/${run.id}/actions/resume`));
    expect(resume?.status).toBe(200);
    const form = resume?.requestBody.toString("utf8") ?? "";
    expect(form).toMatch(/name="approved"\r\n\r\ntrue\r\n/);
    expect(form).toContain(APPROVER);
    // Nothing further: the final sync posts no second PR link.
    await rootStatus(s, run.root.ts, "PR opened");
    expect(
      threadTexts(s, run.root.ts).filter((t) => t.includes("pull request opened")),
    ).toHaveLength(1);
  });

  it("b. Reject → nothing pushed, no PR, the run ends, the root reads Rejected", async () => {
    const pullsBefore = s.sb.github.pulls("acme", "api").length;
    const run = await runToApproval(ISSUES.reject);
    const click = await s.click({
      user: APPROVER,
      channel: CHANNEL,
      messageTs: run.root.ts,
      actionId: ACTIONS.reject,
      value: run.id,
      messageBlocks: current(s, run.root.ts).blocks ?? [],
    });
    expect(click.status).toBe(200);
    const rejected = await rootStatus(s, run.root.ts, "Rejected");
    expect(hasButtons(rejected)).toBe(false);
    expect(blocksText(rejected)).toContain(`Rejected by <@${APPROVER}>`);

    const done = await waitExecution(s, run.id, ended, "the end");
    expect(done.state.current).toBe("SUCCESS");
    expect(taskState(done, "approval")).toBe("SUCCESS");
    expect(done.taskRunList.map((t) => t.taskId)).not.toContain("create_pr");
    // The closing notification has been handled once the thread says nothing was pushed.
    await s.slack.waitFor(
      () => threadTexts(s, run.root.ts).find((t) => t.includes("Nothing was pushed")),
      { timeoutMs: 60_000, description: "closing note" },
    );
    expect(current(s, run.root.ts).text).toMatch(/Rejected$/);
    expect(branchSha(s.sb.bare("acme", "api"), `autofix/issue-${ISSUES.reject}`)).toBeUndefined();
    expect(s.sb.github.pulls("acme", "api")).toHaveLength(pullsBefore);
  });

  it("c. the agent fails → FAILED → a reply naming `fix` with its ERROR line, and an alert", async () => {
    await s.agent.mode(ISSUES.fail, "fail");
    const slug = `acme/api#${ISSUES.fail}`;
    await s.command(s.issueUrl(ISSUES.fail));
    const root = await rootOf(s, slug);
    const execution = await executionOfRoot(s, root.ts);
    const done = await waitExecution(s, execution.id, ended, "the end");
    expect(done.state.current).toBe("FAILED");
    expect(taskState(done, "fix")).toBe("FAILED");
    const errors = await s.kestra.errorLogs(done.id);
    log(
      "c: error logs",
      errors.map((l) => `${l.taskId} ${l.message}`),
    );
    const errorLine = errors.find(
      (l) => l.taskId === "fix" && l.message?.includes("agent crashed"),
    );
    expect(errorLine).toBeDefined();

    await rootStatus(s, root.ts, "Failed");
    const reply = await s.slack.waitFor(
      () =>
        s.slack
          .thread(CHANNEL, root.ts)
          .find((m) => m.text.includes("failed while writing the fix")),
      { timeoutMs: 60_000, description: "failure reply" },
    );
    expect(blocksText(reply)).toContain("agent crashed: the model refused (issue 3)");
    const alert = await s.slack.waitFor(
      () => s.slack.channelMessages(ALERTS).find((m) => m.text.includes(slug)),
      { timeoutMs: 30_000, description: "alert" },
    );
    // People read words; the admins also get Kestra's step.
    expect(alert.text).toContain("failed while writing the fix (step fix)");
    expect(s.slack.files.filter((f) => f.threadTs === root.ts)).toHaveLength(0);
  });

  it("d. a batch of 2: Loop + Subflow children report into the batch thread; no Loop iteration shows as a run", async () => {
    const ack = await s.command(`batch acme/api label:${BATCH_LABEL} max:2 pr`);
    expect(ack.status).toBe(200);
    const digest = await s.slack.waitFor(
      () => s.slack.channelMessages(CHANNEL).findLast((m) => m.text.includes("Batch autofix")),
      { timeoutMs: 30_000, description: "digest root" },
    );
    const batchId = (await executionOfRoot(s, digest.ts, BATCH_FLOW_ID)).id;

    // Both children reach their approval message under their patch, in the batch thread.
    const slugs = ISSUES.batch.map((n) => `acme/api#${n}`);
    const approvals = await s.slack.waitFor(
      () => {
        const found = slugs.map((slug) =>
          s.slack
            .thread(CHANNEL, digest.ts)
            .find((m) => hasButtons(m) && blocksText(m).includes(slug)),
        );
        return found.every(Boolean) ? found : undefined;
      },
      { timeoutMs: 180_000, intervalMs: 200, description: "both approval messages" },
    );
    const snippets = s.slack.files.filter(
      (f) => f.threadTs === digest.ts && f.snippetType === "diff",
    );
    expect(snippets).toHaveLength(2);
    const { results: children } = await s.kestra.searchExecutions({
      flowId: SINGLE_FLOW_ID,
      labels: { "autofix-batch": batchId },
    });
    expect(children).toHaveLength(2);
    for (const child of children) {
      const full = await s.kestra.getExecution(child.id);
      const labels = Object.fromEntries(full.labels.map((l) => [l.key, l.value]));
      // inheritLabels: the batch's Slack labels, plus the child's own.
      expect(labels).toMatchObject({
        "slack-channel": CHANNEL,
        "slack-ts": digest.ts,
        "autofix-batch": batchId,
      });
      const issue = Number(labels["autofix-issue"]);
      const snippet = snippets.find((f) => f.bytes?.toString("utf8").includes(`issue ${issue}`));
      expect(snippet?.bytes?.equals(await patchInKestra(s, full))).toBe(true);
    }
    const digestNow = blocksText(current(s, digest.ts));
    for (const slug of slugs) expect(digestNow).toContain(slug);

    // Approve the first child, reject the second, from their approval messages.
    const [first, second] = approvals;
    for (const [message, action] of [
      [first, ACTIONS.approve],
      [second, ACTIONS.reject],
    ] as const) {
      if (!message) throw new Error("approval message");
      const value = JSON.stringify(message.blocks).match(/"value":"([^"]+)"/)?.[1] ?? "";
      const res = await s.click({
        user: APPROVER,
        channel: CHANNEL,
        messageTs: message.ts,
        threadTs: digest.ts,
        actionId: action,
        value,
        messageBlocks: message.blocks ?? [],
      });
      expect(res.status).toBe(200);
    }
    const batchDone = await waitExecution(s, batchId, ended, "the batch's end", 180_000);
    expect(batchDone.state.current).toBe("SUCCESS");
    await s.slack.waitFor(
      () => {
        const text = blocksText(current(s, digest.ts));
        return text.includes("PR opened") && text.includes("Rejected") ? text : undefined;
      },
      { timeoutMs: 60_000, description: "digest shows the PR and the rejection" },
    );
    expect(s.sb.github.pulls("acme", "api").map((p) => p.head)).toContain(
      `autofix/issue-${ISSUES.batch[0]}`,
    );
    expect(branchSha(s.sb.bare("acme", "api"), `autofix/issue-${ISSUES.batch[1]}`)).toBeUndefined();

    // The Loop iterations exist in Kestra (kind LOOP) but never show as runs in Slack.
    const loops = await loopIterationsOf(batchId);
    expect(loops.length).toBeGreaterThan(0);
    const list = await s.ask("list all");
    for (const loop of loops) expect(list.json).not.toContain(loop);
    for (const child of children) expect(list.json).toContain(child.id);
    for (const loop of loops) expect(JSON.stringify(s.slack.messages)).not.toContain(loop);
  });

  it("e. /autofix cancel while `fix` runs → KILLING → KILLED → Cancelled; retry starts it again as a new run in its thread", async () => {
    await s.agent.mode(ISSUES.cancel, "wait");
    const slug = `acme/api#${ISSUES.cancel}`;
    await s.command(s.issueUrl(ISSUES.cancel));
    const root = await rootOf(s, slug);
    const execution = await executionOfRoot(s, root.ts);
    await s.agent.started(ISSUES.cancel);
    const running = await s.kestra.getExecution(execution.id);
    expect(taskState(running, "fix")).toBe("RUNNING");
    await rootStatus(s, root.ts, "Running");

    // Named as people write the issue: its newest run.
    const answer = await s.ask(`cancel ${slug}`);
    expect(answer.text).toContain(`Cancelling *${slug}*`);
    const done = await waitExecution(s, execution.id, ended, "the end");
    expect(done.state.current).toBe("KILLED");
    expect(done.state.histories.map((h) => h.state)).toEqual(
      expect.arrayContaining(["KILLING", "KILLED"]),
    );
    expect(taskState(done, "fix")).toBe("KILLED");
    await rootStatus(s, root.ts, "Cancelled");
    const shown = statusesShown(s, root.ts);
    log("e: root statuses", shown);
    // The kill answer (KILLING) is shown at once; afterExecution's `finished` brings Cancelled.
    expect(shown).toEqual(["Queued", "Running", "Cancelling", "Cancelled"]);
    expect(threadTexts(s, root.ts).filter((t) => t.includes(`Cancelled by`))).toHaveLength(1);
    expect(s.slack.files.filter((f) => f.threadTs === root.ts)).toHaveLength(0);
    await s.agent.release(ISSUES.cancel);

    // A second cancel of the ended run: a clear answer, no second note, Kestra state unchanged.
    const again = await s.ask(`cancel ${execution.id}`);
    // Who cancelled it is said, with what the run is now.
    expect(again.text).toContain(
      `<@${REQUESTER}> already cancelled this run; it is now *Cancelled*.`,
    );
    expect(threadTexts(s, root.ts).filter((t) => t.includes(`Cancelled by`))).toHaveLength(1);
    expect((await s.kestra.getExecution(execution.id)).state.current).toBe("KILLED");

    // Retry: released 2.0 restarts only FAILED or PAUSED runs, so the cancelled run starts again
    // as a new execution with the same inputs and labels, in the same thread.
    await s.agent.mode(ISSUES.cancel, "edit");
    const retried = await s.ask(`retry ${execution.id}`);
    log("e: retry answer", retried.text);
    expect(retried.text).toContain(`Started *${slug}* again as a new run`);
    const newId = (await executionOfRoot(s, root.ts, SINGLE_FLOW_ID, [execution.id])).id;
    expect(newId).not.toBe("");
    expect(newId).not.toBe(execution.id);
    const fresh = await s.kestra.getExecution(newId);
    expect(fresh.inputs).toEqual(done.inputs);
    const slackLabels = (e: typeof fresh) =>
      e.labels.filter((l) => !l.key.startsWith("system.")).map((l) => `${l.key}=${l.value}`);
    expect(slackLabels(fresh).sort()).toEqual(slackLabels(done).sort());
    // The root follows the new run to its patch, in the same thread.
    await rootStatus(s, root.ts, "Patch ready, awaiting approval");
    expect(s.slack.files.filter((f) => f.threadTs === root.ts)).toHaveLength(1);
    expect(threadTexts(s, root.ts).some((t) => t.includes("started the run again"))).toBe(true);
    expect((await s.kestra.getExecution(execution.id)).state.current).toBe("KILLED");
  });

  it("f. the reconciler's questions: PAUSED runs carry state.endDate; an END_DATE search finds them", async () => {
    const answers = await reconcilerQuestions(s);
    log("f: reconciler answers", answers);
    expect(answers.pausedState).toMatchObject({ current: "PAUSED", endDate: expect.any(String) });
    expect(answers.foundSinceBeforePause).toBe(true);
    expect(answers.foundSinceAfterPause).toBe(false);
    expect(answers.runningFoundSinceBefore).toBe(false);
    expect(answers.killedFoundSinceBefore).toBe(true);
    expect(answers.foundSinceMidRun).toBe(true);
    // Why the client sends dateFilter=END_DATE: without it 2.0.0 compares start dates, so a run
    // that started before the watermark and ended after it would never be caught up.
    expect(answers.withoutDateFilter).toEqual({
      runningFound: true,
      pausedFoundSinceMidRun: false,
    });
  });

  it("g. the JS fake answers like the engine on every field the bot reads", async () => {
    const agreement = await fakeAgreement(s);
    log("g: agreement", agreement);
    expect(agreement.executionsCompared).toBeGreaterThan(10);
    expect(agreement.differences).toEqual([]);
    // Same status, and the same released error body (ErrorController's JsonError), for the same mistake.
    for (const [probe, { engine, fake }] of Object.entries(agreement.errors)) {
      expect({ probe, status: fake }).toEqual({ probe, status: engine });
    }
    for (const [probe, { engine, fake }] of Object.entries(agreement.errorShapes)) {
      expect({ probe, shape: fake }).toEqual({ probe, shape: engine });
    }
    expect(agreement.errorShapes["download a file of another execution"]?.engine.location).toBe(
      `/api/v1/main/executions/0000000000000000000000/file?path=kestra:///dev/autofix/ai-issue-autofix/executions/0000000000000000000000/tasks/fix/x/patch.diff`,
    );
    expect(agreement.errorShapes["search with size 0"]?.engine.embedded).toBe(true);
    expect(agreement.errorShapes["GET an unknown execution"]?.engine).toMatchObject({
      reason: "Not Found",
      logref: null,
      path: null,
      selfIsRequest: true,
      embedded: false,
    });
  });

  it("h. Run setup check on the App Home: setup-check runs on the engine against the GitHub fake, and the admin's Home shows ✅/❌", async () => {
    const ADMIN = "U0ADMIN";
    s.slack.addUser(ADMIN, { isAdmin: true });
    // The Home helpers need only the bot's URL and the Slack fake.
    const h = { url: s.bot.url, slack: s.slack } as unknown as Harness;
    const home = await openHome(h, ADMIN);
    const before = setupText(home) ?? "";
    expect(before).toMatch(/✅ Kestra reachable: version 2\.0\./);
    for (const id of [SINGLE_FLOW_ID, BATCH_FLOW_ID, SETUP_CHECK_FLOW_ID, FILE_ISSUE_FLOW_ID]) {
      expect(before).toContain(`✅ Flow \`dev.autofix/${id}\` loaded`);
    }
    expect(before).toContain("✅ The bot is a member of <#C0ALERTS>.");

    const res = await viewAction(h, {
      user: ADMIN,
      view: home,
      actionId: HOME_ACTIONS.setupCheck,
      value: "run",
    });
    expect(res.status).toBe(200);
    // The flow's notification re-publishes the admin's Home with the report.
    const reported = await s.slack.waitFor(
      () => {
        const view = s.slack.views.home.get(ADMIN)?.view;
        return view && JSON.stringify(view).includes("has reported back") ? view : undefined;
      },
      { timeoutMs: 120_000, description: "the setup check's report on the admin's Home" },
    );
    const text = setupText({ id: "", hash: "", view: reported }) ?? "";
    expect(text).toContain("✅ Webhook token accepted");
    expect(text).toContain(
      "✅ GitHub read token (`GITHUB_READ_TOKEN`, from `GITHUB_TOKEN` in .env) valid: can read acme/api.",
    );
    expect(text).toContain(
      "✅ GitHub PR token (`GITHUB_PR_TOKEN`) valid: can read and push to acme/api.",
    );
    expect(text).toContain("✅ LLM key set");
    expect(text).not.toContain("❌");

    // What Kestra holds: the run, its report (booleans, no secret), the notify task's 2xx.
    const { results } = await s.kestra.searchExecutions({ flowId: SETUP_CHECK_FLOW_ID });
    const id = results[0]?.id ?? "";
    const done = await waitExecution(s, id, ended, "ended");
    expect(done.state.current).toBe("SUCCESS");
    expect(done.inputs).toMatchObject({ [SETUP_CHECK.inputs.repo]: "acme/api" });
    expect(taskState(done, SETUP_CHECK.tasks.notify)).toBe("SUCCESS");
    const check = done.taskRunList.find((t) => t.taskId === SETUP_CHECK.tasks.check);
    const outputs = (await s.kestra.taskRunOutputs(id, check?.id ?? "")) as {
      outputFiles?: Record<string, string>;
    };
    const file = await s.kestra.downloadFile(id, outputs.outputFiles?.[SETUP_CHECK.file] ?? "");
    expect(setupCheckReportSchema.parse(JSON.parse(file.toString("utf8")))).toEqual({
      repo: "acme/api",
      readToken: { set: true, valid: true, canRead: true, canPush: true },
      prToken: { set: true, valid: true, canRead: true, canPush: true },
      llmKey: { set: true },
    });
    expect(file.toString("utf8")).not.toContain(s.sb.github.token);

    // Opened again: read back from Kestra.
    const again = setupText(await openHome(h, ADMIN)) ?? "";
    expect(again).toContain("✅ Webhook token accepted");
    expect(again).toContain("✅ LLM key set");
  });

  it("i. `@autofix fix this` in a thread without a link → File & fix → file-issue files it on the engine in the GitHub fake → its run starts in the thread", async () => {
    const person = { slack: s.slack, url: s.bot.url, secret: SIGNING_SECRET };
    const parent = s.slack.say(APPROVER, CHANNEL, "The greeting is wrong when the name is empty");
    s.slack.say(REQUESTER, CHANNEL, "Confirmed on staging `$(whoami)`", { threadTs: parent.ts });
    const { message: asked } = await mention(person, {
      user: REQUESTER,
      channel: CHANNEL,
      text: "fix this",
      threadTs: parent.ts,
    });
    const offer = await s.slack.waitFor(
      () =>
        s.slack.ephemerals.find(
          (e) => e.user === REQUESTER && JSON.stringify(e.blocks).includes(ACTIONS.fileIssue),
        ),
      { timeoutMs: 30_000, description: "the offer to file an issue" },
    );
    const value = JSON.stringify(offer.blocks).match(/"value":"((?:[^"\\]|\\.)*)"/)?.[1] ?? "";
    const triggerId = s.slack.issueTriggerId({ userId: REQUESTER });
    await s.click({
      user: REQUESTER,
      channel: CHANNEL,
      messageTs: offer.ts,
      threadTs: parent.ts,
      actionId: ACTIONS.fileIssue,
      value: JSON.parse(`"${value}"`),
      triggerId,
    });
    const form = await s.slack.waitFor(
      () => s.slack.views.modals.find((m) => m.triggerId === triggerId && m.versions.length > 1),
      { timeoutMs: 30_000, description: "the file-issue form" },
    );
    expect(JSON.stringify(form.view)).toContain(
      '"initial_value":"The greeting is wrong when the name is empty"',
    );
    const submitted = await sendViewSubmission(s.bot.url, SIGNING_SECRET, {
      user: REQUESTER,
      callbackId: FILE_ISSUE_FORM.callbackId,
      viewId: form.id,
      privateMetadata: String(form.view["private_metadata"]),
      values: {
        [FILE_ISSUE_FORM.repoBlock]: {
          [FILE_ISSUE_FORM.input]: {
            type: "static_select",
            selected_option: { value: "acme/api" },
          },
        },
        [FILE_ISSUE_FORM.titleBlock]: {
          [FILE_ISSUE_FORM.input]: {
            type: "plain_text_input",
            value: "Greeting is wrong for empty names",
          },
        },
      },
    });
    expect(submitted.status).toBe(200);

    // The engine runs file-issue: `autofix file-issue` with Kestra's write token files it.
    const filing = await eventually(
      async () => (await s.kestra.searchExecutions({ flowId: FILE_ISSUE_FLOW_ID })).results[0],
      { timeoutMs: 60_000, intervalMs: 200, description: "the file-issue execution" },
    );
    const done = await waitExecution(s, filing.id, ended, "ended");
    expect(done.state.current).toBe("SUCCESS");
    // afterExecution's notification, answered 2xx by the bot once it started the run.
    const filed = await waitExecution(
      s,
      filing.id,
      (e) => taskState(e, FILE_ISSUE.tasks.notify) === "SUCCESS",
      "notify_file_issue SUCCESS",
    );
    const issue = s.sb.github
      .issues("acme", "api")
      .find((i) => i.title === "Greeting is wrong for empty names");
    if (!issue) throw new Error("the issue was not filed in the GitHub fake");
    const body = issue.body.replace(/\r\n/g, "\n");
    expect(body).toContain("**lead** wrote:\n> The greeting is wrong when the name is empty");
    expect(body).toContain("**requester** wrote:\n> Confirmed on staging `$(whoami)`");
    expect(body).toContain(`/archives/${CHANNEL}/p${parent.ts.replace(".", "")}`);
    const file = filed.taskRunList.find((t) => t.taskId === FILE_ISSUE.tasks.file);
    const vars = (
      (await s.kestra.taskRunOutputs(filed.id, file?.id ?? "")) as {
        vars?: Record<string, unknown>;
      }
    ).vars;
    expect(vars?.[FILE_ISSUE.vars.issueUrl]).toBe(issue.htmlUrl);

    // Its run, in the thread it was asked in, up to its patch.
    const head = await s.slack.waitFor(
      () => s.slack.thread(CHANNEL, parent.ts).find((m) => m.user === s.slack.botUserId),
      { timeoutMs: 60_000, description: "the run's root in the thread" },
    );
    const run = await executionOfRoot(s, head.ts);
    expect(run.inputs?.["issue_url"]).toBe(issue.htmlUrl);
    expect(run.labels.find((l) => l.key === "slack-ask")?.value).toBe(asked.ts);
    await s.slack.waitFor(
      () => s.slack.files.find((f) => f.threadTs === parent.ts && f.snippetType === "diff"),
      { timeoutMs: 120_000, description: "the new issue's patch in the thread" },
    );
    await rootStatus(s, head.ts, "Patch ready, awaiting approval");
    expect(s.slack.reactionsOf(CHANNEL, asked.ts)["eyes"]).toEqual([s.slack.botUserId]);
    // No token ever reaches Slack.
    const said = JSON.stringify([s.slack.messages, s.slack.ephemerals]);
    expect(said).not.toContain(s.sb.github.token);
  });
});

describe("after the PR opens, on the real Kestra 2.0 engine", () => {
  it("j. red checks → Fix the failing checks → the follow-up run pushes a second commit onto the same branch (no new PR) → green → merged", async () => {
    const n = ISSUES.followUp;
    const branch = `autofix/issue-${n}`;
    const bare = s.sb.bare("acme", "api");
    const run = await runToApproval(n);
    await s.click({
      user: APPROVER,
      channel: CHANNEL,
      messageTs: run.root.ts,
      actionId: ACTIONS.approve,
      value: run.id,
      messageBlocks: current(s, run.root.ts).blocks ?? [],
    });
    await rootStatus(s, run.root.ts, "PR opened");
    const pull = s.sb.github.pulls("acme", "api").find((p) => p.head === branch);
    if (!pull) throw new Error(`no PR from ${branch}`);
    const pullsBefore = s.sb.github.pulls("acme", "api").length;
    const first = branchSha(bare, branch) ?? "";
    expect(first).toMatch(/^[0-9a-f]{40}$/);

    // CI fails on the PR's head: the bot's follower says so in the thread, with the button.
    s.sb.github.addCheckRun("acme", "api", {
      sha: first,
      name: "test",
      conclusion: "failure",
      log: "2024-01-01T00:00:00.0000000Z npm test\nFAIL greeting.test.js: expected 'checks fixed'\n",
    });
    const red = await s.slack.waitFor(
      () =>
        s.slack.thread(CHANNEL, run.root.ts).find((m) => m.text.startsWith("Checks failed on PR")),
      { timeoutMs: 60_000, description: "the red checks reply" },
    );
    const fixClick = await s.click({
      user: APPROVER,
      channel: CHANNEL,
      messageTs: red.ts,
      threadTs: run.root.ts,
      actionId: ACTIONS.fixChecks,
      value: run.id,
      messageBlocks: red.blocks ?? [],
    });
    expect(fixClick.status).toBe(200);

    // The follow-up run on the engine: pr_number, the failed check and its log as feedback; the
    // worker works on the PR's branch; the root waits for Approve & push.
    const followUpId = await followUpOf(run.root.ts, `checks-${first.slice(0, 12)}`);
    const waiting = await rootStatus(s, run.root.ts, "Patch ready, awaiting approval");
    expect(blocksText(waiting)).toContain(`Approve & push to PR #${pull.number}`);
    const paused = await waitExecution(
      s,
      followUpId,
      (e) => e.state.current === "PAUSED",
      "PAUSED",
    );
    expect(paused.inputs).toMatchObject({ pr_number: pull.number, apply_fix: true });
    expect(String(paused.inputs?.["feedback"])).toContain(
      "FAIL greeting.test.js: expected 'checks fixed'",
    );
    const patch = (await patchInKestra(s, paused)).toString("utf8");
    expect(patch).toContain(`+checks fixed for issue ${n}`);
    expect(patch).not.toContain("-hello");

    await s.click({
      user: APPROVER,
      channel: CHANNEL,
      messageTs: run.root.ts,
      actionId: ACTIONS.approve,
      value: followUpId,
      messageBlocks: current(s, run.root.ts).blocks ?? [],
    });
    const pushed = await waitExecution(s, followUpId, ended, "the follow-up's end");
    expect(pushed.state.current).toBe("SUCCESS");
    expect(taskState(pushed, "create_pr")).toBe("SUCCESS");
    // create_pr's real `git push`: a second commit on top of the first, on the same branch.
    const second = branchSha(bare, branch) ?? "";
    expect(second).not.toBe(first);
    expect(gitIn(bare, ["rev-parse", `${second}^`]).trim()).toBe(first);
    expect(gitIn(bare, ["show", `${second}:README.md`])).toBe(
      `hello\nfixed for issue ${n}\nchecks fixed for issue ${n}\n`,
    );
    expect(s.sb.github.pulls("acme", "api")).toHaveLength(pullsBefore);
    await s.slack.waitFor(
      () => threadTexts(s, run.root.ts).find((t) => t.includes("a new commit was pushed")),
      { timeoutMs: 60_000, description: "the push note" },
    );

    // Green on the new head, then merged: said, and the root ends on PR merged.
    s.sb.github.addCheckRun("acme", "api", { sha: second, name: "test", conclusion: "success" });
    await s.slack.waitFor(
      () => threadTexts(s, run.root.ts).find((t) => t.includes(`on \`${second.slice(0, 7)}\``)),
      { timeoutMs: 60_000, description: "the green checks reply" },
    );
    s.sb.github.mergePull("acme", "api", pull.number, "octocat");
    await rootStatus(s, run.root.ts, "PR merged", 60_000);
    const thread = threadTexts(s, run.root.ts);
    log(
      "i: thread",
      s.slack.thread(CHANNEL, run.root.ts).map((m) => m.text),
    );
    expect(thread.filter((t) => t.includes("was merged"))).toHaveLength(1);
    expect(thread.filter((t) => t.startsWith("Checks failed on PR"))).toHaveLength(1);
  });
});

/** The follow-up run the bot started in a thread, by its labels (the search may lag a little). */
async function followUpOf(rootTs: string, ref: string): Promise<string> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const { results } = await s.kestra.searchExecutions({
      flowId: SINGLE_FLOW_ID,
      labels: { "slack-ts": rootTs, "autofix-follow-up": ref },
    });
    if (results[0]) return results[0].id;
    if (Date.now() > deadline) throw new Error(`no follow-up run ${ref} in thread ${rootTs}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function loopIterationsOf(batchId: string): Promise<string[]> {
  const q = new URLSearchParams({ page: "1", size: "50" });
  q.append("filters[kind][EQUALS]", "LOOP");
  q.append("filters[flowId][EQUALS]", BATCH_FLOW_ID);
  const res = await fetch(`${s.engine.url}/api/v1/main/executions/search?${q}`, {
    headers: {
      authorization: engineAuth(s.engine),
      accept: "application/json",
    },
  });
  const body = (await res.json()) as { results: { id: string; parentId?: string }[] };
  return body.results.filter((r) => r.parentId === batchId).map((r) => r.id);
}
