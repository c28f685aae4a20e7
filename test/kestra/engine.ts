// Starts the REAL Kestra 2.0 engine (kestra/engine/, via scripts/kestra-engine.sh) for the slow
// `vitest.kestra.config.ts` suite.
//
// Exports:
//   startEngine(opts) -> Promise<RunningEngine>
//     opts.env          variables for the JVM: SECRET_* (base64, Kestra's SecretService), ENV_* (envs.*),
//                       and anything script tasks should inherit (the Process runner passes the JVM's
//                       environment on to its commands)
//     opts.pathPrepend  directories put in front of PATH (e.g. Node 24 and the repo's bin/)
//     opts.flowsDir     flows to load (default kestra/workflows); both dev.autofix flows must load
//     opts.port, opts.workerThreads, opts.dataDir, opts.readyTimeoutMs
//   RunningEngine { url, username, password, version, flows, startupMs, pid, logs(), rssKiB(), stop() }
//   engineAuth(engine)               -> the Authorization header for raw requests
//   engineClient(engine, namespace)  -> the bot's own KestraClient for one namespace
//
// The JVM runs in its own process group; stop() sends SIGTERM to the group, then SIGKILL after 15 s.

import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { KestraClient } from "../../src/kestra/client.ts";
import { createLogger } from "../../src/logger.ts";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const ENGINE_SCRIPT = join(ROOT, "scripts/kestra-engine.sh");
/** The Node 24 the project installs under .tools (the worker CLI needs type stripping). */
export const NODE24_BIN = join(ROOT, ".tools/node-24.9.0/node_modules/node/bin");
export const REPO_BIN = join(ROOT, "bin");

/** The launcher's basic-auth defaults (kestra/engine Options): an e-mail and a Kestra-valid password. */
export const ENGINE_USERNAME = "admin@kestra.io";
export const ENGINE_PASSWORD = "Kestra2026";

const READY = "KESTRA-ENGINE READY ";

export interface StartEngineOptions {
  env?: Record<string, string>;
  pathPrepend?: string[];
  flowsDir?: string;
  port?: number;
  workerThreads?: number;
  dataDir?: string;
  /** Includes a first build of the launcher with Maven (default 10 minutes). */
  readyTimeoutMs?: number;
}

export interface RunningEngine {
  /** http://127.0.0.1:PORT, no trailing slash. */
  url: string;
  username: string;
  password: string;
  version: string;
  flows: string[];
  /** The launcher's own measure: JVM start to ready. */
  startupMs: number;
  pid: number;
  /** Everything the JVM printed so far (stdout and stderr). */
  logs(): string;
  /** Resident memory of the JVM, from /proc (KiB), or undefined once it is gone. */
  rssKiB(): Promise<number | undefined>;
  stop(): Promise<void>;
}

interface ReadyLine {
  url: string;
  version: string;
  flows: string[];
  startupMs: number;
}

type Credentials = Pick<RunningEngine, "username" | "password">;

export function engineAuth(e: Credentials): string {
  return `Basic ${Buffer.from(`${e.username}:${e.password}`).toString("base64")}`;
}

export function engineClient(e: Credentials & Pick<RunningEngine, "url">, namespace: string) {
  return new KestraClient({
    baseUrl: e.url,
    username: e.username,
    password: e.password,
    tenant: "main",
    namespace,
    timeoutMs: 60_000,
    logger: createLogger({ level: "silent", secrets: [] }),
  });
}

