// `npm run dev`: the bot on this machine against the stack's Kestra (docker compose up -d kestra).
// Reads .env as compose does, points KESTRA_URL at the published Kestra port, and prints readable
// logs when attached to a terminal (JSON otherwise, e.g. piped into a file).
import "./node-24.mjs";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const envFile = process.env.AUTOFIX_ENV_FILE || fileURLToPath(new URL("../.env", import.meta.url));
if (!existsSync(envFile)) {
  process.stderr.write(
    `There is no ${envFile} yet: run scripts/make-env.sh first (it creates one from .env.example).\n`,
  );
  process.exit(2);
}
// Values already in the environment win, as with compose.
const own = { ...process.env };
process.loadEnvFile(envFile);
Object.assign(process.env, own);
if (!own.KESTRA_URL) process.env.KESTRA_URL = `http://localhost:${process.env.KESTRA_PORT || 8080}`;
if (!own.LOG_FORMAT) process.env.LOG_FORMAT = process.stdout.isTTY ? "pretty" : "json";

await import("../src/main.ts");
