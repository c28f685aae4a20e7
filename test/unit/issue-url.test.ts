import { describe, expect, it } from "vitest";
import { parseIssueUrl, parseRepoUrl, webHostForApi } from "../../src/shared/issue-url.ts";

const parse = (u: string) => parseIssueUrl(u, "github.com");

describe("parseIssueUrl", () => {
  it("accepts issue URLs, Slack-wrapped links, trailing slashes and comment anchors", () => {
    for (const u of [
      "https://github.com/acme/api/issues/42",
      "<https://github.com/acme/api/issues/42>",
      "<https://github.com/acme/api/issues/42|acme/api#42>",
      "https://github.com/acme/api/issues/42/",
      "https://GitHub.com/acme/api/issues/42#issuecomment-1",
    ]) {
      expect(parse(u)).toEqual({
        ok: true,
        issue: { host: "github.com", owner: "acme", repo: "api", number: 42 },
      });
    }
  });

  it.each([
    ["https://github.com/acme/api/pull/42", /pull request/],
    ["https://gitlab.com/acme/api/issues/42", /host must be github.com/],
    ["http://github.com/acme/api/issues/42", /https/],
    ["https://github.com/acme/api/issues/0", /not an issue number/],
    ["https://github.com/acme/api/issues/42abc", /not an issue number/],
    ["https://github.com/acme/api/issues/99999999999", /not an issue number/],
    ["https://github.com/acme/api/issues/42?x=1", /query/],
    ["https://github.com/ac$me/api/issues/1", /owner/],
    ["https://github.com/acme/../issues/1", /path/],
    ["https://user:pw@github.com/acme/api/issues/1", /credentials/],
    ["github.com/acme/api/issues/1", /not a URL/],
    [`https://github.com/acme/api/issues/1${"a".repeat(600)}`, /longer than/],
    ["", /no issue URL/],
  ])("rejects %s", (input, reason) => {
    const r = parse(input);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });

  it("derives the web host from the API URL, GitHub Enterprise included", () => {
    expect(webHostForApi("https://api.github.com")).toBe("github.com");
    expect(webHostForApi("https://ghe.example.com/api/v3")).toBe("ghe.example.com");
    expect(parseIssueUrl("https://ghe.example.com/a/b/issues/3", "ghe.example.com").ok).toBe(true);
  });
});

describe("parseRepoUrl", () => {
  it("accepts repo URLs with .git and owner/repo shorthand when allowed", () => {
    expect(parseRepoUrl("https://github.com/acme/api.git", "github.com")).toMatchObject({
      ok: true,
      repo: { owner: "acme", repo: "api" },
    });
    expect(parseRepoUrl("acme/api", "github.com", true)).toMatchObject({ ok: true });
    expect(parseRepoUrl("acme/api", "github.com", false).ok).toBe(false);
    expect(parseRepoUrl("https://github.com/acme", "github.com").ok).toBe(false);
  });
});
