// A burst of commands that start runs: each is acked at once; their work after the ack goes two
// at a time, so it cannot crowd out the acks of the later ones; other commands are not held back.
import { afterEach, expect, it } from "vitest";
import { SINGLE_FLOW_ID } from "../../src/contracts/flow.ts";
import { type Harness, startHarness } from "../support/harness.ts";
import { ask } from "./commands-seed.ts";

let h: Harness;
afterEach(async () => h?.close());

it("six /autofix at once: all acked, two starts at a time, /autofix status answered meanwhile", async () => {
  h = await startHarness();
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  let held = 0;
  h.kestra.beforeReply(async (r) => {
    if (r.method !== "POST" || !r.path.includes(`/executions/dev.autofix/${SINGLE_FLOW_ID}`))
      return;
    held++;
    await gate;
  });
  for (let n = 101; n <= 106; n++) h.github.addIssue("acme", "api", { number: n, title: `#${n}` });

  const acks = await Promise.all(
    [101, 102, 103, 104, 105, 106].map((n) =>
      h.command(`https://github.com/acme/api/issues/${n}`, { response_url: h.slack.responseUrl() }),
    ),
  );
  expect(acks.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 200]);
  await h.slack.waitFor(() => held === 2, { description: "two starts waiting on Kestra" });

  // Not a start: answered while the starts wait.
  const status = await ask(h, "status");
  expect(status.text).toBeTruthy();
  expect(held).toBe(2);

  release();
  await h.slack.waitFor(() => h.kestra.executions.length === 6, {
    description: "all six runs created",
  });
});
