// Both flows validate against Kestra 2.0.0's own Flow JSON schema (kestra-flow-schema.ts), which
// refuses what 2.0 refuses: misspelt or unknown properties, unknown task types, Pebble where a
// property is not dynamic, values outside an enum.
//
// The fixture was generated with the engine launcher's stand-in for io.kestra.plugin.scripts.shell.
// Commands (plugin-script-shell is not published where the project builds): that definition is the
// stand-in's. Its own properties are `commands` and `containerImage`, everything else comes from
// io.kestra:script's AbstractExecScript, as in the real plugin; a property only the real plugin has
// would be refused here, and `taskRunner` is required here where the real plugin defaults it to Docker
// (every script task of the product names its runner, so both agree on the product's flows).

import type { ErrorObject } from "ajv";
import { describe, expect, it } from "vitest";
import { FLOW_FILES, type Json, loadFlow } from "./flow-walk.ts";
import { FLOW_SCHEMA, kestraFlowValidator } from "./kestra-flow-schema.ts";

const SINGLE = "main_dev.autofix_ai-issue-autofix.yml";
const COMMANDS = "io.kestra.plugin.scripts.shell.Commands";

function validate(flow: unknown): ErrorObject[] {
  const check = kestraFlowValidator();
  return check(flow) ? [] : (check.errors ?? []);
}

/** A copy of the single-run flow with one task changed. */
function withTask(taskId: string, change: (task: Json) => void): Json {
  const flow = structuredClone(loadFlow(SINGLE));
  const task = (flow["tasks"] as Json[]).find((t) => t["id"] === taskId);
  if (!task) throw new Error(`no task ${taskId}`);
  change(task);
  return flow;
}

const unknownProperties = (errors: ErrorObject[]) =>
  errors
    .filter((e) => e.keyword === "additionalProperties")
    .map((e) => (e.params as { additionalProperty: string }).additionalProperty);

describe("the flows against Kestra 2.0.0's Flow JSON schema", () => {
  for (const file of FLOW_FILES) {
    it(`${file} is a valid 2.0 flow`, () => {
      const errors = validate(loadFlow(file));
      expect(errors.map((e) => `${e.instancePath} ${e.message}`)).toEqual([]);
    });
  }

  it("refuses a retry with maxAttempt instead of maxAttempts", () => {
    const flow = withTask("notify_started", (t) => {
      const retry = t["retry"] as Json;
      retry["maxAttempt"] = retry["maxAttempts"];
      delete retry["maxAttempts"];
    });
    const errors = validate(flow);
    expect(errors.length).toBeGreaterThan(0);
    expect(unknownProperties(errors)).toContain("maxAttempt");
  });

  it("refuses an unknown task property, an unknown flow key and an unknown task type", () => {
    expect(
      unknownProperties(validate(withTask("validate", (t) => (t["timeOut"] = "PT1M")))),
    ).toContain("timeOut");
    const flow = structuredClone(loadFlow(SINGLE));
    flow["taskDefaults"] = [];
    expect(unknownProperties(validate(flow))).toContain("taskDefaults");
  });

  it("accepts Pebble only where the property is dynamic, and checks enums otherwise", () => {
    // Request.method is dynamic; allowFailure (every task's) is not.
    expect(validate(withTask("notify_started", (t) => (t["method"] = "{{ 'POST' }}")))).toEqual([]);
    expect(
      validate(withTask("notify_started", (t) => (t["allowFailure"] = "{{ true }}"))).length,
    ).toBeGreaterThan(0);
    // Docker's pullPolicy is a dynamic enum: a template passes, an unknown literal does not.
    const policy = (value: string) =>
      validate(withTask("fix", (t) => ((t["taskRunner"] as Json)["pullPolicy"] = value)));
    expect(policy("{{ envs.pull ?? 'NEVER' }}")).toEqual([]);
    expect(policy("SOMETIMES").length).toBeGreaterThan(0);
  });

  it("refuses a task type 2.0 does not have", () => {
    const errors = validate(
      withTask("validate", (t) => (t["type"] = "io.kestra.core.tasks.scripts.Bash")),
    );
    expect(errors.length).toBeGreaterThan(0);
  });

  it("holds the launcher's stand-in for shell.Commands: commands and containerImage on AbstractExecScript, taskRunner required", () => {
    const definitions = FLOW_SCHEMA["definitions"] as Record<string, Json>;
    const commands = definitions[COMMANDS] as Json;
    expect(String(commands["title"])).toContain("stand-in");
    expect(Object.keys(commands["properties"] as Json)).toEqual(
      expect.arrayContaining([
        "commands",
        "containerImage",
        "env",
        "inputFiles",
        "outputFiles",
        "taskRunner",
      ]),
    );
    expect(commands["required"]).toEqual(expect.arrayContaining(["commands", "taskRunner"]));
    // So every Commands task of the product names its runner (the real plugin would default it).
    for (const file of FLOW_FILES) {
      const text = JSON.stringify(loadFlow(file));
      const count = (
        text.match(new RegExp(`"type":"${COMMANDS.replaceAll(".", "\\.")}"`, "g")) ?? []
      ).length;
      const withRunner = (text.match(/"taskRunner":\{"type":/g) ?? []).length;
      expect(count).toBeGreaterThan(0);
      expect(withRunner).toBe(count);
    }
  });
});
