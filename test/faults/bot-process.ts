import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";

// The bot as a real process (`node src/main.ts`, what `npm start` runs) on a fixed port, so that
// the flow's notifications reach whichever process serves it now. SIGKILL ends it without any
// shutdown work: what it had not written anywhere is gone, as in a crash or an OOM kill.

const MAIN = new URL("../../src/main.ts", import.meta.url).pathname;
const UP_TIMEOUT_MS = 20_000;

export interface BotProcessOptions {
  /** The script node runs (default src/main.ts). */
  entry?: string;
  /** Node's own flags, before the script (e.g. --inspect for a look at the heap from outside). */
  execArgv?: string[];
}

export class BotProcess {
  readonly name: string;
  readonly port: number;
  readonly url: string;
  private readonly env: Record<string, string>;
  private readonly entry: string;
  private readonly execArgv: string[];
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private up: Promise<void> = Promise.resolve();
  /** Every process's log lines (JSON), oldest first; kept across restarts. */
  readonly logs: string[] = [];
  /** Processes started, the first included. */
  starts = 0;

  constructor(
    name: string,
    port: number,
    env: Record<string, string>,
    options: BotProcessOptions = {},
  ) {
    this.name = name;
    this.port = port;
    this.url = `http://127.0.0.1:${port}`;
    this.env = { ...env, PORT: String(port) };
    this.entry = options.entry ?? MAIN;
    this.execArgv = options.execArgv ?? [];
  }

  get alive(): boolean {
    return this.child !== undefined;
  }

  /** The current process's id (undefined when none runs). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts a process; resolves once it logs that it serves HTTP. */
  start(): Promise<void> {
    if (this.child) throw new Error(`${this.name}: already running`);
    const generation = ++this.starts;
    const child = spawn(process.execPath, [...this.execArgv, this.entry], {
      env: { PATH: process.env["PATH"] ?? "", ...this.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child = child;
    this.exited = new Promise((resolve) =>
      child.once("exit", () => {
        if (this.child === child) this.child = undefined;
        resolve();
      }),
    );
    let ready: () => void = () => {};
    let failed: (err: Error) => void = () => {};
    this.up = new Promise<void>((resolve, reject) => {
      ready = resolve;
      failed = reject;
    });
    let partial = "";
    child.stdout?.on("data", (chunk) => {
      const lines = (partial + String(chunk)).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) {
        this.logs.push(`[${this.name}#${generation}] ${line}`);
        // main.ts's "autofix-slack is up" (its words may be scrubbed: the test database's password
        // is "autofix", and the logger hides every secret value).
        if (/"mode":"http".*-slack is up"/.test(line)) ready();
      }
    });
    child.stderr?.on("data", (chunk) =>
      this.logs.push(`[${this.name}#${generation} stderr] ${chunk}`),
    );
    const tail = () => this.logs.slice(-15).join("\n");
    const timer = setTimeout(
      () =>
        failed(
          new Error(`${this.name}#${generation} not up after ${UP_TIMEOUT_MS} ms:\n${tail()}`),
        ),
      UP_TIMEOUT_MS,
    );
    void this.exited.then(() =>
      failed(new Error(`${this.name}#${generation} exited before it was up:\n${tail()}`)),
    );
    return this.up.finally(() => clearTimeout(timer));
  }

  /** Resolves once the current process serves HTTP (now, or after a restart in progress). */
  async ready(): Promise<void> {
    await this.up;
  }

  /** Resolves once the current process has finished its start-up catch-up (the reconciler's pass). */
  async caughtUp(): Promise<void> {
    const starts = this.starts;
    const generation = `[${this.name}#${starts}] `;
    const done = (l: string) =>
      l.startsWith(generation) &&
      (l.includes('"msg":"reconciled"') || l.includes('"task":"reconcile at start-up"'));
    const deadline = Date.now() + UP_TIMEOUT_MS;
    while (!this.logs.some(done)) {
      if (!this.child || this.starts !== starts) {
        throw new Error(`${this.name}#${starts}: exited during its start-up catch-up`);
      }
      if (Date.now() > deadline) throw new Error(`${this.name}: no start-up catch-up`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** SIGKILL: no shutdown hook runs, nothing in flight is finished. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.kill("SIGKILL");
    await this.exited;
  }

  /** SIGTERM, the orderly stop (end of a test). */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.kill("SIGTERM");
    const force = setTimeout(() => child.kill("SIGKILL"), 15_000);
    await this.exited;
    clearTimeout(force);
  }

  /** Log lines (parsed) of every process so far that match. */
  logged(msg: string): Record<string, unknown>[] {
    return this.logs
      .map((l) => l.slice(l.indexOf("] ") + 2))
      .filter((l) => l.includes(`"msg":"${msg}"`))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  }
}

/** A port free now, for a bot that must keep it across restarts. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address === "string") throw new Error("no port");
  return address.port;
}
