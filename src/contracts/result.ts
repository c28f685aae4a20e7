import { z } from "zod";

// result.json, written by `autofix fix` next to patch.diff and summary.md.

export const fileChangeSchema = z.strictObject({
  path: z.string(),
  additions: z.number().int().nonnegative(),
  deletions: z.number().int().nonnegative(),
});

export const resultSchema = z.strictObject({
  issue: z.strictObject({
    owner: z.string(),
    repo: z.string(),
    number: z.number().int().positive(),
    url: z.string(),
    title: z.string(),
  }),
  files: z.array(fileChangeSchema),
  additions: z.number().int().nonnegative(),
  deletions: z.number().int().nonnegative(),
  durationMs: z.number().int().nonnegative(),
  agent: z.strictObject({
    name: z.string(),
    model: z.string().optional(),
  }),
  usage: z
    .strictObject({
      inputTokens: z.number().nonnegative().optional(),
      outputTokens: z.number().nonnegative().optional(),
      costUsd: z.number().nonnegative().optional(),
    })
    .optional(),
  explanation: z.string().optional(),
});

export type FileChange = z.output<typeof fileChangeSchema>;
export type AutofixResult = z.output<typeof resultSchema>;
