import type { types } from "@slack/bolt";

export type KnownBlock = types.KnownBlock;

/** A message as the builders return it: fallback text plus blocks. */
export interface Message {
  text: string;
  blocks: KnownBlock[];
}
