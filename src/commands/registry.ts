import { batchCommand } from "./batch.ts";
import { cancelCommand } from "./cancel.ts";
import { fixCommand } from "./fix.ts";
import { listCommand } from "./list.ts";
import { logsCommand } from "./logs.ts";
import { retryCommand } from "./retry.ts";
import { statusCommand } from "./status.ts";
import type { AnySubcommand } from "./types.ts";

/** Every `/autofix` subcommand, in the order help lists them. The default (issue URL) is first. */
export const SUBCOMMANDS: AnySubcommand[] = [
  fixCommand,
  batchCommand,
  statusCommand,
  listCommand,
  cancelCommand,
  retryCommand,
  logsCommand,
];

export const HELP_WORDS = ["help", "-h", "--help", "?"];

/** The subcommand a first word names, or the default one (an issue URL). */
export function findSubcommand(word: string): AnySubcommand {
  const lower = word.toLowerCase();
  return SUBCOMMANDS.find((c) => c.name !== "" && c.name === lower) ?? fixCommand;
}
