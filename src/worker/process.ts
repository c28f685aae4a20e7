import { spawn } from "node:child_process";

// Child processes of the worker: git (short, captured) and the agent (long, in its own process
// group so a timeout can kill everything it started).

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export interface RunOptions {
  cwd?: string;
  env: Record<string, string>;
  stdin?: string | Buffer;
  /** Kill the whole process group after this many ms. */
  timeoutMs?: number;
  /** Time between SIGTERM and SIGKILL. */
  killGraceMs?: number;
  /**
   * Keep at most this many bytes of each stream (the tail): for logs and error lines only, never
   * for output that must be whole (a patch goes to a file, see stagedPatch).
   */
  maxOutputBytes?: number;
}

const DEFAULT_MAX_OUTPUT = 8 * 1024 * 1024;

/**
 * Runs a command without a shell. The child leads its own process group (detached), and the
 * group is signalled when the child exits or times out, so grandchildren never outlive it.
 */
export function run(file: string, args: string[], opts: RunOptions): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      cwd: opts.cwd,
      env: opts.env,
      detached: true,
      stdio: ["pipe", "pipe", "pipe"],
    });
    const max = opts.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
    const stdout = new TailBuffer(max);
    const stderr = new TailBuffer(max);
    child.stdout.on("data", (c: Buffer) => stdout.push(c));
    child.stderr.on("data", (c: Buffer) => stderr.push(c));
    child.stdin.on("error", () => {}); // the child may exit before reading stdin
    child.stdin.end(opts.stdin ?? "");

    let timedOut = false;
    let killTimer: NodeJS.Timeout | undefined;
    const timer =
      opts.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            signalGroup(child.pid, "SIGTERM");
            killTimer = setTimeout(
              () => signalGroup(child.pid, "SIGKILL"),
              opts.killGraceMs ?? 3000,
            );
          }, opts.timeoutMs);

    child.on("error", (err) => {
      if (timer) clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      reject(err);
    });
    child.on("exit", () => {
      if (timer) clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      // Whatever the leader left running in its group (background jobs, servers) goes too;
      // they also hold our pipes open, so "close" would wait for them.
      signalGroup(child.pid, "SIGKILL");
    });
    child.on("close", (code, signal) => {
      resolve({ code, signal, stdout: stdout.text(), stderr: stderr.text(), timedOut });
    });
  });
}

function signalGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

class TailBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  private readonly max: number;
  constructor(max: number) {
    this.max = max;
  }
  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size > this.max && this.chunks.length > 1) {
      this.size -= this.chunks.shift()?.length ?? 0;
    }
  }
  text(): string {
    return Buffer.concat(this.chunks).toString("utf8");
  }
}

/** The last non-empty line of a command's output, for one-line error messages. */
export function lastLine(text: string): string {
  const lines = text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  return lines.at(-1) ?? "";
}
