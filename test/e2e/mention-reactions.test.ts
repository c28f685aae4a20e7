// The status of a run asked for by a mention, as the bot's reactions on the asking message:
// 👀 once it started, ✅ once its PR opened, ❌ when it failed; each once, after a restart too.
import { afterEach, expect, it } from "vitest";
import { CHANNEL, type Harness, startHarness } from "../support/harness.ts";
import { mentionedRun, TRANSPORTS, textOf } from "../support/mention-scenarios.ts";

let h: Harness;
afterEach(async () => h?.close());

const reactionsOn = (ts: string) => h.slack.reactionsOf(CHANNEL, ts);

for (const transport of TRANSPORTS) {
  it(`👀 from the process that started the run, ✅ from the one that runs after a restart, each once (${transport.name})`, async () => {
    h = await startHarness({
      env: { AUTOFIX_REQUIRE_APPROVAL: "false" },
      socketMode: transport.socketMode,
    });
    const { run, asked, head } = await mentionedRun(h);
    await h.slack.waitFor(() => reactionsOn(asked.ts)["eyes"]);

    await h.stopApp();
    await h.startNewApp();
    // The new process knows nothing of the run but what the thread and Kestra hold.
    await run.patchReady(undefined, { pause: false });
    await run.prCreated();
    await h.slack.waitFor(() => textOf(h, head.ts).endsWith("PR opened"));
    const reactions = await h.slack.waitFor(() =>
      reactionsOn(asked.ts)["white_check_mark"] ? reactionsOn(asked.ts) : undefined,
    );
    expect(reactions).toEqual({ eyes: [h.slack.botUserId], white_check_mark: [h.slack.botUserId] });
    // A reaction the first process made is at most tried once more, and Slack's already_reacted
    // counts as done (every notification above was answered 200).
    const adds = h.slack.calls.filter((c) => c.method === "reactions.add");
    expect(adds.filter((c) => c.params["name"] === "white_check_mark" && !c.error)).toHaveLength(1);
    expect(adds.filter((c) => c.error && c.error !== "already_reacted")).toEqual([]);
    expect(h.slack.message(CHANNEL, asked.ts)?.reactions).toHaveLength(2);
  });
}

it("❌ when the run fails, and no ✅", async () => {
  h = await startHarness();
  const { run, asked } = await mentionedRun(h);
  await run.fail("fix", ["agent crashed: out of memory"]);
  await h.slack.waitFor(() => reactionsOn(asked.ts)["x"]);
  expect(Object.keys(reactionsOn(asked.ts)).sort()).toEqual(["eyes", "x"]);
});

it("a reaction Slack refuses for good (a missing scope) is told to the admins; the thread is still brought up to date", async () => {
  h = await startHarness();
  h.slack.failNext("reactions.add", "missing_scope");
  const { asked, head } = await mentionedRun(h);
  const alert = await h.slack.waitFor(() =>
    h.slack
      .channelMessages("C0ALERTS")
      .find((m) => JSON.stringify(m.blocks).includes("reactions:write")),
  );
  expect(alert.text.length).toBeGreaterThan(0);
  expect(textOf(h, head.ts).endsWith("Running")).toBe(true);
  expect(reactionsOn(asked.ts)).toEqual({});
});
