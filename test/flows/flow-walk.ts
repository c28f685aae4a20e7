// Loads the flow files and walks every task of a flow, nested ones included.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { TASK_TYPES } from "./kestra-task-types.ts";

export type Json = Record<string, unknown>;

export const WORKFLOWS_DIR = fileURLToPath(new URL("../../kestra/workflows/", import.meta.url));

export function loadFlow(file: string): Json {
  const doc: unknown = parse(readFileSync(`${WORKFLOWS_DIR}${file}`, "utf8"));
  if (!isObject(doc)) throw new Error(`${file} is not a YAML mapping`);
  return doc;
}

export function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function asList(v: unknown): Json[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || !v.every(isObject)) throw new Error("expected a list of mappings");
  return v;
}

export interface FoundTask {
  task: Json;
  /** e.g. "tasks/pr_gate/then/create_pr" */
  path: string;
}

/** Every task in tasks/errors/finally/afterExecution and in the child lists of flowable tasks. */
export function allTasks(flow: Json): FoundTask[] {
  const out: FoundTask[] = [];
  const visit = (list: unknown, prefix: string) => {
    for (const task of asList(list)) {
      const path = `${prefix}/${String(task["id"])}`;
      out.push({ task, path });
      const spec = TASK_TYPES[String(task["type"])];
      for (const key of spec?.childTaskLists ?? []) visit(task[key], `${path}/${key}`);
    }
  };
  for (const key of ["tasks", "errors", "finally", "afterExecution"]) visit(flow[key], key);
  return out;
}

export function taskById(flow: Json, id: string): Json {
  const found = allTasks(flow).find((t) => t.task["id"] === id);
  if (!found) throw new Error(`no task ${id}`);
  return found.task;
}

export function stringMap(v: unknown): Record<string, string> {
  if (!isObject(v)) return {};
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) out[k] = String(val);
  return out;
}

export function stringList(v: unknown): string[] {
  return Array.isArray(v) ? v.map(String) : [];
}

export const FLOW_FILES = [
  "main_dev.autofix_ai-issue-autofix.yml",
  "main_dev.autofix_batch-issue-autofix.yml",
  "main_dev.autofix_setup-check.yml",
  "main_dev.autofix_file-issue.yml",
] as const;
