import type { DestinationStream } from "pino";

// Readable log lines for a person at a terminal (npm run dev); production keeps JSON.

const LEVELS: Record<number, string> = {
  10: "TRACE",
  20: "DEBUG",
  30: "INFO ",
  40: "WARN ",
  50: "ERROR",
  60: "FATAL",
};
const SKIP = new Set(["level", "time", "msg", "pid", "hostname", "err"]);

/** "12:03:04 INFO  autofix-slack is up port=3000 mode=socket", then an error's stack if any. */
export function prettyLine(json: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const time = new Date(Number(entry["time"] ?? Date.now())).toTimeString().slice(0, 8);
  const level = LEVELS[Number(entry["level"])] ?? String(entry["level"]);
  const fields = Object.entries(entry)
    .filter(([k]) => !SKIP.has(k))
    .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`);
  const err = entry["err"] as { message?: string; stack?: string } | undefined;
  const head = [time, level, String(entry["msg"] ?? ""), ...fields].join(" ");
  const detail = err ? `\n  ${(err.stack ?? err.message ?? "").replace(/\n/g, "\n  ")}` : "";
  return `${head}${detail}\n`;
}

export function prettyDestination(out: NodeJS.WritableStream = process.stdout): DestinationStream {
  return {
    write(line: string) {
      out.write(prettyLine(line));
    },
  };
}
