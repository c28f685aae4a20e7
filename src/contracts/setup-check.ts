import { z } from "zod";

// check.json, written by `autofix check` inside Kestra's setup-check flow and read by the bot.
// Booleans only: never a secret, nor anything derived from one. `null` means "not checked" (the
// token is not set, or there is no repository to check it on).

export const tokenCheckSchema = z.strictObject({
  set: z.boolean(),
  /** GitHub accepted it (an authenticated call did not answer 401). */
  valid: z.boolean().nullable(),
  canRead: z.boolean().nullable(),
  /** The repository's `permissions.push` as GitHub reports it for this token. */
  canPush: z.boolean().nullable(),
});

export const setupCheckReportSchema = z.strictObject({
  /** owner/repo the tokens were tried on, or null when none is configured. */
  repo: z.string().nullable(),
  readToken: tokenCheckSchema,
  prToken: tokenCheckSchema,
  llmKey: z.strictObject({ set: z.boolean() }),
});

export type TokenCheck = z.output<typeof tokenCheckSchema>;
export type SetupCheckReport = z.output<typeof setupCheckReportSchema>;
