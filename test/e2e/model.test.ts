import { afterEach, expect, it } from "vitest";
import { FlowDriver } from "../support/flow-driver.ts";
import { CHANNEL, type Harness, ISSUE_URL, startHarness } from "../support/harness.ts";

// Which model a run's coding agent uses: the command's model:<id>, else the channel's setting,
// else AUTOFIX_MODEL (default gpt-4.1). The bot always sends it, and the patch message says it.

let h: Harness;
afterEach(async () => h?.close());

async function startAndGetModel(text: string): Promise<unknown> {
  const before = h.kestra.executions.length;
  await h.command(text);
  await h.slack.waitFor(() => h.kestra.executions.length === before + 1, {
    description: "execution",
  });
  return h.kestra.executions.at(-1)?.inputs["model"];
}

it("sends the environment's model when nobody names one, and says it on the patch", async () => {
  h = await startHarness();
  expect(await startAndGetModel(ISSUE_URL)).toBe("gpt-4.1");
  const run = FlowDriver.latest(h);
  await run.started();
  await run.patchReady();
  const file = await h.slack.waitFor(() => h.slack.files[0]);
  expect(file.initialComment).toContain("⏱ 1m 1s · model `gpt-4.1`");
});

it("AUTOFIX_MODEL changes the default; model:<id> on the command wins over it", async () => {
  h = await startHarness({ env: { AUTOFIX_MODEL: "anthropic/claude-sonnet-4" } });
  h.github.addIssue("acme", "api", { number: 43, title: "Another bug" });
  expect(await startAndGetModel(ISSUE_URL)).toBe("anthropic/claude-sonnet-4");
  expect(await startAndGetModel("acme/api#43 model:gpt-4o-mini")).toBe("gpt-4o-mini");
});

it("a channel's model setting applies to its runs and batches; the command still wins", async () => {
  h = await startHarness();
  await h.app.runtime.settings.put(CHANNEL, { model: "o4-mini" });
  expect(await startAndGetModel(ISSUE_URL)).toBe("o4-mini");
  expect(await startAndGetModel("batch acme/api label:bug max:2")).toBe("o4-mini");
  expect(await startAndGetModel("batch acme/api label:bug pr model:gpt-4.1-mini")).toBe(
    "gpt-4.1-mini",
  );
});

it("a bad model:<id> is answered in the ack and starts nothing", async () => {
  h = await startHarness();
  for (const text of [`${ISSUE_URL} model:`, "batch acme/api model:gpt*4"]) {
    const res = await h.command(text);
    expect(JSON.stringify(res.body)).toContain(
      "names no model: use model:<id>, e.g. model:gpt-4.1",
    );
  }
  const twice = await h.command(`${ISSUE_URL} model:a model:b`);
  expect(JSON.stringify(twice.body)).toContain("with nothing else after it but model:<id>");
  expect(h.kestra.executions).toHaveLength(0);
});
