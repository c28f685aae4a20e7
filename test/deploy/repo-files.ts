// Reads deployment files from the repository root and parses .env files.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));

export function readRepoFile(path: string): string {
  return readFileSync(`${ROOT}${path}`, "utf8");
}

/** KEY=value lines of a dotenv file (comments and blank lines skipped; the last one wins). */
export function parseDotenv(text: string): Map<string, string> {
  const vars = new Map<string, string>();
  for (const line of text.split("\n")) {
    const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (m?.[1] !== undefined && m[2] !== undefined) vars.set(m[1], m[2]);
  }
  return vars;
}

/** The variables the bot reads (src/config.ts), as listed in the deployment brief. */
export const BOT_ENV = [
  "SLACK_BOT_TOKEN",
  "SLACK_SIGNING_SECRET",
  "SLACK_APP_TOKEN",
  "SLACK_API_URL",
  "KESTRA_URL",
  "KESTRA_USERNAME",
  "KESTRA_PASSWORD",
  "KESTRA_TENANT",
  "KESTRA_NAMESPACE",
  "KESTRA_PUBLIC_URL",
  "AUTOFIX_WEBHOOK_TOKEN",
  "GITHUB_TOKEN",
  "GITHUB_API_URL",
  "AUTOFIX_ALERT_CHANNEL",
  "AUTOFIX_APPROVERS",
  "AUTOFIX_ALLOWED_REPOS",
  "LOG_LEVEL",
  "PORT",
] as const;

/** The Kestra secrets the flows read with secret('…'), and the plain .env value each is made from. */
export const KESTRA_SECRETS = {
  AUTOFIX_WEBHOOK_TOKEN: "AUTOFIX_WEBHOOK_TOKEN",
  OPENAI_API_KEY: "OPENAI_API_KEY",
  GITHUB_READ_TOKEN: "GITHUB_TOKEN",
  GITHUB_PR_TOKEN: "GITHUB_PR_TOKEN",
} as const;
