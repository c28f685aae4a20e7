import { LogLevel, type Logger as SlackLogger } from "@slack/bolt";
import type { Logger } from "../logger.ts";

/**
 * Bolt and WebClient log through pino, so the same secret scrubbing applies. An Error among the
 * arguments goes to pino as `err` (message, stack, code); JSON would render it as `{}`.
 */
export function boltLogger(logger: Logger): SlackLogger {
  let level = LogLevel.INFO;
  const log = logger.child({ component: "bolt" });
  const write =
    (at: "debug" | "info" | "warn" | "error") =>
    (...msg: unknown[]) => {
      const err = msg.find((m): m is Error => m instanceof Error);
      const text = msg
        .filter((m) => m !== err)
        .map((m) => (typeof m === "string" ? m : JSON.stringify(m)))
        .join(" ");
      if (err) log[at]({ err }, text || err.message);
      else log[at](text);
    };
  return {
    debug: write("debug"),
    info: write("info"),
    warn: write("warn"),
    error: write("error"),
    setLevel: (l) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => {},
  };
}
