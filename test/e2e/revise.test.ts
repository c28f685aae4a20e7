import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { LABELS, RESUME_INPUTS, SINGLE_INPUTS } from "../../src/contracts/flow.ts";
import { LOADING_TEXT } from "../../src/slack/blocks/modal-notes.ts";
import { STATUS_TEXT } from "../../src/slack/blocks/status-text.ts";
import { ACTIONS, REVISE } from "../../src/slack/ids.ts";
import { FlowDriver, SAMPLE_PATCH } from "../support/flow-driver.ts";
import {
  ALERTS,
  CHANNEL,
  type Harness,
  ISSUE_URL,
  REQUESTER,
  SIGNING_SECRET,
  startHarness,
} from "../support/harness.ts";
import { runAwaitingApproval } from "../support/scenarios.ts";
import { sendViewSubmission } from "../support/slack-requests.ts";

let h: Harness;
afterEach(async () => h?.close());

async function awaitingApproval(env: Record<string, string> = {}) {
  h = await startHarness({ env });
  return runAwaitingApproval(h);
}

/**
 * Clicks Revise. The click opens a "Loading…" modal at once (the trigger_id expires after 3 s),
 * which the bot then updates with the form or the refusal: returns the modal once updated.
 */
async function openModal(
  user: string,
  ctx: Awaited<ReturnType<typeof awaitingApproval>>,
  opts: { triggerTtlMs?: number } = {},
) {
  const triggerId = h.slack.issueTriggerId({
    userId: user,
    ...(opts.triggerTtlMs ? { ttlMs: opts.triggerTtlMs } : {}),
  });
  await h.click({
    user,
    messageTs: ctx.buttonsTs,
    threadTs: ctx.rootTs,
    actionId: ACTIONS.revise,
    value: ctx.run.id,
    triggerId,
  });
  const modal = await h.slack.waitFor(() =>
    h.slack.views.modals.find((m) => m.triggerId === triggerId),
  );
  expect(JSON.stringify(modal.versions[0])).toContain(LOADING_TEXT);
  return h.slack.waitFor(() => (modal.versions.length > 1 ? modal : undefined), {
    description: "the revise modal's content",
  });
}

const feedbackValues = (value: string) => ({
  [REVISE.feedbackBlock]: { [REVISE.feedbackAction]: { type: "plain_text_input", value } },
});

