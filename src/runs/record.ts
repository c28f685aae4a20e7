import { z } from "zod";
import type { KestraClient } from "../kestra/client.ts";
import type { RunStatus } from "./status.ts";

// What the bot has already shown in Slack for a run, kept in Kestra's KV store so that a
// restarted or second replica does not post it again.

const recordSchema = z.object({
  v: z.literal(1),
  /** Restarts seen; failures are reported once per attempt. */
  attempt: z.number().int().default(0),
  status: z.string().optional(),
  rootText: z.string().optional(),
  started: z.boolean().optional(),
  patch: z
    .object({
      kind: z.enum(["snippet", "file", "empty", "unavailable"]),
      actionsTs: z.string().optional(),
      buttonsOpen: z.boolean().optional(),
      /** The attempt (restart count) the buttons were posted for. */
      buttonsFor: z.number().int().optional(),
    })
    .optional(),
  decision: z.object({ approved: z.boolean(), by: z.string(), at: z.string() }).optional(),
  prUrl: z.string().optional(),
  failureAttempt: z.number().int().optional(),
  /** Time and cost the worker reported (result.json), shown on the patch and in batch digests. */
  metrics: z
    .object({
      durationMs: z.number().optional(),
      tokens: z.number().optional(),
      costUsd: z.number().optional(),
    })
    .optional(),
  /** Batches: the issues the batch skipped, read once from its `issues` task. */
  skipped: z
    .array(z.object({ number: z.number(), url: z.string(), reason: z.string() }))
    .optional(),
  /** The last state change a stuck-run alert was raised for. */
  stuckAlertFor: z.string().optional(),
  closedAs: z.string().optional(),
  /** Revise: a newer run took over this run's thread, so this run no longer updates its root. */
  revised: z.object({ by: z.string(), at: z.string() }).optional(),
});

export type RunRecord = z.output<typeof recordSchema> & { status?: RunStatus };

export function newRecord(): RunRecord {
  return { v: 1, attempt: 0 };
}

export function recordKey(executionId: string): string {
  return `slack-run-${executionId}`;
}

export class RunStore {
  private readonly kestra: KestraClient;
  constructor(kestra: KestraClient) {
    this.kestra = kestra;
  }

  async get(executionId: string): Promise<RunRecord> {
    const raw = await this.kestra.kvGet(recordKey(executionId));
    const value = typeof raw === "string" ? safeJson(raw) : raw;
    const parsed = recordSchema.safeParse(value);
    return parsed.success ? (parsed.data as RunRecord) : newRecord();
  }

  async put(executionId: string, record: RunRecord): Promise<void> {
    await this.kestra.kvPut(recordKey(executionId), record);
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
