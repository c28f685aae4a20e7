// The README a new user reads: the two commands first, every /autofix subcommand in its table,
// every example that /autofix parses, and every docs/ link pointing at a file that exists.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { SUBCOMMANDS } from "../../src/commands/registry.ts";
import { ROOT, readRepoFile } from "./repo-files.ts";

const readme = readRepoFile("README.md");

it("opens with the two commands: one runs the product, one passes the tests", () => {
  const first = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? "";
  const lines = first.trim().split("\n");
  expect(lines).toHaveLength(2);
  expect(lines[0]).toMatch(/^scripts\/make-env\.sh && docker compose up -d\b/);
  expect(lines[1]).toMatch(/^npm ci && npm test\b/);
  // What was never run here is said next to the command that runs it.
  expect(readme.indexOf("Not run here yet")).toBeLessThan(readme.indexOf("## Prerequisites"));
});

it("lists every subcommand, and every /autofix example in it parses", () => {
  for (const c of SUBCOMMANDS.filter((s) => s.name !== "")) {
    expect(readme, c.name).toContain(`\`/autofix ${c.name}`);
  }
  // Commands as typed (Slack's own error message quoted in Troubleshooting is not one).
  const examples = [...readme.matchAll(/`\/autofix ([^`<[]+?)`/g)]
    .map((m) => m[1] ?? "")
    .filter((t) => !t.includes('"'));
  expect(examples.length).toBeGreaterThan(3);
  for (const text of examples) {
    const words = text.trim().split(/\s+/);
    if (words[0] === "help" || (words[0] === "cancel" && words.length === 1)) continue;
    const named = SUBCOMMANDS.find((c) => c.name !== "" && c.name === words[0]);
    const sub = named ?? SUBCOMMANDS.find((c) => c.name === "");
    const args = named ? words.slice(1) : words;
    const bound = sub?.parseAndBind(args, { webHost: "github.com" });
    expect(bound?.ok, `/autofix ${text}`).toBe(true);
  }
});

it("links only to docs that exist", () => {
  const links = [...readmeAndDocs().matchAll(/\]\(((?:docs\/)?[a-z-]+\.md)\)/g)].map((m) => m[1]);
  expect(links.length).toBeGreaterThan(4);
  for (const link of links) {
    const path = link?.startsWith("docs/") ? link : `docs/${link}`;
    expect(existsSync(join(ROOT, path)), path).toBe(true);
  }
});

function readmeAndDocs(): string {
  return [
    readme,
    ...["configuration", "kestra", "operations", "worker", "development"].map((d) =>
      readRepoFile(`docs/${d}.md`),
    ),
  ].join("\n");
}
