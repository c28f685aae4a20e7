import { describe, expect, it } from "vitest";
import { pullRequestUrl } from "../../src/shared/pr-url.ts";

describe("pullRequestUrl", () => {
  it.each([
    ["https://github.com/acme/api/pull/43", "acme/api", "https://github.com/acme/api/pull/43"],
    ["https://github.com/ACME/Api/pull/43", "acme/api", "https://github.com/ACME/Api/pull/43"],
    [
      "https://ghe.example.com/acme/api/pull/1",
      undefined,
      "https://ghe.example.com/acme/api/pull/1",
    ],
  ])("accepts %s for %s", (url, repo, expected) => {
    expect(pullRequestUrl(url, repo)).toBe(expected);
  });

  it.each([
    ["a Kestra execution link", "https://kestra.example.com/ui/main/executions/dev.autofix/x/1"],
    ["another repository's PR", "https://github.com/evil/api/pull/43"],
    ["an issue", "https://github.com/acme/api/issues/43"],
    ["plain http", "http://github.com/acme/api/pull/43"],
    ["a link with markup", "https://github.com/acme/api/pull/43|click"],
    ["not a string", 43],
  ])("refuses %s", (_what, url) => {
    expect(pullRequestUrl(url, "acme/api")).toBeUndefined();
  });
});
