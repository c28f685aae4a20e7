import { pino } from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { InputError, UpstreamError } from "../../src/errors.ts";
import { createGitHubClient, getIssue } from "../../src/github/client.ts";
import { createOctokit, githubError } from "../../src/github/octokit.ts";
import { GitHub } from "../../src/worker/github.ts";
import { type FakeGitHub, startFakeGitHub } from "../fakes/github.ts";

let fake: FakeGitHub;
let logLines: string[];

const logger = () =>
  pino({ level: "debug" }, { write: (line: string) => void logLines.push(line) });

function client(token: string | undefined = fake.token): GitHub {
  return new GitHub(
    createOctokit({
      baseUrl: fake.url,
      token,
      userAgent: "autofix-test",
      logger: logger(),
      retryBaseMs: 1,
    }),
  );
}

const logged = () => logLines.map((l) => JSON.parse(l) as Record<string, unknown>);

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

  it("logs every attempt of a retried call from the hooks, without the token", async () => {
    fake.addIssue("acme", "api", { number: 1, title: "Bug" });
    fake.failNext("GET /repos/acme/api/issues/1", 502, 1);
    await client().issue({ owner: "acme", repo: "api", number: 1 });
    const calls = logged().filter((l) => l["service"] === "github");
    expect(calls.map((l) => [l["msg"], l["status"], l["url"]])).toEqual([
      ["github call failed", 502, "/repos/{owner}/{repo}/issues/{issue_number}"],
      ["github call", 200, "/repos/{owner}/{repo}/issues/{issue_number}"],
    ]);
    expect(logLines.join("")).not.toContain(fake.token);
    expect(logLines.join("").toLowerCase()).not.toContain("authorization");
  });

  it("reports an API that does not answer as unavailable", async () => {
    const url = fake.url;
    await fake.close();
    const err = await new GitHub(
      createOctokit({ baseUrl: url, token: "t", userAgent: "t", logger: logger(), retries: 0 }),
    )
      .repo({ owner: "acme", repo: "api" })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ service: "github", kind: "unavailable" });
    expect((err as Error).message).toMatch(/^cannot read repository acme\/api: .+/);
    fake = await startFakeGitHub();
  });
});

describe("githubError", () => {
  const failure = (status: number, message: string, headers: Record<string, string> = {}) =>
    Object.assign(new Error(message), { status, response: { data: { message }, headers } });

  it("maps GitHub's statuses to kinds, with GitHub's message", () => {
    expect(githubError(failure(404, "Not Found"), "cannot read x")).toMatchObject({
      code: "GITHUB_NOT_FOUND",
      status: 404,
      message: "cannot read x: Not Found",
    });
    expect(githubError(failure(422, "Validation Failed"), "x").kind).toBe("invalid");
    expect(githubError(failure(403, "Resource not accessible"), "x").kind).toBe("unauthorized");
  });

  it("takes an exhausted rate limit for rate_limited, even as a 403", () => {
    const limited = failure(403, "API rate limit exceeded for user ID 1.", {
      "x-ratelimit-remaining": "0",
    });
    expect(githubError(limited, "x").kind).toBe("rate_limited");
    expect(githubError(failure(429, "Too Many Requests"), "x").kind).toBe("rate_limited");
  });

  it("leaves an UpstreamError as it is", () => {
    const e = new UpstreamError("github", "conflict", "already");
    expect(githubError(e, "x")).toBe(e);
  });
});

describe("the bot's client", () => {
  it("is the same Octokit: it reads an issue and maps a failure to UpstreamError", async () => {
    fake.addIssue("acme", "api", { number: 4, title: "Bot bug" });
    const github = createGitHubClient({ baseUrl: fake.url, token: fake.token, logger: logger() });
    expect(await getIssue(github, { owner: "acme", repo: "api", number: 4 })).toEqual({
      title: "Bot bug",
      state: "open",
      isPullRequest: false,
    });
    const missing = await getIssue(github, { owner: "acme", repo: "api", number: 9 }).catch(
      (e: unknown) => e,
    );
    expect(missing).toBeInstanceOf(UpstreamError);
    expect(missing).toMatchObject({
      kind: "not_found",
      message: "cannot read issue acme/api#9: Not Found",
    });
    const ua = fake.requests.at(-1)?.headers["user-agent"] ?? "";
    expect(ua.startsWith("autofix-slack ")).toBe(true);
  });
});
