// scripts/make-env.sh: syntax, token generation, base64 SECRET_* that decode back, no values printed.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { KESTRA_SECRETS, parseDotenv, ROOT } from "./repo-files.ts";

const SCRIPT = join(ROOT, "scripts/make-env.sh");
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempEnv(values: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "make-env-"));
  dirs.push(dir);
  const file = join(dir, ".env");
  copyFileSync(join(ROOT, ".env.example"), file);
  let text = readFileSync(file, "utf8");
  for (const [k, v] of Object.entries(values))
    text = text.replace(new RegExp(`^${k}=.*$`, "m"), `${k}=${v}`);
  writeFileSync(file, text);
  return file;
}

const run = (file: string) => spawnSync("bash", [SCRIPT, file], { encoding: "utf8" });
const decode = (b64: string | undefined) => Buffer.from(b64 ?? "", "base64").toString("utf8");

describe("scripts/make-env.sh", () => {
  it("passes bash -n", () => {
    const r = spawnSync("bash", ["-n", SCRIPT], { encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });

  it("generates the webhook token and writes SECRET_* that decode to the plain values", () => {
    const plain = {
      OPENAI_API_KEY: "sk-test-not-real\\with$odd'chars",
      GITHUB_TOKEN: "read-token-for-tests",
      GITHUB_PR_TOKEN: "write-token-for-tests",
    };
    const file = tempEnv(plain);
    const r = run(file);
    expect(r.status, r.stderr).toBe(0);
    const vars = parseDotenv(readFileSync(file, "utf8"));
    const webhook = vars.get("AUTOFIX_WEBHOOK_TOKEN") ?? "";
    expect(webhook).toMatch(/^[0-9a-f]{64}$/);
    for (const [secret, source] of Object.entries(KESTRA_SECRETS)) {
      const encoded = vars.get(`SECRET_${secret}`);
      expect(encoded, secret).toMatch(/^[A-Za-z0-9+/]+=*$/);
      expect(decode(encoded)).toBe(vars.get(source));
    }
    expect(decode(vars.get("SECRET_OPENAI_API_KEY"))).toBe(plain.OPENAI_API_KEY);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    for (const value of [...Object.values(plain), webhook]) {
      expect(r.stdout + r.stderr).not.toContain(value);
    }
  });

  it("keeps an existing webhook token and is idempotent", () => {
    const file = tempEnv({
      AUTOFIX_WEBHOOK_TOKEN: "an-existing-token-0123456789",
      OPENAI_API_KEY: "k",
      GITHUB_TOKEN: "r",
      GITHUB_PR_TOKEN: "w",
    });
    expect(run(file).status).toBe(0);
    const first = readFileSync(file, "utf8");
    expect(run(file).status).toBe(0);
    expect(readFileSync(file, "utf8")).toBe(first);
    const vars = parseDotenv(first);
    expect(vars.get("AUTOFIX_WEBHOOK_TOKEN")).toBe("an-existing-token-0123456789");
    expect(decode(vars.get("SECRET_AUTOFIX_WEBHOOK_TOKEN"))).toBe("an-existing-token-0123456789");
    expect(first.match(/^SECRET_GITHUB_PR_TOKEN=/gm)).toHaveLength(1);
  });

  it("exits 3 and names the plain values that are still empty", () => {
    const file = tempEnv({ GITHUB_TOKEN: "r" });
    const r = run(file);
    expect(r.status).toBe(3);
    expect(r.stderr).toContain("OPENAI_API_KEY");
    expect(r.stderr).toContain("GITHUB_PR_TOKEN");
    const vars = parseDotenv(readFileSync(file, "utf8"));
    expect(vars.get("SECRET_OPENAI_API_KEY")).toBe("");
    expect(decode(vars.get("SECRET_GITHUB_READ_TOKEN"))).toBe("r");
  });
});
