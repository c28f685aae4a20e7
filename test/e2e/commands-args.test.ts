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
    ["cancel", /needs the run's execution id/, "/autofix cancel <execution-id>"],
    ["cancel abc!def", /^`abc!def` is not a Kestra execution id/, "/autofix cancel <execution-id>"],
    ["cancel abc def", /takes one execution id; remove `def`/, "/autofix cancel <execution-id>"],
    ["retry", /needs the run's execution id/, "/autofix retry <execution-id>"],
    ["retry a/b", /is not a Kestra execution id/, "/autofix retry <execution-id>"],
    ["logs x y z", /remove `y z`/, "/autofix logs <execution-id>"],
    [
      "logs `<!here>`",
      /^`'&lt;!here&gt;'` is not a Kestra execution id/,
      "/autofix logs <execution-id>",
    ],
    ["status one two", /takes one execution id or issue URL; remove `two`/, "/autofix status ["],
    [
      "status https://github.com/acme/api/pull/3",
      /pull request, not an issue/,
      "/autofix status [",
    ],
    ["status acme/api#4", /not a GitHub issue URL/, "/autofix status ["],
    ["status r$n", /^`r\$n` is not a Kestra execution id/, "/autofix status ["],
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
    expect((res.body as { text: string }).text).toMatch(/is not a Kestra execution id/);
  });
});

describe("help", () => {
  it("lists every run-control subcommand with its usage and a working example", async () => {
    const res = await h.command("help");
    const text = (res.body as { text: string }).text;
    for (const usage of [
      "/autofix status [<execution-id> | https://github.com/<owner>/<repo>/issues/<number>]",
      "/autofix list [all|failed|active]",
      "/autofix cancel <execution-id>",
      "/autofix retry <execution-id>",
      "/autofix logs <execution-id>",
    ]) {
      expect(text).toContain(`\`${usage}\``);
    }
    for (const example of [
      "/autofix status",
      "/autofix status https://github.com/acme/api/issues/42",
      "/autofix list failed",
      "/autofix cancel 4Jx2bC9kQeLmN0pR7sTuVw",
      "/autofix retry 4Jx2bC9kQeLmN0pR7sTuVw",
      "/autofix logs 4Jx2bC9kQeLmN0pR7sTuVw",
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
