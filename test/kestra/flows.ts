// Flow files for the real-engine suite: the product's two flows verbatim, and "proposal" copies in
// another namespace whose script tasks drop to the `node` user only when they can (see the README
// of kestra/engine and the report): under the Process runner there is no `node` user.
//
// Exports:
//   PRODUCT_FLOWS                    the two file names under kestra/workflows
//   PROPOSAL_NS                      namespace of the proposal copies
//   AS_NODE_LINE                     the command that replaces `chown -R node:node .`
//   withProposedCommands(yaml, ns)   the flow moved to `ns`, script commands rewritten, Subflows of
//                                    dev.autofix pointed at `ns` (parsed and re-dumped, not patched)
//   writeFlowsDir(extra)             a temp dir with the product flows, the proposal copies and
//                                    `extra` files ({relative name: yaml}); returns its path

import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parse, stringify } from "yaml";
import { ROOT } from "./engine.ts";

export const PRODUCT_FLOWS = [
  "main_dev.autofix_ai-issue-autofix.yml",
  "main_dev.autofix_batch-issue-autofix.yml",
] as const;

export const PROPOSAL_NS = "dev.autofix.proposal";

export const AS_NODE_LINE =
  'as_node=""; if [ "$(id -u)" = 0 ] && id node >/dev/null 2>&1; then chown -R node:node . && as_node="setpriv --reuid=node --regid=node --init-groups"; fi';

const SETPRIV = "setpriv --reuid=node --regid=node --init-groups autofix";

export function withProposedCommands(source: string, namespace: string): string {
  const flow = parse(source) as Record<string, unknown>;
  const from = flow["namespace"];
  flow["namespace"] = namespace;
  const rewrite = (cmd: string) =>
    cmd === "chown -R node:node ." ? AS_NODE_LINE : cmd.replace(SETPRIV, "$as_node autofix");
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(visit);
      return;
    }
    if (!node || typeof node !== "object") return;
    const obj = node as Record<string, unknown>;
    if (
      obj["type"] === "io.kestra.plugin.scripts.shell.Commands" &&
      Array.isArray(obj["commands"])
    ) {
      obj["commands"] = (obj["commands"] as string[]).map(rewrite);
    }
    if (obj["type"] === "io.kestra.plugin.core.flow.Subflow" && obj["namespace"] === from) {
      obj["namespace"] = namespace;
    }
    Object.values(obj).forEach(visit);
  };
  visit(flow);
  return stringify(flow, { lineWidth: 0 });
}

export async function writeFlowsDir(extra: Record<string, string> = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "kestra-flows-"));
  for (const f of PRODUCT_FLOWS) {
    const source = await readFile(join(ROOT, "kestra/workflows", f), "utf8");
    await writeFile(join(dir, f), source);
    await mkdir(join(dir, "proposal"), { recursive: true });
    await writeFile(
      join(dir, "proposal", f.replace("main_dev.autofix_", `main_${PROPOSAL_NS}_`)),
      withProposedCommands(source, PROPOSAL_NS),
    );
  }
  for (const [name, yaml] of Object.entries(extra)) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), yaml);
  }
  return dir;
}
