import { afterEach, expect, it } from "vitest";
import { ACTIONS } from "../../src/slack/ids.ts";
import { BatchDriver } from "../support/batch-driver.ts";
import { CHANNEL, type Harness, REQUESTER, startHarness } from "../support/harness.ts";
import { followPass, repliesWith } from "../support/pr-scenarios.ts";

// A batch child's PR is followed in the batch thread (its replies name the issue), and its digest
// row and the child's buttons message say when it merged.

let h: Harness;
afterEach(async () => h?.close());

const digest = () => h.slack.channelMessages(CHANNEL)[0];
const digestText = () => JSON.stringify(digest()?.blocks ?? []);

it("a batch child's PR: red checks said in the batch thread with the issue named; merged on its digest row", async () => {
  h = await startHarness();
  await h.command("batch acme/api label:bug max:1 pr");
  await h.slack.waitFor(() => h.kestra.executions.length === 1, { description: "batch created" });
  const batch = BatchDriver.latest(h);
  await h.slack.waitFor(() => digestText().includes("kestra.example.com"));
  await batch.listed([{ number: 1, title: "First" }]);
  const child = await batch.child({ number: 1, title: "First" }, true);
  await child.started();
  await child.patchReady();
  const rootTs = digest()?.ts ?? "";
  const buttons = await h.slack.waitFor(() =>
    h.slack
      .thread(CHANNEL, rootTs)
      .find((m) => JSON.stringify(m.blocks ?? []).includes(ACTIONS.approve)),
  );
  await h.click({
    user: REQUESTER,
    messageTs: buttons.ts,
    threadTs: rootTs,
    actionId: ACTIONS.approve,
    value: child.id,
  });
  await h.slack.waitFor(() => h.kestra.resumes.length === 1);
  const pr = h.github.addPull("acme", "api", { head: "autofix/issue-1" });
  await child.prCreated(pr.htmlUrl);
  await batch.finished();
  await h.app.runtime.digest.idle();

  const sha = h.github.headShaOf("acme", "api", pr.number);
  h.github.addCheckRun("acme", "api", { sha, name: "build", conclusion: "failure" });
  await followPass(h);
  const red = repliesWith(h, rootTs, "Checks failed on PR");
  expect(red).toHaveLength(1);
  expect(red[0]?.text.startsWith("acme/api#1: ")).toBe(true);
  expect(JSON.stringify(red[0]?.blocks)).toContain("*acme/api#1*: ❌ *1 of 1 check failed*");

  h.github.mergePull("acme", "api", pr.number, "octocat");
  await followPass(h);
  await h.app.runtime.digest.idle();
  await h.slack.waitFor(() => (digestText().includes("PR merged") ? true : undefined), {
    description: "the digest row says PR merged",
  });
  const row = digestText()
    .split("\\n")
    .find((line) => line.includes("acme/api#1"));
  expect(row).toContain("🟣");
  expect(row).toContain("PR merged");
  expect(digest()?.text).toContain("Finished: 1 PR merged");
  expect(h.slack.message(CHANNEL, buttons.ts)?.text).toContain("is merged for *acme/api#1*");
  expect(repliesWith(h, rootTs, "was merged")).toHaveLength(1);
});
