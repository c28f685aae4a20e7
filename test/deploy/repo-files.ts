// Reads deployment files from the repository root and parses .env files.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { CONFIG_ENV_KEYS } from "../../src/config.ts";

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
/** What the bot reads, from its own config schema; tuning knobs with sane defaults stay out of compose. */
export const BOT_ENV = CONFIG_ENV_KEYS.filter(
  (k) =>
    ![
      "KESTRA_TIMEOUT_MS",
      "LOG_FORMAT",
      "AUTOFIX_RECONCILE_INTERVAL_SECONDS",
      "AUTOFIX_RECONCILE_LOOKBACK_HOURS",
    ].includes(k),
);

/** The Kestra secrets the flows read with secret('…'), and the plain .env value each is made from. */
export const KESTRA_SECRETS = {
  AUTOFIX_WEBHOOK_TOKEN: "AUTOFIX_WEBHOOK_TOKEN",
  OPENAI_API_KEY: "OPENAI_API_KEY",
  GITHUB_READ_TOKEN: "GITHUB_TOKEN",
  GITHUB_PR_TOKEN: "GITHUB_PR_TOKEN",
} as const;
