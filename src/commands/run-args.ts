import { EXECUTION_ID_PATTERN } from "../contracts/notification.ts";
import { escapeText, truncate } from "../slack/mrkdwn.ts";
import type { ParseResult } from "./types.ts";

/** A word the person typed, safe to echo back in mrkdwn. */
export function quoted(word: string): string {
  return `\`${escapeText(truncate(word.replace(/`/g, "'"), 80))}\``;
}

export function badExecutionId(word: string): string {
  return `${quoted(word)} is not a Kestra execution id (letters, digits, - and _, at most 64).`;
}

/** Exactly one execution id, as `cancel`, `retry` and `logs` take. */
export function parseExecutionIdArg(
  name: string,
  words: string[],
): ParseResult<{ executionId: string }> {
  const [first, ...rest] = words;
  if (first === undefined) {
    return { ok: false, message: `\`/autofix ${name}\` needs the run's execution id.` };
  }
  if (!EXECUTION_ID_PATTERN.test(first)) return { ok: false, message: badExecutionId(first) };
  if (rest.length > 0) {
    return {
      ok: false,
      message: `\`/autofix ${name}\` takes one execution id; remove ${quoted(rest.join(" "))}.`,
    };
  }
  return { ok: true, args: { executionId: first } };
}
