// Text the agent produced (its explanation, its error lines, its log) may quote a secret, by
// accident or because a prompt-injected issue asked it to: such text is scrubbed before the worker
// writes it anywhere.

export const REDACTED = "[redacted]";

/** `text` with every occurrence of each secret replaced by [redacted]. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret !== "") out = out.replaceAll(secret, REDACTED);
  }
  return out;
}

/** Whether `data` holds one of the secrets verbatim. */
export function containsSecret(data: Buffer, secrets: readonly string[]): boolean {
  return secrets.some((secret) => secret !== "" && data.includes(secret));
}