describe("Revise", () => {
  it("sits next to Approve and Reject on the patch, naming the run", async () => {
    const { run, buttonsTs } = await awaitingApproval();
    const blocks = JSON.stringify(h.slack.message(CHANNEL, buttonsTs)?.blocks);
    for (const id of [ACTIONS.approve, ACTIONS.reject, ACTIONS.revise])
      expect(blocks).toContain(id);
    expect(blocks).toContain(`"value":"${run.id}"`);
  });

  it("is refused to someone who is neither the requester nor an approver: the modal says so, nothing changes", async () => {
    const ctx = await awaitingApproval();
    const modal = await openModal("U0OTHER", ctx);
    expect(modal.view["submit"]).toBeUndefined();
    expect(JSON.stringify(modal.view["blocks"])).toContain(
      "Only the requester or an approver can revise this patch.",
    );
    expect(JSON.stringify(modal.view)).not.toContain(REVISE.feedbackBlock);
    expect(h.kestra.resumes).toHaveLength(0);
    expect(h.kestra.executions).toHaveLength(1);
  });

  it("is refused from another thread's button naming this run: the modal says so, nothing changes", async () => {
    const ctx = await awaitingApproval();
    const foreign = { ...ctx, buttonsTs: "1700000000.000002", rootTs: "1700000000.000001" };
    const modal = await openModal(REQUESTER, foreign);
    expect(modal.view["submit"]).toBeUndefined();
    expect(JSON.stringify(modal.view["blocks"])).toContain("does not belong to that run");
    expect(h.kestra.resumes).toHaveLength(0);
    expect(h.kestra.executions).toHaveLength(1);
  });

  it("opens at once although Kestra is slow, then says Kestra cannot be reached", async () => {
    const ctx = await awaitingApproval();
    h.kestra.failNext({ method: "GET", path: `/api/v1/main/executions/${ctx.run.id}` }, "timeout");
    // A trigger that expires before Kestra's timeout: it must be used before any Kestra read.
    const modal = await openModal(REQUESTER, ctx, { triggerTtlMs: 1000 });
    expect(JSON.stringify(modal.view["blocks"])).toContain("Kestra is not reachable right now");
    expect(modal.view["submit"]).toBeUndefined();
    expect(h.slack.calls.filter((c) => c.method.startsWith("views.") && c.error)).toEqual([]);
    // Pressing Revise again once Kestra answers opens the form.
    const again = await openModal(REQUESTER, ctx);
    expect(again.view["callback_id"]).toBe(REVISE.callbackId);
    expect(JSON.stringify(again.view["blocks"])).toContain(REVISE.feedbackBlock);
  });

  it("opens a feedback modal for the requester; the submission rejects the old run and starts a new one in the thread", async () => {
    const ctx = await awaitingApproval();
    const modal = await openModal(REQUESTER, ctx);
    expect(modal.view["callback_id"]).toBe(REVISE.callbackId);
    const input = JSON.stringify(modal.view["blocks"]);
    expect(input).toContain('"multiline":true');
    expect(input).toContain('"max_length":3000');

    const feedback = "Keep <the> public API & fix it in the parser <!channel>";
    const res = await sendViewSubmission(h.url, SIGNING_SECRET, {
      user: REQUESTER,
      callbackId: REVISE.callbackId,
      values: feedbackValues(feedback),
      privateMetadata: String(modal.view["private_metadata"]),
    });
    expect(res.status).toBe(200);
    expect(res.body).toBe("");

    // The old run: resumed with approved=false, so nothing is pushed.
    await h.slack.waitFor(() => h.kestra.resumes.length === 1);
    expect(h.kestra.resumes[0]).toMatchObject({ executionId: ctx.run.id });
    expect(h.kestra.resumes[0]?.inputs).toEqual({
      [RESUME_INPUTS.approved]: false,
      [RESUME_INPUTS.approver]: "requester (revised)",
    });

    // The new run: same thread, the feedback and the previous patch as a file input.
    await h.slack.waitFor(() => h.kestra.executions.length === 2);
    const next = h.kestra.executions[1];
    if (!next) throw new Error("no new execution");
    expect(next.inputs[SINGLE_INPUTS.feedback]).toBe(feedback);
    expect(next.inputs[SINGLE_INPUTS.issueUrl]).toBe(ISSUE_URL);
    const uri = String(next.inputs[SINGLE_INPUTS.previousPatch]);
    expect(uri).toMatch(new RegExp(`^kestra:///.+/executions/${next.id}/inputs/previous_patch/`));
    expect(next.files.get(uri.slice("kestra://".length))?.toString("utf8")).toBe(SAMPLE_PATCH);
    const create = h.kestra.requests
      .filter(
        (r) =>
          r.method === "POST" &&
          (r.path.split("?")[0] ?? "").endsWith("/executions/dev.autofix/ai-issue-autofix"),
      )
      .at(-1);
    expect(create?.headers["content-type"]).toMatch(/^multipart\/form-data; boundary=/);
    expect(create?.body).toContain('name="previous_patch"; filename="previous_patch"');
    const label = (key: string) => next.labels.find((l) => l.key === key)?.value;
    expect(label(LABELS.ts)).toBe(ctx.rootTs);
    expect(label(LABELS.channel)).toBe(CHANNEL);
    expect(label(LABELS.user)).toBe(REQUESTER);

    // One root only; the thread says who asked for what, escaped.
    expect(h.slack.channelMessages(CHANNEL)).toHaveLength(1);
    const note = await h.slack.waitFor(() =>
      h.slack.thread(CHANNEL, ctx.rootTs).find((m) => m.text.startsWith("✏️ Revision requested")),
    );
    expect(note.text).toBe(
      `✏️ Revision requested by <@${REQUESTER}>: Keep &lt;the&gt; public API &amp; fix it in the parser &lt;!channel&gt;`,
    );
    // The root now follows the new run (once it has taken the root over), without the old buttons.
    await h.slack.waitFor(() => h.slack.message(CHANNEL, ctx.rootTs)?.text.endsWith("Queued"), {
      description: "the root follows the new run",
    });
    expect(JSON.stringify(h.slack.message(CHANNEL, ctx.rootTs)?.blocks)).not.toContain(
      ACTIONS.approve,
    );

    // The new run moves on; then the old run ends (not approved): the root stays with the new run.
    const fresh = new FlowDriver(h, next.id);
    await fresh.started();
    await h.slack.waitFor(() =>
      h.slack.message(CHANNEL, ctx.rootTs)?.text.endsWith(STATUS_TEXT.running),
    );
    await ctx.run.finished();
    await h.app.runtime.background.drain();
    expect(h.slack.message(CHANNEL, ctx.rootTs)?.text.endsWith(STATUS_TEXT.running)).toBe(true);
    expect(h.slack.thread(CHANNEL, ctx.rootTs).some((m) => m.text.includes("Patch rejected"))).toBe(
      false,
    );
  });

  /** Submits the form with feedback and waits for the old run's resume. */
  async function submitRevision(ctx: Awaited<ReturnType<typeof awaitingApproval>>) {
    const modal = await openModal(REQUESTER, ctx);
    await sendViewSubmission(h.url, SIGNING_SECRET, {
      user: REQUESTER,
      callbackId: REVISE.callbackId,
      values: feedbackValues("smaller change please"),
      privateMetadata: String(modal.view["private_metadata"]),
    });
    await h.slack.waitFor(() => h.kestra.resumes.length === 1);
  }

  const isCreate = (r: { method: string; path: string }) =>
    r.method === "POST" &&
    (r.path.split("?")[0] ?? "").endsWith("/executions/dev.autofix/ai-issue-autofix");
  const revisionNotes = (rootTs: string) =>
    h.slack.thread(CHANNEL, rootTs).filter((m) => m.text.startsWith("✏️ Revision requested"));

  it("a revision whose first create Kestra refused is started once more, with its note said once", async () => {
    const ctx = await awaitingApproval();
    h.kestra.failNext(
      { method: "POST", path: "/api/v1/main/executions/dev.autofix/ai-issue-autofix" },
      { status: 503, body: { message: "Service Unavailable" } },
    );
    await submitRevision(ctx);
    // The old run's sync right after starts the revision recorded in the thread again.
    await h.slack.waitFor(() => h.kestra.executions.length === 2, { description: "the revision" });
    await h.app.runtime.background.drain();
    // The run's own create, the refused one, the revision's.
    expect(h.kestra.requests.filter(isCreate)).toHaveLength(3);
    expect(h.kestra.executions).toHaveLength(2);
    expect(revisionNotes(ctx.rootTs)).toHaveLength(1);
  });

  it("a revision that Kestra created but whose answer never came (a timeout) is not started twice; the root follows it", async () => {
    const ctx = await awaitingApproval();
    // Kestra applies the create; its answer comes after the bot's timeout (KESTRA_TIMEOUT_MS).
    let held = false;
    h.kestra.beforeReply(async (r) => {
      if (held || !isCreate(r)) return;
      held = true;
      await sleep(2000);
    });
    await submitRevision(ctx);
    await h.slack.waitFor(() => h.kestra.executions.length === 2, { description: "the revision" });
    const next = h.kestra.executions[1];
    if (!next) throw new Error("no revision");
    // The bot gave up on the answer (the reviewer is told), and its look at the old run right
    // after finds the revision there: nothing more starts.
    const told = await h.slack.waitFor(() => h.slack.ephemerals.find((e) => e.user === REQUESTER), {
      description: "the reviewer told",
      timeoutMs: 8000,
    });
    expect(told.text).toMatch(
      /^Kestra did not confirm the revision of acme\/api#42: Kestra is not reachable/,
    );
    await h.app.runtime.background.drain();
    expect(h.kestra.executions).toHaveLength(2);
    expect(revisionNotes(ctx.rootTs)).toHaveLength(1);
    // The revision's own notifications bring the root over to it, with its buttons.
    const fresh = new FlowDriver(h, next.id);
    await fresh.started();
    await h.slack.waitFor(() =>
      h.slack.message(CHANNEL, ctx.rootTs)?.text.endsWith(STATUS_TEXT.running),
    );
    await fresh.patchReady();
    await h.slack.waitFor(() =>
      JSON.stringify(h.slack.message(CHANNEL, ctx.rootTs)?.blocks).includes(`"${next.id}"`),
    );
  });

  it("re-checks authorization on submission: the metadata alone grants nothing", async () => {
    const ctx = await awaitingApproval();
    const modal = await openModal(REQUESTER, ctx);
    await sendViewSubmission(h.url, SIGNING_SECRET, {
      user: "U0STRANGER",
      callbackId: REVISE.callbackId,
      values: feedbackValues("push it anyway"),
      privateMetadata: String(modal.view["private_metadata"]),
    });
    const eph = await h.slack.waitFor(() =>
      h.slack.ephemerals.find((e) => e.user === "U0STRANGER"),
    );
    expect(eph.text).toBe("Only the requester or an approver can revise this patch.");
    expect(h.kestra.resumes).toHaveLength(0);
    expect(h.kestra.executions).toHaveLength(1);
  });

  it("a revision whose create Kestra refuses: the reviser is told in short, the admins in full, and the bot starts it again by itself", async () => {
    const ctx = await awaitingApproval();
    const modal = await openModal(REQUESTER, ctx);
    h.kestra.failNext(
      { method: "POST", path: "/api/v1/main/executions/dev.autofix/ai-issue-autofix" },
      { status: 503, body: { message: "down" } },
    );
    await sendViewSubmission(h.url, SIGNING_SECRET, {
      user: REQUESTER,
      callbackId: REVISE.callbackId,
      values: feedbackValues("use the cache"),
      privateMetadata: String(modal.view["private_metadata"]),
    });
    const eph = await h.slack.waitFor(() => h.slack.ephemerals.find((e) => e.user === REQUESTER));
    expect(eph.text).toBe(
      "Kestra did not confirm the revision of acme/api#42: Kestra is not reachable right now. The admins have been told; the bot tries again by itself, and the thread follows the revision once it runs.",
    );
    const alert = await h.slack.waitFor(() => h.slack.channelMessages(ALERTS)[0]);
    expect(JSON.stringify(alert.blocks)).toContain("Try again in a few minutes");
    await h.slack.waitFor(() => h.kestra.executions.length === 2, { description: "the revision" });
    await h.app.runtime.background.drain();
    // The thread says nothing of the refusal: the revision it announced did start.
    expect(h.slack.thread(CHANNEL, ctx.rootTs).some((m) => m.text.includes("couldn't"))).toBe(
      false,
    );
  });

  it("answers empty feedback inline and keeps the modal open", async () => {
    const ctx = await awaitingApproval();
    const modal = await openModal(REQUESTER, ctx);
    const res = await sendViewSubmission(h.url, SIGNING_SECRET, {
      user: REQUESTER,
      callbackId: REVISE.callbackId,
      values: feedbackValues("   "),
      privateMetadata: String(modal.view["private_metadata"]),
    });
    expect(res.body).toEqual({
      response_action: "errors",
      errors: { [REVISE.feedbackBlock]: "Say what the agent should change." },
    });
    expect(h.kestra.resumes).toHaveLength(0);
    expect(h.kestra.executions).toHaveLength(1);
  });

  it("lets a configured approver revise, and refuses a second revision of the same patch", async () => {
    const ctx = await awaitingApproval({ AUTOFIX_APPROVERS: "U0LEAD" });
    const modal = await openModal("U0LEAD", ctx);
    const submit = () =>
      sendViewSubmission(h.url, SIGNING_SECRET, {
        user: "U0LEAD",
        callbackId: REVISE.callbackId,
        values: feedbackValues("smaller change please"),
        privateMetadata: String(modal.view["private_metadata"]),
      });
    await submit();
    await h.slack.waitFor(() => h.kestra.executions.length === 2);
    expect(h.kestra.resumes[0]?.inputs[RESUME_INPUTS.approver]).toBe("u0lead (revised)");
    await submit();
    const eph = await h.slack.waitFor(() => h.slack.ephemerals.find((e) => e.user === "U0LEAD"));
    expect(eph.text).toMatch(/already sent back for a revision by <@U0LEAD>/);
    expect(h.kestra.executions).toHaveLength(2);
    expect(h.kestra.resumes).toHaveLength(1);
  });
});
