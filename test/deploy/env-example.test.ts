// .env.example: every variable the bot, compose and the secrets need, documented, with no real secret.
import { describe, expect, it } from "vitest";
import { BOT_ENV, KESTRA_SECRETS, parseDotenv, readRepoFile } from "./repo-files.ts";

const text = readRepoFile(".env.example");
const vars = parseDotenv(text);
const lines = text.split("\n");

// Set by compose itself rather than by the user.
const FIXED_BY_COMPOSE = new Set(["KESTRA_URL", "PORT", "DATABASE_URL"]);

describe(".env.example", () => {
  it("declares every variable the bot reads (except those compose fixes)", () => {
    const missing = BOT_ENV.filter((v) => !FIXED_BY_COMPOSE.has(v) && !vars.has(v));
    expect(missing).toEqual([]);
  });

  it("declares the plain values and the generated SECRET_* for every Kestra secret", () => {
    for (const [secret, plain] of Object.entries(KESTRA_SECRETS)) {
      expect(vars.has(plain), plain).toBe(true);
      expect(vars.get(`SECRET_${secret}`), secret).toBe("");
    }
  });

  it("documents every variable with a comment right above it", () => {
    lines.forEach((line, i) => {
      if (!/^[A-Z][A-Z0-9_]*=/.test(line) || line.startsWith("SECRET_")) return;
      expect(lines[i - 1]?.startsWith("#"), line).toBe(true);
    });
  });

  it("holds no real secret: required credentials are empty or obviously fake", () => {
    expect(text).not.toMatch(
      /xox[bpa]-[0-9]|xapp-[0-9]|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_|sk-[A-Za-z0-9]{20,}/,
    );
    for (const name of [
      "SLACK_SIGNING_SECRET",
      "KESTRA_PASSWORD",
      "POSTGRES_PASSWORD",
      "AUTOFIX_WEBHOOK_TOKEN",
      "GITHUB_TOKEN",
      "GITHUB_PR_TOKEN",
      "OPENAI_API_KEY",
    ]) {
      expect(vars.get(name), name).toBe("");
    }
  });

  it("uses placeholders that the bot's token checks reject instead of accepting", () => {
    expect(vars.get("SLACK_BOT_TOKEN")).not.toMatch(/^xoxb-/);
    expect(vars.get("SLACK_APP_TOKEN")).not.toMatch(/^xapp-/);
  });
});
