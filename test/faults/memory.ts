import { readFile } from "node:fs/promises";
import type { BotProcess } from "./bot-process.ts";

// A bot process's memory, read from outside: its resident set from /proc/<pid>/status (VmRSS), and
// its V8 heap through Node's inspector (the process is started with --inspect=127.0.0.1:0; nothing
// in the product is involved): a garbage collection first, so that what is left is what is live.

/** Node's flags for a bot whose heap is read with HeapProbe. */
export const INSPECT_FLAGS = ["--inspect=127.0.0.1:0"];

export async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
  if (!kb) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(kb) / 1024;
}

/** CPU seconds the process has used so far (user + system, /proc/<pid>/stat). */
export async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name (which may hold spaces, inside parentheses).
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks / 100;
}

interface Pending {
  resolve(result: unknown): void;
  reject(err: Error): void;
}

/** One inspector session: HeapProfiler.collectGarbage, then Runtime.getHeapUsage. */
export class HeapProbe {
  private readonly socket: WebSocket;
  private readonly pending = new Map<number, Pending>();
  private next = 1;

  private constructor(socket: WebSocket) {
    this.socket = socket;
    socket.addEventListener("message", (event) => {
      const msg = JSON.parse(String(event.data)) as {
        id?: number;
        result?: unknown;
        error?: { message: string };
      };
      const waiter = msg.id !== undefined ? this.pending.get(msg.id) : undefined;
      if (!waiter || msg.id === undefined) return;
      this.pending.delete(msg.id);
      if (msg.error) waiter.reject(new Error(msg.error.message));
      else waiter.resolve(msg.result);
    });
  }

  /** Connects to the inspector the bot announced on stderr ("Debugger listening on ws://…"). */
  static async attach(bot: BotProcess): Promise<HeapProbe> {
    const deadline = Date.now() + 10_000;
    let url: string | undefined;
    while (!url) {
      url = bot.logs
        .map((l) => /Debugger listening on (ws:\/\/\S+)/.exec(l)?.[1])
        .find((u) => u !== undefined);
      if (url) break;
      if (Date.now() > deadline) throw new Error(`${bot.name}: no inspector URL on stderr`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const socket = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      socket.addEventListener("open", () => resolve(), { once: true });
      socket.addEventListener("error", () => reject(new Error(`cannot reach ${url}`)), {
        once: true,
      });
    });
    return new HeapProbe(socket);
  }

  private call<T>(method: string): Promise<T> {
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: (r) => resolve(r as T), reject });
      this.socket.send(JSON.stringify({ id, method }));
    });
  }

  /** The V8 heap in use after a full garbage collection, in MB. */
  async liveHeapMb(): Promise<number> {
    await this.call("HeapProfiler.collectGarbage");
    const usage = await this.call<{ usedSize: number }>("Runtime.getHeapUsage");
    return usage.usedSize / 1024 / 1024;
  }

  close(): void {
    this.socket.close();
  }
}
