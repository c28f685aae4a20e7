import { afterEach, expect, it } from "vitest";
import { LABELS, SINGLE_FLOW_ID, SINGLE_INPUTS } from "../../src/contracts/flow.ts";
import type { NotificationInput } from "../../src/contracts/notification.ts";
import { ACTIONS } from "../../src/slack/ids.ts";
import type { FakeMessage } from "../fakes/slack.ts";
import { CHANNEL, REQUESTER, SIGNING_SECRET } from "../support/harness.ts";
import { sendBlockAction } from "../support/slack-requests.ts";
import type { BotProcess } from "./bot-process.ts";
import { pick, rng } from "./chaos.ts";
import { deliverTo, FlowRun, PATCH } from "./flow.ts";
import { command, decide, label, type Player, waitFor } from "./play.ts";
import { freshDatabase, startWorld, type World } from "./world.ts";

// Following a PR with two replicas sharing a PostgreSQL (DATABASE_URL), both polling GitHub every
// second: one replica claims each PR per interval (and both share the ETags), everything about the
// PR is said once whichever replica says it, a Fix clicked on both replicas at once starts one
// run, and a replica killed in the middle and started again says nothing twice.

const DATABASE_URL = process.env["AUTOFIX_TEST_DATABASE_URL"];
const SEED = Number(process.env["REPLICA_SEED"] ?? 20_240_612);
const ISSUE = 501;

let world: World | undefined;
const databases: { drop: () => Promise<void> }[] = [];
afterEach(async () => {
  await world?.close();
  world = undefined;
  await Promise.all(databases.splice(0).map((d) => d.drop()));
});