export async function startEngine(opts: StartEngineOptions = {}): Promise<RunningEngine> {
  const ownData = opts.dataDir === undefined;
  const data = opts.dataDir ?? (await mkdtemp(join(tmpdir(), "kestra-engine-")));
  const basePath = process.env["PATH"] ?? "/usr/local/bin:/usr/bin:/bin";
  // A small, explicit environment: the JVM (and every Process-runner task) sees only this.
  // The launcher's own settings (which Java, JVM options) pass through from the caller (.ci/run).
  const launcher = Object.fromEntries(
    ["KESTRA_ENGINE_JAVA_HOME", "KESTRA_ENGINE_JAVA_OPTS"].flatMap((k) => {
      const v = process.env[k];
      return v ? [[k, v]] : [];
    }),
  );
  const env: Record<string, string> = {
    PATH: [...(opts.pathPrepend ?? []), basePath].join(":"),
    HOME: process.env["HOME"] ?? tmpdir(),
    LANG: "C.UTF-8",
    TZ: "UTC",
    ...launcher,
    ...(opts.env ?? {}),
  };
  const args = [
    ENGINE_SCRIPT,
    "--flows",
    opts.flowsDir ?? join(ROOT, "kestra/workflows"),
    "--data",
    data,
    "--worker-threads",
    String(opts.workerThreads ?? 4),
    "--username",
    ENGINE_USERNAME,
    "--password",
    ENGINE_PASSWORD,
  ];
  if (opts.port !== undefined) args.push("--port", String(opts.port));

  const child = spawn("sh", args, {
    cwd: ROOT,
    env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error("kestra-engine: spawn failed");

  let output = "";
  let stdoutBuf = "";
  const exited = new Promise<number | null>((resolveExit) => {
    child.once("exit", (code) => resolveExit(code));
  });

  const ready = new Promise<ReadyLine>((resolveReady, reject) => {
    child.stdout?.setEncoding("utf8");
    child.stderr?.setEncoding("utf8");
    child.stdout?.on("data", (chunk: string) => {
      output += chunk;
      stdoutBuf += chunk;
      let nl = stdoutBuf.indexOf("\n");
      while (nl >= 0) {
        const line = stdoutBuf.slice(0, nl);
        stdoutBuf = stdoutBuf.slice(nl + 1);
        if (line.startsWith(READY)) resolveReady(JSON.parse(line.slice(READY.length)) as ReadyLine);
        nl = stdoutBuf.indexOf("\n");
      }
    });
    child.stderr?.on("data", (chunk: string) => {
      output += chunk;
    });
    void exited.then((code) =>
      reject(new Error(`kestra-engine exited with ${code} before it was ready:\n${tail(output)}`)),
    );
  });

  const timeoutMs = opts.readyTimeoutMs ?? 600_000;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`kestra-engine not ready after ${timeoutMs} ms:\n${tail(output)}`)),
      timeoutMs,
    );
  });

  const stop = async (): Promise<void> => {
    await killGroup(child, pid, exited);
    if (ownData) await rm(data, { recursive: true, force: true });
  };

  let line: ReadyLine;
  try {
    line = await Promise.race([ready, timeout]);
  } catch (err) {
    await stop();
    throw err;
  } finally {
    clearTimeout(timer);
  }

  return {
    url: line.url,
    username: ENGINE_USERNAME,
    password: ENGINE_PASSWORD,
    version: line.version,
    flows: line.flows,
    startupMs: line.startupMs,
    pid,
    logs: () => output,
    rssKiB: () => rssKiB(pid),
    stop,
  };
}

async function killGroup(
  child: ChildProcess,
  pid: number,
  exited: Promise<number | null>,
): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig);
    } catch {
      // the group is already gone
    }
  };
  signal("SIGTERM");
  const done = await Promise.race([
    exited.then(() => true),
    new Promise<false>((r) => setTimeout(() => r(false), 15_000)),
  ]);
  if (!done) {
    signal("SIGKILL");
    await exited;
  }
}

async function rssKiB(pid: number): Promise<number | undefined> {
  try {
    const status = await readFile(`/proc/${pid}/status`, "utf8");
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return m?.[1] === undefined ? undefined : Number(m[1]);
  } catch {
    return undefined;
  }
}

function tail(text: string, lines = 60): string {
  return text.split("\n").slice(-lines).join("\n");
}
