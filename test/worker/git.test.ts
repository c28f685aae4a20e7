import { tmpdir } from "node:os";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { credentialEnv, git } from "../../src/worker/git.ts";
import { type RunningServer, sendText, startHttpServer } from "../fakes/http-server.ts";

// The push token reaches git through GIT_CONFIG_* variables of that one process. This checks,
// against a real git and a real HTTP server, that git sends it, and only to the scoped host.

let server: RunningServer;
let seen: { path: string; authorization: string | undefined }[];

beforeEach(async () => {
  seen = [];
  server = await startHttpServer((req, res) => {
    seen.push({ path: req.url ?? "", authorization: req.headers.authorization });
    sendText(res, 404, "not found");
  });
});

afterEach(async () => {
  await server.close();
});

const ctx = { env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", HOME: tmpdir() } };

describe("credentialEnv", () => {
  it("makes git send a Basic x-access-token header to the remote", async () => {
    const url = `${server.url}/acme/api.git`;
    const res = await git(ctx, ["ls-remote", url], {
      env: credentialEnv({ token: "ghp_abc", url }),
    });
    expect(res.code).not.toBe(0);
    const expected = `Basic ${Buffer.from("x-access-token:ghp_abc").toString("base64")}`;
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((r) => r.authorization === expected)).toBe(true);
  });

  it("is scoped to the remote's host: other hosts get no header", async () => {
    const url = `${server.url}/acme/api.git`;
    const env = credentialEnv({ token: "ghp_abc", url: "https://github.com/acme/api.git" });
    await git(ctx, ["ls-remote", url], { env });
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((r) => r.authorization === undefined)).toBe(true);
  });

  it("keeps the token out of the environment keys and argv", () => {
    const env = credentialEnv({ token: "ghp_abc", url: "https://github.com/acme/api.git" });
    expect(env).toEqual({
      GIT_CONFIG_COUNT: "1",
      GIT_CONFIG_KEY_0: "http.https://github.com/.extraHeader",
      GIT_CONFIG_VALUE_0: `Authorization: Basic ${Buffer.from("x-access-token:ghp_abc").toString("base64")}`,
    });
  });
});
