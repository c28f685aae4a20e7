// What real Kestra 2.0 does that the fake now enforces, end to end through the bot: media-type
// negotiation on the file and kill routes, the asynchronous kill, and Loop iterations in searches.

import { afterEach, expect, it } from "vitest";
import { BatchDriver } from "../support/batch-driver.ts";
import { SAMPLE_PATCH } from "../support/flow-driver.ts";
import { CHANNEL, type Harness, REQUESTER, startHarness } from "../support/harness.ts";
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
  expect(answer.text).toBe(`⏹️ Cancelled the run \`${run.id}\`; its thread says so.`);
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
  const ids = [...answer.json.matchAll(/id `([^`]+)`/g)].map((m) => m[1]);
  expect(ids.sort()).toEqual([batch.id, ...children.map((c) => c.id)].sort());
});
