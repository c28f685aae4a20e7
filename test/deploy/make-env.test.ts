// scripts/make-env.sh, run for real: what it generates, what it checks, that it keeps what the user
// set, that a second run changes nothing, and that no value ever reaches its output.
import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { KESTRA_SECRETS, parseDotenv, ROOT } from "./repo-files.ts";

const SCRIPT = join(ROOT, "scripts/make-env.sh");
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** What a user fills in by hand, all well-formed (fake values). */
const FILLED = {
  SLACK_BOT_TOKEN: "xoxb-fake-bot-token-for-tests",
  SLACK_APP_TOKEN: "xapp-fake-app-token-for-tests",
  SLACK_SIGNING_SECRET: "0123456789abcdef0123456789abcdef",
  KESTRA_USERNAME: "ops@acme.test",
  OPENAI_API_KEY: "sk-test-not-real\\with$odd'chars",
  GITHUB_TOKEN: "read-token-for-tests",
  GITHUB_PR_TOKEN: "write-token-for-tests",
};

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "make-env-"));
  dirs.push(dir);
  return dir;
}

/** .env.example with `values` filled in (KEY= lines replaced). */
function tempEnv(values: Record<string, string>): string {
  const file = join(tempDir(), ".env");
  copyFileSync(join(ROOT, ".env.example"), file);
  let text = readFileSync(file, "utf8");
  for (const [k, v] of Object.entries(values)) {
    const line = new RegExp(`^${k}=.*$`, "m");
    if (!line.test(text)) throw new Error(`.env.example has no ${k}=`);
    text = text.replace(line, () => `${k}=${v}`);
  }
  writeFileSync(file, text);
  return file;
}

const run = (file: string) => {
  const r = spawnSync("bash", [SCRIPT, file], { encoding: "utf8" });
  return { ...r, output: r.stdout + r.stderr };
};
const vars = (file: string) => parseDotenv(readFileSync(file, "utf8"));
const decode = (b64: string | undefined) => Buffer.from(b64 ?? "", "base64").toString("utf8");

/** Kestra 2.0's basic-auth password rule. */
const kestraAccepts = (p: string) =>
  p.length >= 8 && /[A-Z]/.test(p) && /[a-z]/.test(p) && /[0-9]/.test(p);

