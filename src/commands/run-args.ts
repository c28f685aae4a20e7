import { EXECUTION_ID_PATTERN } from "../contracts/notification.ts";
import { parseIssueHandle, parseIssueUrl } from "../shared/issue-url.ts";
import type { RunRef } from "../shared/run-ref.ts";
import { escapeText, truncate } from "../slack/mrkdwn.ts";
import type { ParseResult } from "./types.ts";

/** A word the person typed, safe to echo back in mrkdwn. */
export function quoted(word: string): string {
  return `\`${escapeText(truncate(word.replace(/`/g, "'"), 80))}\``;
}

/**
 * A run as people name it: its issue (acme/api#42, or the issue's URL: its newest run) or
 * Kestra's execution id.
 */
export function parseRunRef(word: string, webHost: string): ParseResult<RunRef> {
  const handle = parseIssueHandle(word, webHost);
  if (handle) return { ok: true, args: { kind: "issue", issue: handle } };
  // Anything with a scheme or a slash was meant as an issue: say what is wrong with it.
  if (/^<?https?:|\//i.test(word)) {
    const parsed = parseIssueUrl(word, webHost);
    if (!parsed.ok) {
      return {
        ok: false,
        message: `${quoted(word)} is not an issue: ${parsed.reason}. Name it as acme/api#42 or by its URL.`,
      };
    }
    return { ok: true, args: { kind: "issue", issue: parsed.issue } };
  }
  if (EXECUTION_ID_PATTERN.test(word)) {
    return { ok: true, args: { kind: "execution", executionId: word } };
  }
  return {
    ok: false,
    message: `${quoted(word)} names no run: give its issue (acme/api#42) or its Kestra execution id.`,
  };
}

/** Exactly one run, as `cancel`, `retry` and `logs` take. */
export function parseRunArg(
  name: string,
  words: string[],
  webHost: string,
): ParseResult<{ run: RunRef }> {
  const [first, ...rest] = words;
  if (first === undefined) {
    return {
      ok: false,
      message: `\`/autofix ${name}\` needs the run: its issue (acme/api#42) or its execution id.`,
    };
  }
  if (rest.length > 0) {
    return {
      ok: false,
      message: `\`/autofix ${name}\` takes one run; remove ${quoted(rest.join(" "))}.`,
    };
  }
  const ref = parseRunRef(first, webHost);
  return ref.ok ? { ok: true, args: { run: ref.args } } : ref;
}
