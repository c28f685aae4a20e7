// The flow → bot notification tasks: target, auth, resilience, and bodies that match notificationSchema.
import { describe, expect, it } from "vitest";
import { NOTIFICATION_EVENTS, notificationSchema } from "../../src/contracts/notification.ts";
import { allTasks, FLOW_FILES, type Json, loadFlow, stringMap } from "./flow-walk.ts";
import { parseToJsonMap, stringLiteral } from "./pebble-map.ts";

const REQUEST = "io.kestra.plugin.core.http.Request";

// Representative rendered values per key; the event comes from the template itself.
const SAMPLE: Readonly<Record<string, string>> = {
  executionId: "4wjtkzwVGBM9yKnjm3yv8r",
  patchUri:
    "kestra:///dev/autofix/ai-issue-autofix/executions/4wjtkzwVGBM9yKnjm3yv8r/tasks/fix/2Rk3/patch.diff",
  summary: "Fixed the off-by-one in pagination.",
  prUrl: "https://github.com/acme/api/pull/7",
  error: "task fix: exit code 1",
  resultUri:
    "kestra:///dev/autofix/setup-check/executions/4wjtkzwVGBM9yKnjm3yv8r/tasks/check/2Rk3/check.json",
};

function notifications(flow: Json) {
  return allTasks(flow).filter(({ task }) => task["type"] === REQUEST);
}

for (const file of FLOW_FILES) {
  describe(`${file} notifications`, () => {
    const flow = loadFlow(file);
    const found = notifications(flow);

    it("has notification tasks", () => {
      // A run's flows say when they start and end; setup-check and file-issue report once, at
      // their end.
      const once = file.includes("setup-check") || file.includes("file-issue");
      expect(found.length).toBeGreaterThanOrEqual(once ? 1 : 2);
    });

    for (const { task, path } of found) {
      describe(path, () => {
        it("POSTs JSON to the bot's /kestra/events with the webhook token from a secret", () => {
          expect(task["uri"]).toBe("{{ envs.autofix_bot_url ?? 'http://bot:3000' }}/kestra/events");
          expect(task["method"]).toBe("POST");
          expect(task["contentType"]).toBe("application/json");
          expect(stringMap(task["headers"])).toEqual({
            Authorization: "Bearer {{ secret('AUTOFIX_WEBHOOK_TOKEN') }}",
          });
        });

        it("retries with exponential backoff and never fails the run", () => {
          expect(task["allowFailure"]).toBe(true);
          expect(task["retry"]).toMatchObject({ type: "exponential" });
          const retry = task["retry"] as Json;
          expect(Number(retry["maxAttempts"])).toBeGreaterThanOrEqual(3);
        });

        it("builds its body as a toJson map whose keys are within the notification schema", () => {
          const entries = parseToJsonMap(String(task["body"]));
          const schemaKeys = Object.keys(notificationSchema.shape);
          for (const { key } of entries) expect(schemaKeys).toContain(key);
          const keys = entries.map((e) => e.key);
          expect(new Set(keys).size).toBe(keys.length);
          expect(keys.slice(0, 2)).toEqual(["executionId", "event"]);
          expect(entries[0]?.expr).toBe("execution.id");
        });

        it("renders (with representative values) to a body notificationSchema accepts", () => {
          const entries = parseToJsonMap(String(task["body"]));
          const body: Record<string, string> = {};
          for (const { key, expr } of entries) {
            body[key] =
              key === "event" ? (stringLiteral(expr) ?? "<dynamic>") : (SAMPLE[key] ?? "");
          }
          expect(NOTIFICATION_EVENTS).toContain(body["event"]);
          const parsed = notificationSchema.safeParse(JSON.parse(JSON.stringify(body)));
          expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
        });

        it("turns missing optional values into empty strings, which the schema reads as unknown", () => {
          for (const { key, expr } of parseToJsonMap(String(task["body"]))) {
            if (!expr.includes("outputs.")) continue;
            expect(expr, key).toMatch(/\?\?/);
          }
          const empty = notificationSchema.parse({
            executionId: "abc",
            event: "finished",
            prUrl: "",
          });
          expect(empty.prUrl).toBeUndefined();
        });
      });
    }
  });
}

describe("ai-issue-autofix notification events", () => {
  const flow = loadFlow("main_dev.autofix_ai-issue-autofix.yml");
  const eventOf = (id: string) => {
    const found = notifications(flow).find(({ task }) => task["id"] === id);
    if (!found) throw new Error(`no notification ${id}`);
    const entry = parseToJsonMap(String(found.task["body"])).find((e) => e.key === "event");
    return stringLiteral(entry?.expr ?? "");
  };

  it("sends every event of the contract from the right task", () => {
    expect(eventOf("notify_started")).toBe("started");
    expect(eventOf("notify_patch_ready")).toBe("patch_ready");
    expect(eventOf("notify_pr_created")).toBe("pr_created");
    expect(eventOf("notify_finished")).toBe("finished");
    expect(eventOf("notify_failed")).toBe("failed");
  });

  it("sends the patch URI from the fix outputs and the PR URL from create_pr vars", () => {
    const expr = (id: string, key: string) => {
      const found = notifications(flow).find(({ task }) => task["id"] === id);
      return parseToJsonMap(String(found?.task["body"])).find((e) => e.key === key)?.expr;
    };
    expect(expr("notify_patch_ready", "patchUri")).toBe(
      "outputs.fix.outputFiles['patch.diff'] ?? ''",
    );
    expect(expr("notify_pr_created", "prUrl")).toBe("outputs.create_pr.vars.pr_url ?? ''");
    expect(expr("notify_failed", "error")).toContain("abbreviate(");
  });

  it("sends the closing notifications from afterExecution, once the run has ended", () => {
    // afterExecution runs after the end (a kill included), so the bot reads a terminal run.
    const after = flow["afterExecution"] as Json[];
    expect(after.map((t) => t["id"])).toEqual(["notify_finished", "notify_failed"]);
    expect(after[0]?.["runIf"]).toBe("{{ execution.state != 'FAILED' }}");
    expect(after[1]?.["runIf"]).toBe("{{ execution.state == 'FAILED' }}");
    expect(String(after[1]?.["body"])).toContain("errorLogs()");
    expect(flow["errors"]).toBeUndefined();
  });
});
