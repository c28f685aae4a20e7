// What real Kestra 2.0 does that the fake now enforces, end to end through the bot: media-type
// negotiation on the file and kill routes, the asynchronous kill, and Loop iterations in searches.

import { afterEach, expect, it } from "vitest";
import { BatchDriver } from "../support/batch-driver.ts";
import { SAMPLE_PATCH } from "../support/flow-driver.ts";
import { ALERTS, CHANNEL, type Harness, REQUESTER, startHarness } from "../support/harness.ts";
import { startedRun } from "../support/scenarios.ts";
import { ask } from "./commands-seed.ts";

let h: Harness;
afterEach(async () => h?.close());

const threadTexts = (rootTs: string) => h.slack.thread(CHANNEL, rootTs).map((m) => m.text);
const rootText = () => h.slack.channelMessages(CHANNEL)[0]?.text ?? "";

it("fetch-patch: the patch is downloaded through the 2.0 file route (octet-stream only) and posted as a snippet", async () => {
  h = await startHarness();
  const { run, rootTs } = await startedRun(h);
  const uri = await run.patchReady(SAMPLE_PATCH, { summary: "Trim the user name." });
  const file = await h.slack.waitFor(() => h.slack.files[0], { description: "patch snippet" });
  expect(file).toMatchObject({ threadTs: rootTs, snippetType: "diff", content: SAMPLE_PATCH });
  const download = h.kestra.requests.find((r) =>
    r.path.startsWith(`/api/v1/main/executions/${run.id}/file?`),
  );
  expect(new URL(download?.path ?? "", "http://x").searchParams.get("path")).toBe(uri);
  expect(download?.table).toEqual({ passed: true, operationId: "downloadFileFromExecution" });
  expect(download?.status).toBe(200);
  expect(threadTexts(rootTs).some((t) => t.includes("could not be downloaded"))).toBe(false);
});

it("/autofix cancel: the kill answers KILLING, the thread says who cancelled, and the run reads Cancelled once Kestra has killed it", async () => {
  h = await startHarness();
  const { run, rootTs } = await startedRun(h);
  const answer = await ask(h, `cancel ${run.id}`);
  expect(answer.text).toBe("✋ Cancelling *acme/api#42*; its thread says when it has stopped.");
  const kill = h.kestra.requests.find((r) => r.path.endsWith(`/${run.id}/actions/kill`));
  expect(kill).toMatchObject({ method: "DELETE", status: 200 });
  expect(kill?.table).toEqual({ passed: true, operationId: "killExecution" });
  await h.slack.waitFor(() => threadTexts(rootTs).includes(`⏹️ Cancelled by <@${REQUESTER}>.`));
  // Kill is asynchronous in 2.0: the run stays KILLING until the executor's next pass.
  expect(h.kestra.execution(run.id).state.current).toBe("KILLING");

  await run.killed();
  // Nothing notifies the bot of a kill: its periodic re-read (the reconciler) brings the end in.
  await h.app.runtime.reconciler.runOnce();
  await h.slack.waitFor(() => rootText().endsWith("Cancelled"), { description: "Cancelled" });
  const texts = threadTexts(rootTs);
  expect(texts.filter((t) => t.startsWith("⏹️ Cancelled by"))).toHaveLength(1);
  expect(texts.filter((t) => t.includes("The run was cancelled"))).toHaveLength(0);
});

it("/autofix list shows a batch and its child runs, not the batch's Loop iterations", async () => {
  h = await startHarness();
  await h.command("batch acme/api label:bug max:2");
  await h.slack.waitFor(() => h.kestra.executions.length === 1, { description: "batch created" });
  const batch = BatchDriver.latest(h);
  await batch.listed([
    { number: 1, title: "First" },
    { number: 2, title: "Second" },
  ]);
  const children = [
    await batch.child({ number: 1, title: "First" }),
    await batch.child({ number: 2, title: "Second" }),
  ];
  // Two Loop iterations exist, with the batch's flow, labels and state.
  expect(h.kestra.executions.filter((e) => e.kind === "LOOP")).toHaveLength(2);

  const answer = await ask(h, "list");
  const ids = [...answer.json.matchAll(/\/([^/|]+)\|Kestra execution>/g)].map((m) => m[1]);
  expect(ids.sort()).toEqual([batch.id, ...children.map((c) => c.id)].sort());
});

