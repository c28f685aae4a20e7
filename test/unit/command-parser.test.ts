import { describe, expect, it } from "vitest";
import { parseCommand } from "../../src/slack/command-parser.ts";

const opts = { webHost: "github.com", allowedRepos: ["acme/api", "tools/*"] };

describe("parseCommand", () => {
  it("treats empty text and help words as help", () => {
    for (const t of ["", "  ", "help", "HELP", "--help", "?"]) {
      expect(parseCommand(t, opts)).toEqual({ kind: "help" });
    }
  });

  it("accepts an allowed issue URL", () => {
    expect(parseCommand(" https://github.com/tools/cli/issues/7 ", opts)).toMatchObject({
      kind: "fix",
      issue: { owner: "tools", repo: "cli", number: 7 },
    });
  });

  it("rejects repos off the allow-list, naming the list", () => {
    const r = parseCommand("https://github.com/evil/api/issues/1", opts);
    expect(r.kind).toBe("error");
    if (r.kind === "error") expect(r.message).toMatch(/evil\/api is not on .*acme\/api, tools\/\*/);
  });

  it("rejects extra words, huge text and non-URLs with usage", () => {
    for (const t of [
      "https://github.com/acme/api/issues/1 please",
      "x".repeat(5000),
      "fix the login bug",
      "https://github.com/acme/api/pull/3",
    ]) {
      const r = parseCommand(t, opts);
      expect(r.kind).toBe("error");
      if (r.kind === "error") expect(r.message).toMatch(/Usage: `\/autofix https:\/\/github.com\//);
    }
  });

  it("allows any repo when the allow-list is empty", () => {
    expect(
      parseCommand("https://github.com/x/y/issues/1", { webHost: "github.com", allowedRepos: [] })
        .kind,
    ).toBe("fix");
  });
});
