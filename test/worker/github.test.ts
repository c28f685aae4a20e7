import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { InputError, UpstreamError } from "../../src/errors.ts";
import { createOctokit, GitHub } from "../../src/worker/github.ts";
import { type FakeGitHub, startFakeGitHub } from "../fakes/github.ts";

let fake: FakeGitHub;
let logLines: string[];

function client(token: string | undefined = fake.token): GitHub {
  const logger = pino({ level: "debug" }, { write: (line: string) => void logLines.push(line) });
  return new GitHub(createOctokit({ baseUrl: fake.url, token, logger, retryBaseMs: 1 }));
}

beforeEach(async () => {
  fake = await startFakeGitHub();
  logLines = [];
  fake.addRepo("acme", "api");
});

afterEach(async () => {
  await fake.close();
});

describe("worker GitHub client", () => {
  it("reads an issue with all its comments across pages", async () => {
    fake.addIssue("acme", "api", {
      number: 3,
      title: "Bug",
      body: "Steps",
      labels: ["bug"],
      comments: Array.from({ length: 120 }, (_, i) => ({ author: `u${i}`, body: `c${i}` })),
    });
    const issue = await client().issue({ owner: "acme", repo: "api", number: 3 });
    expect(issue).toMatchObject({ number: 3, title: "Bug", body: "Steps", labels: ["bug"] });
    // Capped at MAX_COMMENTS, oldest first.
    expect(issue.comments).toHaveLength(50);
    expect(issue.comments[0]).toEqual({ author: "u0", body: "c0" });
  });

  it("retries a 5xx and then succeeds", async () => {
    fake.addIssue("acme", "api", { number: 1, title: "Bug" });
    fake.failNext("GET /repos/acme/api/issues/1", 502, 2);
    const issue = await client().issue({ owner: "acme", repo: "api", number: 1 });
    expect(issue.title).toBe("Bug");
    expect(fake.requests.filter((r) => r.path === "/repos/acme/api/issues/1")).toHaveLength(3);
  });

  it("maps statuses to UpstreamError kinds", async () => {
    fake.failNext("GET /repos/acme/api", 503, 3);
    const err = await client()
      .repo({ owner: "acme", repo: "api" })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UpstreamError);
    expect(err).toMatchObject({ service: "github", kind: "unavailable", status: 503 });

    const bad = await client("ghp_bad")
      .repo({ owner: "acme", repo: "api" })
      .catch((e: unknown) => e);
    expect(bad).toMatchObject({
      kind: "unauthorized",
      message: "cannot read repository acme/api: Bad credentials",
    });
  });

  it("refuses a pull request as an issue with an InputError", async () => {
    fake.addIssue("acme", "api", { number: 2, title: "PR", isPullRequest: true });
    const err = await client()
      .issue({ owner: "acme", repo: "api", number: 2 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
  });

  it("logs requests from hooks without the token", async () => {
    await client().repo({ owner: "acme", repo: "api" });
    const text = logLines.join("");
    expect(text).toContain('"url":"/repos/{owner}/{repo}"');
    expect(text).toContain('"status":200');
    expect(text).not.toContain(fake.token);
  });
});
