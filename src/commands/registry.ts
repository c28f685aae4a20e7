import type { Outages } from "../runs/failure.ts";
import { closest } from "../shared/closest.ts";
import { type BatchDeps, batchCommand } from "./batch.ts";
import { cancelCommand } from "./cancel.ts";
import { type FixDeps, fixCommand } from "./fix.ts";
import { type ListDeps, listCommand } from "./list.ts";
import { type LogsDeps, logsCommand } from "./logs.ts";
import { retryCommand } from "./retry.ts";
import type { RunOperationDeps } from "./run-operation.ts";
import { type StatusDeps, statusCommand } from "./status.ts";
import type { AnySubcommand } from "./types.ts";

/** What the subcommands use between them; each one declares (and gets) only its own part. */
export type CommandDeps = FixDeps &
  BatchDeps &
  StatusDeps &
  ListDeps &
  RunOperationDeps &
  LogsDeps & {
    /** A command that failed on Kestra being down is told to the admins too. */
    outages: Outages;
  };

/** Every `/autofix` subcommand, in the order help lists them. The default (issue URL) is first. */
export const SUBCOMMANDS: AnySubcommand<CommandDeps>[] = [
  fixCommand,
  batchCommand,
  statusCommand,
  listCommand,
  cancelCommand,
  retryCommand,
  logsCommand,
];

export const HELP_WORDS = ["help", "-h", "--help", "?"];

export type Found =
  | { ok: true; sub: AnySubcommand<CommandDeps> }
  | { ok: false; word: string; suggestion: string | undefined; names: string[] };

/**
 * The subcommand a first word names, or the default one (an issue) for anything else that is not
 * a bare word: a bare word is a mistyped or unknown subcommand, not an issue.
 */
export function findSubcommand(word: string): Found {
  const lower = word.toLowerCase();
  const named = SUBCOMMANDS.find((c) => c.name !== "" && c.name === lower);
  if (named) return { ok: true, sub: named };
  if (!/^[a-z][a-z-]*$/i.test(word)) return { ok: true, sub: fixCommand };
  const names = [...SUBCOMMANDS.map((c) => c.name).filter((n) => n !== ""), "help"];
  return { ok: false, word, suggestion: closest(word, names), names };
}
