import { describe, expect, it } from "vitest";
import { notAllowedMessage, parseCommand } from "../../src/slack/command-parser.ts";

const opts = { webHost: "github.com" };
const allowed = ["acme/api", "tools/*"];

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
    if (r.kind !== "fix") throw new Error("expected a fix");
    expect(notAllowedMessage(r.issue, allowed, "github.com")).toMatch(
      /evil\/api is not on .*acme\/api, tools\/\*/,
    );
    const ok = parseCommand("https://github.com/tools/x/issues/1", opts);
    if (ok.kind !== "fix") throw new Error("expected a fix");
    expect(notAllowedMessage(ok.issue, allowed, "github.com")).toBeUndefined();
    expect(notAllowedMessage(ok.issue, [], "github.com")).toBeUndefined();
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
});
