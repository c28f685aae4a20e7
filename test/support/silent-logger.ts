import { type Logger, LogLevel } from "@slack/bolt";

/** For the SDK's clients in tests: they log Slack's response_metadata at error level. */
export const silent: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  setLevel: () => {},
  getLevel: () => LogLevel.ERROR,
  setName: () => {},
};
