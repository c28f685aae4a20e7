import { z } from "zod";

// The body a flow task POSTs to the bot's /kestra/events. It is only a wake-up call:
// the bot re-reads the execution from Kestra before it believes anything here.

export const NOTIFICATION_EVENTS = [
  "started",
  "patch_ready",
  "pr_created",
  "failed",
  "finished",
  /** From setup-check: its report is ready (and the bot's token was accepted, or it would be 401). */
  "setup_check",
  /** From file-issue, once it has ended: the issue was filed (or not), its run may start. */
  "file_issue",
] as const;
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];

export const EXECUTION_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const MAX_NOTIFICATION_TEXT = 4000;

// Pebble renders a missing value as "", so an empty optional field means "not known".
const optionalText = (max: number) =>
  z
    .string()
    .max(max, { error: `must be at most ${max} characters` })
    .optional()
    .transform((v) => (v === undefined || v.trim() === "" ? undefined : v));

export const notificationSchema = z.strictObject({
  executionId: z
    .string({ error: "executionId is required" })
    .regex(EXECUTION_ID_PATTERN, { error: "executionId must be a Kestra execution id" }),
  event: z.enum(NOTIFICATION_EVENTS, {
    error: `event must be one of ${NOTIFICATION_EVENTS.join(", ")}`,
  }),
  patchUri: optionalText(2000).refine((v) => v === undefined || v.startsWith("kestra:///"), {
    error: "patchUri must be a kestra:/// URI",
  }),
  /** patch_ready: the worker's result.json, so the bot needs no outputs read. */
  resultUri: optionalText(2000).refine((v) => v === undefined || v.startsWith("kestra:///"), {
    error: "resultUri must be a kestra:/// URI",
  }),
  summary: optionalText(MAX_NOTIFICATION_TEXT),
  prUrl: optionalText(2000).refine((v) => v === undefined || /^https:\/\/\S+$/.test(v), {
    error: "prUrl must be an https URL",
  }),
  error: optionalText(MAX_NOTIFICATION_TEXT),
});

export type Notification = z.output<typeof notificationSchema>;
export type NotificationInput = z.input<typeof notificationSchema>;