describe("scripts/make-env.sh", () => {
  it("passes bash -n", () => {
    const r = spawnSync("bash", ["-n", SCRIPT], { encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });

  it("generates the webhook token, a Kestra password Kestra 2.0 accepts and a URL-safe Postgres password, writes SECRET_* that decode to the plain values, and prints no value", () => {
    const file = tempEnv(FILLED);
    const r = run(file);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`${file} is ready`);
    const v = vars(file);
    const webhook = v.get("AUTOFIX_WEBHOOK_TOKEN") ?? "";
    const kestra = v.get("KESTRA_PASSWORD") ?? "";
    const postgres = v.get("POSTGRES_PASSWORD") ?? "";
    expect(webhook).toMatch(/^[0-9a-f]{64}$/);
    expect(kestraAccepts(kestra), "Kestra password rule").toBe(true);
    expect(postgres).toMatch(/^[A-Za-z0-9]{32,}$/);
    for (const name of ["AUTOFIX_WEBHOOK_TOKEN", "KESTRA_PASSWORD", "POSTGRES_PASSWORD"]) {
      expect(r.stdout).toContain(`generated ${name}`);
    }
    for (const [secret, source] of Object.entries(KESTRA_SECRETS)) {
      const encoded = v.get(`SECRET_${secret}`);
      expect(encoded, secret).toMatch(/^[A-Za-z0-9+/]+=*$/);
      expect(decode(encoded)).toBe(v.get(source));
    }
    expect(decode(v.get("SECRET_OPENAI_API_KEY"))).toBe(FILLED.OPENAI_API_KEY);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    for (const value of [...Object.values(FILLED), webhook, kestra, postgres]) {
      expect(r.output).not.toContain(value);
    }
  });

  it("generates a different Kestra password each time, always one Kestra accepts", () => {
    const passwords = Array.from({ length: 5 }, () => {
      const file = tempEnv(FILLED);
      expect(run(file).status).toBe(0);
      return vars(file).get("KESTRA_PASSWORD") ?? "";
    });
    expect(new Set(passwords).size).toBe(5);
    for (const p of passwords) expect(kestraAccepts(p), "Kestra password rule").toBe(true);
  });

  it("accepts an empty SLACK_APP_TOKEN (HTTP mode)", () => {
    const r = run(tempEnv({ ...FILLED, SLACK_APP_TOKEN: "" }));
    expect(r.status, r.stderr).toBe(0);
  });

  it("never overwrites values the user set, and a second run changes nothing", () => {
    const own = {
      AUTOFIX_WEBHOOK_TOKEN: "an-existing-token-0123456789",
      KESTRA_PASSWORD: "My-Own-Passw0rd",
      POSTGRES_PASSWORD: "my-own-db-password",
    };
    const file = tempEnv({ ...FILLED, ...own });
    const first = run(file);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).not.toContain("generated");
    const text = readFileSync(file, "utf8");
    for (const [k, value] of Object.entries({ ...FILLED, ...own })) {
      expect(vars(file).get(k), k).toBe(value);
    }
    expect(decode(vars(file).get("SECRET_AUTOFIX_WEBHOOK_TOKEN"))).toBe(own.AUTOFIX_WEBHOOK_TOKEN);
    expect(text.match(/^SECRET_GITHUB_PR_TOKEN=/gm)).toHaveLength(1);

    expect(run(file).status).toBe(0);
    expect(readFileSync(file, "utf8")).toBe(text);
  });

  it("keeps what it generated on the next run", () => {
    const file = tempEnv(FILLED);
    expect(run(file).status).toBe(0);
    const text = readFileSync(file, "utf8");
    const again = run(file);
    expect(again.status).toBe(0);
    expect(again.stdout).not.toContain("generated");
    expect(readFileSync(file, "utf8")).toBe(text);
  });

  it("creates .env from .env.example and, with the placeholders still in, lists every problem at once instead of saying it is ready", () => {
    const file = join(tempDir(), ".env");
    const r = run(file);
    expect(r.status).toBe(3);
    expect(existsSync(file)).toBe(true);
    expect(r.output).not.toContain("is ready");
    for (const name of [
      "SLACK_BOT_TOKEN",
      "SLACK_APP_TOKEN",
      "SLACK_SIGNING_SECRET",
      "KESTRA_USERNAME",
      "OPENAI_API_KEY",
      "GITHUB_TOKEN",
      "GITHUB_PR_TOKEN",
    ]) {
      expect(r.stderr).toMatch(new RegExp(`^  - ${name} `, "m"));
    }
    // What could be generated was, so the next run only needs the user's values.
    const v = vars(file);
    expect(kestraAccepts(v.get("KESTRA_PASSWORD") ?? "")).toBe(true);
    expect(v.get("POSTGRES_PASSWORD")).not.toBe("");
    expect(v.get("AUTOFIX_WEBHOOK_TOKEN")).not.toBe("");
  });

  it.each([
    ["SLACK_BOT_TOKEN", "", /SLACK_BOT_TOKEN is not a bot token \(xoxb-…\): .*OAuth & Permissions/],
    ["SLACK_BOT_TOKEN", "xoxp-a-user-token-123", /SLACK_BOT_TOKEN is not a bot token/],
    [
      "SLACK_APP_TOKEN",
      "xoxb-a-bot-token-123",
      /SLACK_APP_TOKEN is not an app-level token .*empty/,
    ],
    ["SLACK_SIGNING_SECRET", "", /SLACK_SIGNING_SECRET is empty: .*Signing Secret/],
    ["SLACK_SIGNING_SECRET", "short5ecret", /SLACK_SIGNING_SECRET does not look like/],
    ["KESTRA_USERNAME", "", /KESTRA_USERNAME is empty: set the Kestra user, an e-mail address/],
    ["KESTRA_USERNAME", "administrator", /KESTRA_USERNAME is not an e-mail address/],
    ["KESTRA_PASSWORD", "alllowercase1", /KESTRA_PASSWORD does not meet Kestra 2\.0's rule/],
    ["KESTRA_PASSWORD", "Sh0rt", /KESTRA_PASSWORD does not meet Kestra 2\.0's rule/],
    ["KESTRA_PASSWORD", 'Quote"Passw0rd', /KESTRA_PASSWORD contains/],
    ["POSTGRES_PASSWORD", "p@ss/w0rd#1", /POSTGRES_PASSWORD may only hold .*DATABASE_URL/],
    ["AUTOFIX_WEBHOOK_TOKEN", "too-short-123", /AUTOFIX_WEBHOOK_TOKEN is shorter than/],
    ["OPENAI_API_KEY", "", /OPENAI_API_KEY is empty: /],
    ["GITHUB_TOKEN", "", /GITHUB_TOKEN is empty: .*read-only/],
    ["GITHUB_PR_TOKEN", "", /GITHUB_PR_TOKEN is empty: .*push/],
  ])(
    "%s=%j: exits 3 naming it with the fix, keeps the value, prints no value",
    (name, bad, message) => {
      const file = tempEnv({ ...FILLED, [name]: bad });
      const r = run(file);
      expect(r.status).toBe(3);
      expect(r.stderr).toMatch(message);
      // The only problem listed, and the script does not claim .env is ready.
      expect(r.stderr.match(/^ {2}- /gm)).toHaveLength(1);
      expect(r.stdout).not.toContain("is ready");
      expect(vars(file).get(name)).toBe(bad);
      if (bad) expect(r.output).not.toContain(bad);
      for (const value of Object.values(FILLED)) expect(r.output).not.toContain(value);
    },
  );

  it("warns, without failing, when KESTRA_PUBLIC_URL is empty (Slack's links would point at localhost)", () => {
    const empty = run(tempEnv(FILLED));
    expect(empty.status).toBe(0);
    expect(empty.stderr).toContain(
      "warning: KESTRA_PUBLIC_URL is empty, so Slack's Kestra links will point at http://localhost:8080",
    );
    const set = run(tempEnv({ ...FILLED, KESTRA_PUBLIC_URL: "https://kestra.acme.test" }));
    expect(set.status).toBe(0);
    expect(set.stdout).toContain("is ready");
    expect(set.stderr).not.toContain("KESTRA_PUBLIC_URL");
  });

  it("writes an empty SECRET_* for a missing plain value and the others as usual", () => {
    const file = tempEnv({ ...FILLED, OPENAI_API_KEY: "" });
    expect(run(file).status).toBe(3);
    const v = vars(file);
    expect(v.get("SECRET_OPENAI_API_KEY")).toBe("");
    expect(decode(v.get("SECRET_GITHUB_READ_TOKEN"))).toBe(FILLED.GITHUB_TOKEN);
  });
});
