import { describe, expect, it } from "vitest";
import { fixCommand } from "../../src/commands/fix.ts";
import { findSubcommand, SUBCOMMANDS } from "../../src/commands/registry.ts";
import { notAllowedMessage } from "../../src/slack/allow-list.ts";
import { helpText } from "../../src/slack/blocks/help-message.ts";

const env = { webHost: "github.com" };

describe("the default subcommand: an issue URL", () => {
  it("is chosen for an issue, and a bare word that names no subcommand is not an issue", () => {
    expect(findSubcommand("https://github.com/acme/api/issues/1")).toEqual({
      ok: true,
      sub: fixCommand,
    });
    expect(findSubcommand("acme/api#1")).toEqual({ ok: true, sub: fixCommand });
    expect(findSubcommand("stats")).toMatchObject({ ok: false, suggestion: "status" });
    expect(findSubcommand("zzz")).toMatchObject({ ok: false, suggestion: undefined });
  });

  it("accepts one issue URL or handle", () => {
    expect(fixCommand.parseAndBind(["https://github.com/tools/cli/issues/7"], env).ok).toBe(true);
    expect(fixCommand.parseAndBind(["tools/cli#7"], env).ok).toBe(true);
  });

  it.each([
    [
      ["https://github.com/acme/api/issues/1", "please"],
      /exactly one GitHub issue, with nothing else after it but model:<id>/,
    ],
    [["<!here>", "the", "login", "bug"], /not a GitHub issue URL: it is not a URL/],
    [["https://github.com/acme/api/pull/3"], /pull request, not an issue/],
  ])("rejects %j with the reason and the usage", (words, reason) => {
    const r = fixCommand.parseAndBind(words, env);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.message).toMatch(reason);
      expect(r.message).toContain("Usage: `/autofix <issue-url | owner/repo#number> [model:<id>]`");
    }
  });
});

describe("allow-list", () => {
  const allowed = ["acme/api", "tools/*"];
  it("names the list when a repository is off it, and allows owner/* and an empty list", () => {
    expect(notAllowedMessage({ owner: "evil", repo: "api" }, allowed, "github.com")).toMatch(
      /evil\/api is not on .*acme\/api, tools\/\*/,
    );
    expect(notAllowedMessage({ owner: "Tools", repo: "x" }, allowed, "github.com")).toBeUndefined();
    expect(notAllowedMessage({ owner: "a", repo: "b" }, [], "github.com")).toBeUndefined();
  });
});

describe("help", () => {
  it("lists every subcommand with its usage and examples, on the configured GitHub host", () => {
    const text = helpText({
      webHost: "ghe.example.com",
      allowedRepos: [],
      subcommands: SUBCOMMANDS,
    });
    for (const c of SUBCOMMANDS) expect(text).toContain(c.summary);
    expect(text).toContain("`/autofix https://ghe.example.com/acme/api/issues/42`");
    expect(text).toContain("/autofix help");
    expect(text).toContain("`@autofix fix this`");
  });
});
