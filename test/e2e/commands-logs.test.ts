import { afterEach, expect, it } from "vitest";
import { type Harness, startHarness } from "../support/harness.ts";
import { ask, OTHER_TEAM, sectionTexts, seedRun } from "./commands-seed.ts";

let h: Harness;
afterEach(async () => h?.close());

const LOGS_URL = "https://kestra.example.com/ui/main/executions/dev.autofix/ai-issue-autofix";

it("shows the WARN and ERROR lines in a code block, untrusted text escaped, with a link to all logs", async () => {
  h = await startHarness();
  const run = await seedRun(h, { issue: 42, state: "FAILED" });
  h.kestra.addLog(run.id, { level: "INFO", taskId: "fix", message: "cloning acme/api" });
  h.kestra.addLog(run.id, { level: "WARN", taskId: "fix", message: "retrying the model call" });
  h.kestra.addLog(run.id, {
    level: "ERROR",
    taskId: "fix",
    message: "agent said <!channel> ``` <https://evil.example|click>",
  });

  const mark = h.kestra.requests.length;
  const answer = await ask(h, `logs ${run.id}`);
  expect(answer.response_type).toBe("ephemeral");
  const logRequest = h.kestra.requests.slice(mark).find((r) => r.path.includes(`/logs/${run.id}`));
  expect(decodeURIComponent(logRequest?.path ?? "")).toContain(
    "filters[level][GREATER_THAN_OR_EQUAL_TO]=WARN",
  );

  const [header, block] = sectionTexts(answer);
  expect(header).toContain("2 lines");
  expect(block?.startsWith("```")).toBe(true);
  expect(block?.endsWith("```")).toBe(true);
  expect(block).toContain("WARN fix: retrying the model call");
  expect(block).toContain("ERROR fix: agent said &lt;!channel&gt;");
  expect(block).not.toContain("<!channel>");
  expect(block).not.toContain("<https://evil");
  // Only the fences remain as triple backticks.
  expect(block?.slice(3, -3)).not.toContain("```");
  expect(block).not.toContain("cloning");
  expect(answer.json).toContain(`${LOGS_URL}/${run.id}/logs|Full logs in Kestra`);
});

it("keeps the newest lines when they do not all fit in one message", async () => {
  h = await startHarness();
  const run = await seedRun(h, { issue: 42, state: "FAILED" });
  for (let i = 1; i <= 40; i++) {
    h.kestra.addLog(run.id, {
      level: "ERROR",
      taskId: "fix",
      message: `line ${i} ${"<".repeat(150)}`,
    });
  }
  const answer = await ask(h, `logs ${run.id}`);
  const [header, block] = sectionTexts(answer);
  expect(block).toContain("line 40 ");
  expect(block).not.toContain("line 1 ");
  expect(block?.length).toBeLessThanOrEqual(3000);
  expect(header).toMatch(/the last \d+ of 40 lines/);
});

it("says when the run logged no warning or error", async () => {
  h = await startHarness();
  const run = await seedRun(h, { issue: 42, state: "SUCCESS" });
  h.kestra.addLog(run.id, { level: "INFO", message: "all good" });
  const answer = await ask(h, `logs ${run.id}`);
  expect(answer.text).toContain("No warning or error in the logs of *acme/api#42*");
  expect(answer.text).toContain(`${LOGS_URL}/${run.id}/logs`);
});

it("never shows another team's logs", async () => {
  h = await startHarness();
  const run = await seedRun(h, { issue: 42, state: "FAILED", team: OTHER_TEAM });
  h.kestra.addLog(run.id, { level: "ERROR", message: "token=hunter2" });
  const mark = h.kestra.requests.length;
  const answer = await ask(h, `logs ${run.id}`);
  expect(answer.text).toMatch(/^No such run: `/);
  expect(answer.json).not.toContain("hunter2");
  expect(h.kestra.requests.slice(mark).some((r) => r.path.includes("/logs/"))).toBe(false);
});
