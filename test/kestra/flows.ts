// Flow files for the real-engine suites: the product's two flows verbatim, plus extra files a suite
// needs (probes, or a copy of a product flow in another namespace with one thing changed).
//
// Exports:
//   PRODUCT_FLOWS                   the two file names under kestra/workflows
//   productFlow(file)               the YAML of one of them
//   inNamespace(yaml, ns, edit?)    the flow moved to `ns` (Subflows of its namespace follow), parsed
//                                   and dumped again, `edit` applied to the parsed document first
//   writeFlowsDir(extra)            a temp dir with the product flows and `extra` ({relative name: yaml})

import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parse, stringify } from "yaml";
import { ROOT } from "./engine.ts";

export const PRODUCT_FLOWS = [
  "main_dev.autofix_ai-issue-autofix.yml",
  "main_dev.autofix_batch-issue-autofix.yml",
] as const;

export function productFlow(file: (typeof PRODUCT_FLOWS)[number]): Promise<string> {
  return readFile(join(ROOT, "kestra/workflows", file), "utf8");
}

// biome-ignore lint/suspicious/noExplicitAny: a parsed flow document is edited freely by the caller.
export type FlowDocument = Record<string, any>;

export function inNamespace(
  source: string,
  namespace: string,
  edit: (flow: FlowDocument) => void = () => {},
): string {
  const flow = parse(source) as FlowDocument;
  const from = flow["namespace"];
  flow["namespace"] = namespace;
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(visit);
      return;
    }
    if (!node || typeof node !== "object") return;
    const obj = node as Record<string, unknown>;
    if (obj["type"] === "io.kestra.plugin.core.flow.Subflow" && obj["namespace"] === from) {
      obj["namespace"] = namespace;
    }
    Object.values(obj).forEach(visit);
  };
  visit(flow);
  edit(flow);
  return stringify(flow, { lineWidth: 0 });
}

export async function writeFlowsDir(extra: Record<string, string> = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "kestra-flows-"));
  for (const f of PRODUCT_FLOWS) await writeFile(join(dir, f), await productFlow(f));
  for (const [name, yaml] of Object.entries(extra)) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), yaml);
  }
  return dir;
}