/** The fix task run's id: the released outputs route is keyed by it. */
const fixRun = (id: string) => h.kestra.execution(id).taskRunList.find((t) => t.taskId === "fix");

it("released outputs route: a late `started` (no patch URI) reads the patch through /outputs/tasks/…, and no false failure", async () => {
  h = await startHarness();
  const { run, rootTs } = await startedRun(h);
  // patch_ready never arrived; the run now waits at its Pause. A retried `started` comes late.
  await run.patchReady(SAMPLE_PATCH, { lost: true });
  await run.notify("started");
  const file = await h.slack.waitFor(() => h.slack.files[0], { description: "patch snippet" });
  expect(file).toMatchObject({ threadTs: rootTs, snippetType: "diff", content: SAMPLE_PATCH });
  const outputs = h.kestra.requests.find((r) => r.path.includes("/outputs/"));
  expect(outputs?.path).toBe(`/api/v1/main/outputs/tasks/${run.id}/${fixRun(run.id)?.id}`);
  expect(outputs).toMatchObject({ status: 200, table: { operationId: "getTaskRunOutputs" } });
  expect(rootText()).toMatch(/awaiting approval$/);
  expect(threadTexts(rootTs).some((t) => /failed|no patch/i.test(t))).toBe(false);
});

it("a Kestra without the released outputs route: 404 → 503, the admins told once (route, version), the thread once; fixed → caught up", async () => {
  h = await startHarness();
  const { run, rootTs } = await startedRun(h);
  await run.patchReady(SAMPLE_PATCH, { lost: true });
  // What a server without the route answers: Micronaut's bare 404 through Kestra's ErrorController.
  const routeMissing = {
    status: 404,
    body: {
      message: "Not Found",
      logref: null,
      path: null,
      _links: { self: { href: "/api/v1/main/outputs/tasks/x/y", templated: false } },
    },
  };
  h.kestra.failNext({ method: "GET", path: /\/outputs\/tasks\// }, routeMissing, 2);
  const first = await h.notify({ executionId: run.id, event: "started" });
  expect(first.status).toBe(503);
  expect(JSON.stringify(first.body)).toContain(
    `Kestra 2.0.0 answered 404 to GET /api/v1/main/outputs/tasks/${run.id}/`,
  );
  const alert = await h.slack.waitFor(() => h.slack.channelMessages(ALERTS)[0]);
  expect(alert.text).toContain("The thread of acme/api#42 cannot follow its run");
  expect(JSON.stringify(alert.blocks)).toContain("answered 404 to GET /api/v1/main/outputs/tasks/");
  const note = await h.slack.waitFor(() =>
    threadTexts(rootTs).find((t) => t.includes("cannot follow")),
  );
  expect(note).toContain("the admins have been told");
  // Delivered again while it still fails: nothing said twice, nothing marked as posted.
  expect((await h.notify({ executionId: run.id, event: "started" })).status).toBe(503);
  expect(h.slack.channelMessages(ALERTS)).toHaveLength(1);
  expect(threadTexts(rootTs).filter((t) => t.includes("cannot follow"))).toHaveLength(1);
  expect(h.slack.files).toHaveLength(0);
  expect(threadTexts(rootTs).some((t) => /failed|no patch/i.test(t))).toBe(false);
  // The server is fixed: the next delivery brings the thread up to date.
  expect((await h.notify({ executionId: run.id, event: "started" })).status).toBe(200);
  expect(h.slack.files).toHaveLength(1);
  expect(rootText()).toMatch(/awaiting approval$/);
});