it("two replicas follow a PR: red checks → Fix (clicked on both) → second commit → green → merged, each said once, through a SIGKILL", async () => {
  if (!DATABASE_URL) {
    throw new Error(
      "AUTOFIX_TEST_DATABASE_URL is not set: run `bash scripts/test-postgres.sh start` and pass the URL it prints",
    );
  }
  const w = await startWorld([ISSUE]);
  world = w;
  const db = await freshDatabase(DATABASE_URL);
  databases.push(db);
  const env = { DATABASE_URL: db.url, AUTOFIX_PR_POLL_SECONDS: "1" };
  const a = await w.bot("A", env);
  const b = await w.bot("B", env);
  await Promise.all([a.start(), b.start()]);
  const bots = [a, b];
  const random = rng(SEED);
  const stats = { notifications: 0, retries: 0 };
  const player: Player = {
    deliver: (body: NotificationInput) => {
      stats.notifications++;
      return deliverTo(pick(random, bots).url, body, stats, () => a.ready());
    },
    userUrl: async () => pick(random, bots).url,
    clickUrls: async () => bots.map((bot) => bot.url),
  };
  const thread = () => w.slack.thread(CHANNEL, rootTs);
  const said = (text: string) =>
    thread().filter((m) => m.text.includes(text) || JSON.stringify(m.blocks ?? []).includes(text));
  /** Positive signal that both replicas have made `n` more follower passes since now. */
  const passes = async (n: number) => {
    const marks = bots.map((bot) => bot.logged("PRs followed").length);
    await waitFor(
      () => bots.every((bot, i) => bot.logged("PRs followed").length >= (marks[i] ?? 0) + n),
      `${n} more follower passes on each replica`,
    );
  };

  // The run to its open PR (approve clicked on both replicas at once).
  const exec = await command(
    w,
    player,
    `https://github.com/acme/api/issues/${ISSUE}`,
    (e) => e.flowId === SINGLE_FLOW_ID,
  );
  const rootTs = label(exec, LABELS.ts) ?? "";
  const run = new FlowRun(w.kestra, exec.id, player.deliver);
  await run.started();
  await run.patchReady(PATCH(ISSUE), { pause: true });
  await decide(w, player, exec.id, "approve", () => w.slack.message(CHANNEL, rootTs));
  const pr = w.github.addPull("acme", "api", { head: `autofix/issue-${ISSUE}` });
  await run.prCreated(pr.htmlUrl);
  await waitFor(() => w.slack.message(CHANNEL, rootTs)?.text.endsWith("PR opened"), "PR opened");

  // Red checks: one reply, however many passes either replica makes.
  const first = w.github.headShaOf("acme", "api", pr.number);
  w.github.addCheckRun("acme", "api", {
    sha: first,
    name: "build",
    conclusion: "failure",
    log: "FAIL x",
  });
  const red = await waitFor(() => said("Checks failed on PR")[0], "the red checks reply");
  await passes(3);
  expect(said("Checks failed on PR")).toHaveLength(1);

  // A replica dies and comes back in the middle: what was said stays said.
  await a.kill();
  await a.start();
  await passes(2);
  expect(said("Checks failed on PR")).toHaveLength(1);

  // Fix, clicked on both replicas at once: one follow-up run, one note.
  await Promise.all(
    bots.map((bot) =>
      sendBlockAction(bot.url, SIGNING_SECRET, {
        channel: CHANNEL,
        user: REQUESTER,
        messageTs: red.ts,
        threadTs: rootTs,
        actionId: ACTIONS.fixChecks,
        value: exec.id,
        messageBlocks: (red as FakeMessage).blocks ?? [],
      }),
    ),
  );
  const followUp = await waitFor(
    () => w.kestra.executions.find((e) => e.id !== exec.id && e.flowId === SINGLE_FLOW_ID),
    "the follow-up run",
  );
  expect(followUp.inputs[SINGLE_INPUTS.prNumber]).toBe(pr.number);
  await waitFor(() => said("asked for a fix")[0], "the follow-up note");
  await waitFor(
    () =>
      w.slack.ephemerals.find(
        (e) => e.text.includes("already asked for") || e.text.includes("already in progress"),
      ),
    "the second click told",
  );
  expect(w.kestra.executions.filter((e) => e.flowId === SINGLE_FLOW_ID)).toHaveLength(2);
  expect(said("asked for a fix")).toHaveLength(1);

  // The follow-up: patch, Approve, then create_pr pushes a second commit onto the PR's branch.
  const fix = new FlowRun(w.kestra, followUp.id, player.deliver);
  await fix.started();
  await fix.patchReady(PATCH(ISSUE), { pause: true });
  await decide(w, player, followUp.id, "approve", () => w.slack.message(CHANNEL, rootTs));
  const second = "f".repeat(40);
  w.github.setHead("acme", "api", pr.number, second);
  await fix.prCreated(pr.htmlUrl);
  await waitFor(() => said("a new commit was pushed")[0], "the push note");

  w.github.addCheckRun("acme", "api", { sha: second, name: "build", conclusion: "success" });
  await waitFor(() => said("checks passed")[0], "the green checks reply");
  await passes(2);
  expect(said("checks passed")).toHaveLength(1);

  w.github.mergePull("acme", "api", pr.number, "octocat");
  await waitFor(() => w.slack.message(CHANNEL, rootTs)?.text.endsWith("PR merged"), "PR merged");
  await passes(2);
  expect(said("was merged")).toHaveLength(1);
  expect(said("Checks failed on PR")).toHaveLength(1);
  expect(said("checks passed")).toHaveLength(1);
  expect(w.github.pulls("acme", "api")).toHaveLength(1);

  // Both replicas pass every second, but a PR is looked at once per interval (the claim), and
  // the shared ETags make most looks 304s whichever replica looks.
  const followed = (bot: BotProcess) => bot.logged("PRs followed");
  const looked = (bot: BotProcess) =>
    followed(bot).reduce((n, r) => n + Number(r["looked"] ?? 0), 0);
  const prGets = w.github.requests.filter((r) => r.path === `/repos/acme/api/pulls/${pr.number}`);
  const notModified = prGets.filter((r) => r.status === 304).length;
  console.log(
    `fault suite — PR follow, two replicas: ${followed(a).length} + ${followed(b).length} passes, ${looked(a)} + ${looked(b)} looks at the PR, ${prGets.length} GETs of it (${notModified} answered 304), ${stats.retries} notification retries`,
  );
  expect(looked(a) + looked(b)).toBeLessThan(Math.max(followed(a).length, followed(b).length) + 3);
  // Besides the looks: the two Fix clicks read the PR, and a pass the SIGKILL cut off may have.
  expect(prGets.length).toBeLessThanOrEqual(looked(a) + looked(b) + 3);
  expect(notModified).toBeGreaterThan(prGets.length / 2);
});
