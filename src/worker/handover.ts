import {
  accessSync,
  constants,
  mkdtempSync,
  readFileSync,
  rmdirSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { ConfigError } from "../errors.ts";
import { GITHUB_CREDENTIAL_ENV } from "./config.ts";

// The agent runs as the worker's uid, so it can read /proc/<pid>/environ of the worker and of
// every same-uid ancestor: deleting a token from the environment object changes nothing there, that page is
// only replaced by execve(2). So a worker started with GitHub tokens in its environment writes
// them to a private file and re-executes itself without them; the new image reads the file and
// deletes it before any command runs (long before the agent starts).

/** Names the path of the credentials file in the re-executed worker; also marks the re-exec. */
export const HANDOVER_ENV = "AUTOFIX_CREDENTIALS_FILE";
const HANDOVER_DIR_PREFIX = "autofix-handover-";
const HANDOVER_FILE = "credentials.json";

type Env = Record<string, string | undefined>;

export type Execve = (file: string, args: string[], env: Record<string, string>) => void;

/** What the re-exec needs of the running process. */
export interface ProcessImage {
  env: Env;
  /** process.argv: the node binary, the script, then the user's arguments. */
  argv: readonly string[];
  execPath: string;
  execArgv: readonly string[];
  /** process.execve, when this Node has it. */
  execve: Execve | undefined;
}

export interface SecuredEnvironment {
  /** The environment the worker runs with, credentials included. */
  env: Env;
  /** One line for stderr when the credentials had to stay in the process environment. */
  warning?: string;
}

/**
 * Returns only in the re-executed image (with the credentials taken back from the file), when
 * there are no credentials to hide, or when the re-exec is impossible (with a warning).
 * Throws ConfigError when a handed-over file cannot be read.
 */
export function secureEnvironment(image: ProcessImage): SecuredEnvironment {
  const handover = image.env[HANDOVER_ENV];
  if (handover !== undefined) {
    const { [HANDOVER_ENV]: _marker, ...rest } = image.env;
    return { env: { ...rest, ...takeCredentials(handover) } };
  }
  const credentials: Record<string, string> = {};
  for (const name of GITHUB_CREDENTIAL_ENV) {
    const value = image.env[name];
    if (value !== undefined) credentials[name] = value;
  }
  if (Object.keys(credentials).length === 0) return { env: image.env };
  const reason = reexecWithout(image, credentials);
  return {
    env: image.env,
    warning: `autofix: warning: cannot re-execute without the GitHub tokens in the environment (${reason}); the agent may be able to read them from /proc`,
  };
}

/** Re-executes the process; returns only on failure, with the reason. */
function reexecWithout(image: ProcessImage, credentials: Record<string, string>): string {
  const { execve } = image;
  if (execve === undefined) return "process.execve is not available in this Node";
  const script = image.argv[1];
  if (script === undefined) return "no script path in argv";
  try {
    // A failed native execve aborts Node rather than throwing: check what can be checked first.
    accessSync(image.execPath, constants.X_OK);
  } catch (err) {
    return `${image.execPath} is not executable (${codeOf(err)})`;
  }
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(image.env)) {
    if (value !== undefined && !(name in credentials)) env[name] = value;
  }
  let dir: string;
  try {
    dir = mkdtempSync(join(tmpdir(), HANDOVER_DIR_PREFIX));
  } catch (err) {
    return `cannot create a private temp directory (${codeOf(err)})`;
  }
  const file = join(dir, HANDOVER_FILE);
  try {
    writeFileSync(file, JSON.stringify(credentials), { mode: 0o600, flag: "wx" });
    env[HANDOVER_ENV] = file;
    execve(
      image.execPath,
      [image.execPath, ...image.execArgv, script, ...image.argv.slice(2)],
      env,
    );
    return "process.execve returned";
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    return err instanceof Error ? err.message.split("\n")[0] || codeOf(err) : String(err);
  }
}

/** Reads the credentials file and deletes it and its directory, whatever its content. */
function takeCredentials(file: string): Record<string, string> {
  const dir = dirname(file);
  // Only ever delete what reexecWithout made, even if the variable was set by someone else.
  if (basename(file) !== HANDOVER_FILE || !basename(dir).startsWith(HANDOVER_DIR_PREFIX)) {
    throw handoverError(`${JSON.stringify(file)} is not a credentials file of the worker`);
  }
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw handoverError(`cannot read ${JSON.stringify(file)} (${codeOf(err)})`);
  } finally {
    try {
      unlinkSync(file);
    } catch {
      // Already gone.
    }
    try {
      rmdirSync(dir);
    } catch {
      // Gone, or not empty: leave it.
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw handoverError("the credentials file is not JSON");
  }
  const out: Record<string, string> = {};
  const allowed: readonly string[] = GITHUB_CREDENTIAL_ENV;
  if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) {
    for (const [name, value] of Object.entries(parsed)) {
      if (allowed.includes(name) && typeof value === "string") out[name] = value;
    }
  }
  return out;
}

function handoverError(detail: string): ConfigError {
  return new ConfigError([
    `${HANDOVER_ENV}: ${detail}; it is set only by the worker for its own re-exec, unset it`,
  ]);
}

function codeOf(err: unknown): string {
  const code = (err as { code?: unknown }).code;
  return typeof code === "string" ? code : String(err);
}
