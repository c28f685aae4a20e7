import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../support/harness.ts";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  // The start-up reconcile pass searches Kestra; let it finish so only the commands' calls count.
  await h.app.runtime.reconciler.runOnce();
});
afterAll(async () => h?.close());

describe("bad arguments are answered in the ack, with the usage, before any Kestra call", () => {
  it.each([
    [
      "list everything",
      /^Unknown filter `everything`: use `all`, `failed`, `active`\./,
      "/autofix list [all|failed|active]",
    ],
    ["list failed now", /takes one filter; remove `now`/, "/autofix list [all|failed|active]"],
    [
      "cancel",
      /needs the run: its issue \(acme\/api#42\) or its execution id/,
      "/autofix cancel <owner/repo#number | execution-id>",
    ],
    [
      "cancel abc!def",
      /^`abc!def` names no run: give its issue \(acme\/api#42\)/,
      "/autofix cancel <",
    ],
    ["cancel abc def", /takes one run; remove `def`/, "/autofix cancel <"],
    ["retry", /needs the run/, "/autofix retry <owner/repo#number | execution-id>"],
    ["retry a/b", /^`a\/b` is not an issue: it is not a URL/, "/autofix retry <"],
    ["logs x y z", /remove `y z`/, "/autofix logs <owner/repo#number | execution-id>"],
    ["logs `<!here>`", /^`'&lt;!here&gt;'` names no run/, "/autofix logs <"],
    ["status one two", /takes one run; remove `two`/, "/autofix status ["],
    [
      "status https://github.com/acme/api/pull/3",
      /pull request, not an issue/,
      "/autofix status [",
    ],
    ["status acme/api#x", /^`acme\/api#x` is not an issue: it is not a URL/, "/autofix status ["],
    ["status r$n", /^`r\$n` names no run/, "/autofix status ["],
  ])("/autofix %s", async (text, reason, usage) => {
    const before = h.kestra.requests.length;
    const res = await h.command(text);
    expect(res.status).toBe(200);
    const body = res.body as { response_type: string; text: string };
    expect(body.response_type).toBe("ephemeral");
    expect(body.text).toMatch(reason);
    expect(body.text).toContain(`Usage: \`${usage}`);
    expect(h.kestra.requests.length).toBe(before);
  });

  it("an execution id longer than Kestra's is refused", async () => {
    const res = await h.command(`logs ${"a".repeat(65)}`);
    expect((res.body as { text: string }).text).toMatch(/names no run/);
  });
});

describe("a word that is no subcommand", () => {
  it.each([
    ["stats", "Unknown subcommand `stats` — did you mean `status`?"],
    ["lsit", "Unknown subcommand `lsit` — did you mean `list`?"],
    ["cancle acme/api#42", "Unknown subcommand `cancle` — did you mean `cancel`?"],
    ["deploy", "Unknown subcommand `deploy`. The subcommands are `batch`, `status`"],
  ])("/autofix %s is answered as such, before any Kestra call", async (text, said) => {
    const before = h.kestra.requests.length;
    const res = await h.command(text);
    const body = res.body as { response_type: string; text: string };
    expect(body.response_type).toBe("ephemeral");
    expect(body.text).toContain(said);
    expect(body.text).not.toContain("not a GitHub issue URL");
    expect(h.kestra.requests.length).toBe(before);
  });
});

describe("help", () => {
  it("lists every run-control subcommand with its usage and a working example", async () => {
    const res = await h.command("help");
    const text = (res.body as { text: string }).text;
    for (const usage of [
      "/autofix status [<owner/repo#number | issue-url | execution-id>]",
      "/autofix list [all|failed|active]",
      "/autofix cancel <owner/repo#number | execution-id>",
      "/autofix retry <owner/repo#number | execution-id>",
      "/autofix logs <owner/repo#number | execution-id>",
    ]) {
      expect(text).toContain(`\`${usage}\``);
    }
    for (const example of [
      "/autofix status",
      "/autofix status acme/api#42",
      "/autofix list failed",
      "/autofix cancel acme/api#42",
      "/autofix retry acme/api#42",
      "/autofix logs acme/api#42",
    ]) {
      expect(text).toContain(`\`${example}\``);
    }
  });

  it("every example parses", async () => {
    const { SUBCOMMANDS } = await import("../../src/commands/registry.ts");
    for (const c of SUBCOMMANDS.filter((c) =>
      ["status", "list", "cancel", "retry", "logs"].includes(c.name),
    )) {
      for (const example of c.examples) {
        const words = example.split(/\s+/).slice(2);
        expect(c.parseAndBind(words, { webHost: "github.com" }).ok, example).toBe(true);
      }
    }
  });
});
