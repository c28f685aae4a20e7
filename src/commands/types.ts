import type { RespondFn } from "@slack/bolt";
import type { Viewer } from "../runs/queries.ts";

/** Who typed the command, and where. */
export interface CommandContext {
  team: string;
  channel: string;
  user: string;
  triggerId: string;
  respond: RespondFn;
}

/** The person who typed the command, looking at runs from the channel they typed it in. */
export function viewerOf(ctx: CommandContext): Viewer {
  return { team: ctx.team, user: ctx.user, channel: ctx.channel };
}

export type ParseResult<A> = { ok: true; args: A } | { ok: false; message: string };

/**
 * One `/autofix <name> …` subcommand. `parse` is pure and runs before the ack, so bad input is
 * answered at once; `run` does the I/O after the ack, with the dependencies `D` it names.
 */
export interface Subcommand<A, D> {
  /** First word of the command text; "" for the default (an issue URL). */
  name: string;
  usage: string;
  summary: string;
  examples: string[];
  /** It starts runs: its work after the ack waits its turn behind other starts (see the listener). */
  starts?: boolean;
  parse(words: string[], env: { webHost: string }): ParseResult<A>;
  run(d: D, ctx: CommandContext, args: A): Promise<void>;
}

/** Erases A for the registry, keeping parse and run paired. */
export interface AnySubcommand<D> {
  name: string;
  usage: string;
  summary: string;
  examples: string[];
  starts: boolean;
  parseAndBind(
    words: string[],
    env: { webHost: string },
  ):
    | { ok: true; run: (d: D, ctx: CommandContext) => Promise<void> }
    | { ok: false; message: string };
}

export function subcommand<A, D>(def: Subcommand<A, D>): AnySubcommand<D> {
  return {
    name: def.name,
    usage: def.usage,
    summary: def.summary,
    examples: def.examples,
    starts: def.starts === true,
    parseAndBind(words, env) {
      const parsed = def.parse(words, env);
      if (!parsed.ok) return { ok: false, message: `${parsed.message}\nUsage: \`${def.usage}\`` };
      return { ok: true, run: (d, ctx) => def.run(d, ctx, parsed.args) };
    },
  };
}
