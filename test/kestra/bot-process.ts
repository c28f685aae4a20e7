// The bot as a real process, started as `npm start` does (`node src/main.ts`), with exactly the
// environment given (plus PATH). Its JSON log lines are kept for diagnosis.
//
// Exports:
//   freePort() -> Promise<number>         a port nothing listens on right now (127.0.0.1)
//   startBot(env) -> Promise<BotProcess>  resolves once the bot logged "autofix-slack is up"
//   BotProcess { url, port, pid, logs(), stop() }

import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";
import { ROOT } from "./engine.ts";

const MAIN = join(ROOT, "src/main.ts");

export interface BotProcess {
  url: string;
  port: number;
  pid: number;
  /** Everything the bot printed (JSON lines on stdout, anything on stderr). */
  logs(): string;
  /** SIGTERM, then SIGKILL after 10 s; resolves with the exit code. */
  stop(): Promise<number | null>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function startBot(
  env: Record<string, string>,
  timeoutMs = 20_000,
): Promise<BotProcess> {
  const child: ChildProcess = spawn(process.execPath, [MAIN], {
    cwd: ROOT,
    env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error("bot: spawn failed");
  let output = "";
  child.stdout?.setEncoding("utf8").on("data", (d: string) => {
    output += d;
  });
  child.stderr?.setEncoding("utf8").on("data", (d: string) => {
    output += d;
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => resolve(code)),
  );

  const deadline = Date.now() + timeoutMs;
  let port: number | undefined;
  while (port === undefined) {
    const line = output.split("\n").find((l) => l.includes('"autofix-slack is up"'));
    if (line) port = (JSON.parse(line) as { port: number }).port;
    else if (child.exitCode !== null)
      throw new Error(`bot exited with ${child.exitCode}:\n${output}`);
    else if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`bot not up after ${timeoutMs} ms:\n${output}`);
    } else await new Promise((r) => setTimeout(r, 50));
  }

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    pid,
    logs: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
