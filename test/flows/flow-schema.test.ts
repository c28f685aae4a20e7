// Every flow uses only Kestra 2.x types and properties from the verified table, and no Pebble in shells.
import { describe, expect, it } from "vitest";
import { DEFAULT_NAMESPACE } from "../../src/contracts/flow.ts";
import {
  allTasks,
  asList,
  FLOW_FILES,
  isObject,
  type Json,
  loadFlow,
  stringList,
} from "./flow-walk.ts";
import {
  DOCKER_PULL_POLICIES,
  FLOW_KEYS,
  HTTP_OPTIONS,
  INPUTS,
  OUTPUT,
  PAUSE_BEHAVIORS,
  RETRY,
  RUNNER_TYPES,
  TASK_BASE,
  TASK_TYPES,
  TRIGGER_BASE,
  TRIGGER_TYPES,
} from "./kestra-task-types.ts";

const PEBBLE_OPENERS = ["{{", "{%", "{#"];

function unknownKeys(obj: Json, allowed: readonly string[]): string[] {
  return Object.keys(obj).filter((k) => !allowed.includes(k));
}

function checkInputs(inputs: unknown, where: string): string[] {
  const problems: string[] = [];
  for (const input of asList(inputs)) {
    const type = String(input["type"]);
    if (!(INPUTS.types as readonly string[]).includes(type)) {
      problems.push(`${where}/${String(input["id"])}: type ${type} is not a 2.x input type`);
    }
    const allowed = [...INPUTS.common, ...(INPUTS.byType[type] ?? [])];
    for (const k of unknownKeys(input, allowed))
      problems.push(`${where}/${String(input["id"])}: ${k}`);
  }
  return problems;
}

for (const file of FLOW_FILES) {
  describe(file, () => {
    const flow = loadFlow(file);
    const tasks = allTasks(flow);

    it("lives in the project namespace and uses only known flow-level keys", () => {
      expect(flow["namespace"]).toBe(DEFAULT_NAMESPACE);
      expect(unknownKeys(flow, FLOW_KEYS.properties)).toEqual([]);
      expect(flow).not.toHaveProperty("pluginDefaults");
      expect(flow).not.toHaveProperty("taskDefaults");
      if (flow["concurrency"] !== undefined) {
        const c = flow["concurrency"];
        if (!isObject(c)) throw new Error("concurrency must be a mapping");
        expect(unknownKeys(c, FLOW_KEYS.concurrency)).toEqual([]);
        expect(FLOW_KEYS.concurrencyBehaviors).toContain(c["behavior"]);
      }
    });

    it("uses only task types from the verified table, each with allowed properties", () => {
      const problems: string[] = [];
      for (const { task, path } of tasks) {
        const spec = TASK_TYPES[String(task["type"])];
        if (!spec) {
          problems.push(`${path}: unknown type ${String(task["type"])}`);
          continue;
        }
        for (const k of unknownKeys(task, [...TASK_BASE.properties, ...spec.properties])) {
          problems.push(`${path}: ${k}`);
        }
      }
      expect(problems).toEqual([]);
    });

    it("has unique task ids that Kestra accepts", () => {
      const ids = tasks.map((t) => String(t.task["id"]));
      expect(new Set(ids).size).toBe(ids.length);
      for (const id of ids) expect(id).toMatch(/^[a-zA-Z0-9][a-zA-Z0-9_-]*$/);
    });

    it("configures runners, retries, HTTP options and pauses with known values only", () => {
      const problems: string[] = [];
      for (const { task, path } of tasks) {
        const runner = task["taskRunner"];
        if (runner !== undefined) {
          if (!isObject(runner)) throw new Error(`${path}: taskRunner must be a mapping`);
          const spec = RUNNER_TYPES[String(runner["type"])];
          if (!spec) problems.push(`${path}: unknown runner ${String(runner["type"])}`);
          else
            for (const k of unknownKeys(runner, spec.properties))
              problems.push(`${path}: runner.${k}`);
          const policy = runner["pullPolicy"];
          if (typeof policy === "string" && !policy.includes("{{")) {
            expect(DOCKER_PULL_POLICIES).toContain(policy);
          }
        }
        const retry = task["retry"];
        if (retry !== undefined) {
          if (!isObject(retry)) throw new Error(`${path}: retry must be a mapping`);
          expect(RETRY.types).toContain(retry["type"]);
          for (const k of unknownKeys(retry, RETRY.exponential))
            problems.push(`${path}: retry.${k}`);
        }
        const options = task["options"];
        if (isObject(options)) {
          for (const k of unknownKeys(options, HTTP_OPTIONS.properties))
            problems.push(`${path}: options.${k}`);
          if (isObject(options["timeout"])) {
            for (const k of unknownKeys(options["timeout"], HTTP_OPTIONS.timeout)) {
              problems.push(`${path}: options.timeout.${k}`);
            }
          }
        }
        if (task["type"] === "io.kestra.plugin.core.flow.Pause") {
          expect(PAUSE_BEHAVIORS).toContain(task["behavior"]);
          problems.push(...checkInputs(task["onResume"], `${path}/onResume`));
        }
        for (const key of ["outputs"]) {
          if (task["type"] === "io.kestra.plugin.core.flow.Loop") {
            for (const out of asList(task[key])) {
              for (const k of unknownKeys(out, OUTPUT.properties))
                problems.push(`${path}/outputs: ${k}`);
            }
          }
        }
      }
      expect(problems).toEqual([]);
    });

    it("declares only 2.x input types with their allowed properties (BOOLEAN is rejected)", () => {
      expect(checkInputs(flow["inputs"], "inputs")).toEqual([]);
      for (const input of asList(flow["inputs"])) expect(input["type"]).not.toBe("BOOLEAN");
    });

    it("declares outputs with the Output properties only", () => {
      for (const out of asList(flow["outputs"])) {
        expect(unknownKeys(out, OUTPUT.properties)).toEqual([]);
        expect(INPUTS.types).toContain(out["type"]);
      }
    });

    it("uses only known triggers with known properties", () => {
      for (const trigger of asList(flow["triggers"])) {
        const spec = TRIGGER_TYPES[String(trigger["type"])];
        expect(spec, String(trigger["type"])).toBeDefined();
        expect(
          unknownKeys(trigger, [...TRIGGER_BASE.properties, ...(spec?.properties ?? [])]),
        ).toEqual([]);
      }
    });

    it("never lets Pebble render into shell commands", () => {
      for (const { task, path } of tasks) {
        for (const key of ["commands", "beforeCommands"]) {
          for (const line of stringList(task[key])) {
            for (const opener of PEBBLE_OPENERS) {
              expect(line.includes(opener), `${path}.${key}: ${line}`).toBe(false);
            }
            expect(line).not.toMatch(/secret\s*\(/);
          }
        }
      }
    });

    it("keeps secrets out of the YAML: tokens only come from secret()", () => {
      const text = JSON.stringify(flow);
      expect(text).not.toMatch(
        /xox[abpr]-|xapp-|gh[pousr]_[A-Za-z0-9]{10,}|github_pat_|sk-[A-Za-z0-9]{10,}/,
      );
      for (const { task, path } of tasks) {
        const env = task["env"];
        if (!isObject(env)) continue;
        for (const [name, value] of Object.entries(env)) {
          if (/TOKEN|KEY|SECRET|PASSWORD/.test(name)) {
            expect(String(value), `${path}.env.${name}`).toMatch(
              /^\{\{ secret\('[A-Z0-9_]+'\) \}\}$/,
            );
          }
        }
      }
    });
  });
}
