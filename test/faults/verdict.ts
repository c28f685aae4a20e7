import type { RunStatus } from "../../src/shared/run-status.ts";
import { STATUS_TEXT } from "../../src/slack/blocks/status-text.ts";
import { ACTIONS } from "../../src/slack/ids.ts";
import type { FakeMessage } from "../fakes/slack.ts";
import { ALERTS, CHANNEL } from "../support/harness.ts";
import type { World } from "./world.ts";

// What a person would see, checked per run once it has settled: one snippet, one PR link, one alert
// per failure, no live buttons on a finished run, a root that says what Kestra says, and no
// decision shown in the thread that Kestra never applied.

export type Outcome = "pr" | "rejected" | "failed" | "dry";

/** One execution of a played run and what it should end as. */
export interface Expected {
  id: string;
  issue: number;
  outcome: Outcome;
  prUrl?: string;
  /** What the user clicked. */
  verdict?: "approve" | "reject";
}

export interface Played {
  /** The thread: the run's root, or a batch's digest. */
  rootTs: string;
  /** A batch's own execution; undefined for a single run. */
  batchId?: string;
  runs: Expected[];
  /** Times the user clicked (again only when the buttons were still live). */
  clicks: number;
  /** From the command to the final state shown (restarts included). */
  ms?: number;
}

export interface Figures {
  duplicates: number;
  lost: number;
  openButtons: number;
  missing: number;
  wrongRoot: number;
  /** Replies nobody asked for (no identity, no file). */
  unexpected: number;
  problems: string[];
}

const FINAL: Record<Outcome, RunStatus> = {
  pr: "pr_opened",
  rejected: "rejected",
  failed: "failed",
  dry: "finished",
};

const DECISION_BUTTONS = [ACTIONS.approve, ACTIONS.reject, ACTIONS.revise];

export function liveButtons(message: FakeMessage | undefined): boolean {
  const blocks = JSON.stringify(message?.blocks ?? []);
  return DECISION_BUTTONS.some((id) => blocks.includes(`"${id}"`));
}

function metaOf(m: FakeMessage): { run?: string; key?: string; [k: string]: unknown } | undefined {
  return m.metadata?.event_type === "autofix_post" ? m.metadata.event_payload : undefined;
}

/** The root text a run ends with, e.g. "PR opened". */
export function finalText(outcome: Outcome): string {
  return STATUS_TEXT[FINAL[outcome]];
}

export function inspect(w: World, played: Played): Figures {
  const f: Figures = { ...NONE, problems: [] };
  const problem = (kind: keyof Omit<Figures, "problems">, text: string, n = 1) => {
    f[kind] += n;
    f.problems.push(`${kind}: ${text}`);
  };
  const root = w.slack.message(CHANNEL, played.rootTs);
  const thread = w.slack.thread(CHANNEL, played.rootTs);
  if (!root) {
    problem("missing", `no root message ${played.rootTs}`);
    return f;
  }

  // Every post with an identity appears once.
  const byKey = new Map<string, number>();
  for (const m of thread) {
    const meta = metaOf(m);
    if (meta?.run && meta.key) {
      const k = `${meta.run} ${meta.key}`;
      byKey.set(k, (byKey.get(k) ?? 0) + 1);
    }
  }
  for (const [k, n] of byKey) if (n > 1) problem("duplicates", `${k} posted ${n} times`, n - 1);
  // The thread's messages without an identity are file shares only (and notes of lost decisions).
  for (const m of thread) {
    if (!metaOf(m) && m.files.length === 0) problem("unexpected", `reply "${m.text.slice(0, 80)}"`);
  }

  // Buttons: nothing left to decide once the runs have ended.
  for (const m of [root, ...thread]) {
    if (liveButtons(m))
      problem("openButtons", `live buttons on ${m.ts} ("${m.text.slice(0, 50)}")`);
  }

  const rootTextIs = (text: string) => root.text.endsWith(text);
  if (played.batchId) {
    const digest = JSON.stringify(root.blocks ?? []);
    // The batch's own line: "Finished: 1 PR opened, 1 rejected" (its children's outcomes).
    if (!/\*Finished: [^*]+\*/.test(digest)) {
      problem("wrongRoot", `digest does not say the batch finished: ${root.text}`);
    }
    if (w.kestra.execution(played.batchId).state.current !== "SUCCESS") {
      problem(
        "wrongRoot",
        `batch ${played.batchId} is ${w.kestra.execution(played.batchId).state.current} in Kestra`,
      );
    }
  }

  for (const run of played.runs) {
    const exec = w.kestra.execution(run.id);
    const slug = `acme/api#${run.issue}`;
    // Kestra's final state, then the root (or the digest row) that must show it.
    const kestraState = exec.state.current;
    const wantState = run.outcome === "failed" ? "FAILED" : "SUCCESS";
    if (kestraState !== wantState) problem("wrongRoot", `${slug} is ${kestraState} in Kestra`);
    const text = finalText(run.outcome);
    if (played.batchId) {
      const digest = JSON.stringify(root.blocks ?? []);
      // One row per child: "<issue url|acme/api#N> title — Status · …", rows split by "\n".
      const row = new RegExp(`${escapeRe(slug)}>[^\\\\]*? — ${escapeRe(text)} ·`);
      if (!row.test(digest)) {
        const shown = /\|acme\/api#\d+> [^\\]*/g;
        const rows = (digest.match(shown) ?? []).filter((r) => r.includes(`${slug}>`));
        problem("wrongRoot", `digest row of ${slug} does not say ${text}: ${rows.join(" / ")}`);
      }
      if (run.prUrl && !digest.includes(run.prUrl))
        problem("wrongRoot", `digest row of ${slug} lacks its PR`);
    } else if (!rootTextIs(text)) {
      problem("wrongRoot", `root says "${root.text}", Kestra's run ended ${run.outcome} (${text})`);
    }

    // One snippet per patch (a file share whose name carries the run's tag).
    const files = w.slack.files.filter(
      (file) =>
        file.threadTs === played.rootTs &&
        new RegExp(`^acme-api-${run.issue}-[0-9a-f]{10}\\.diff$`).test(file.filename),
    );
    const wantFiles = run.outcome === "failed" ? 0 : 1;
    if (files.length > wantFiles)
      problem("duplicates", `${slug}: ${files.length} snippets`, files.length - wantFiles);
    if (files.length < wantFiles) problem("missing", `${slug}: no snippet`);

    // One PR link in the thread for a PR run.
    if (run.prUrl) {
      const links = thread.filter((m) =>
        JSON.stringify([m.text, m.blocks]).includes(run.prUrl ?? ""),
      );
      if (links.length > 1)
        problem("duplicates", `${slug}: PR link posted ${links.length} times`, links.length - 1);
      if (links.length === 0) problem("missing", `${slug}: no PR link in the thread`);
    }

    // One failure reply and one alert per failure, none otherwise.
    const alerts = w.slack
      .channelMessages(ALERTS)
      .filter((m) => JSON.stringify(m.blocks ?? []).includes(run.id));
    const replies = thread.filter(
      (m) => metaOf(m)?.run === run.id && String(metaOf(m)?.key).startsWith("failure:"),
    );
    const want = run.outcome === "failed" ? 1 : 0;
    if (alerts.length > want)
      problem("duplicates", `${slug}: ${alerts.length} alerts`, alerts.length - want);
    if (alerts.length < want) problem("missing", `${slug}: no alert`);
    if (replies.length < want) problem("missing", `${slug}: no failure reply`);

    // A decision the thread shows must be the one Kestra applied, once.
    const shown: string[] = [];
    for (const m of [root, ...thread]) {
      const meta = metaOf(m);
      const decision = meta?.run === run.id ? meta["decision"] : undefined;
      if (decision && typeof decision === "object") {
        shown.push(String((decision as { verdict?: unknown }).verdict));
      }
    }
    const resumes = w.kestra.resumes.filter((r) => r.executionId === run.id);
    if (resumes.length > 1)
      problem("duplicates", `${slug}: resumed ${resumes.length} times`, resumes.length - 1);
    for (const verdict of new Set(shown)) {
      const applied = resumes.some((r) => r.inputs["approved"] === (verdict === "approve"));
      if (!applied)
        problem("lost", `${slug}: the thread shows "${verdict}", Kestra never applied it`);
    }
    if (run.verdict && !shown.includes(run.verdict)) {
      problem("missing", `${slug}: the user's "${run.verdict}" is not shown in the thread`);
    }
  }
  return f;
}

const NONE = { duplicates: 0, lost: 0, openButtons: 0, missing: 0, wrongRoot: 0, unexpected: 0 };

export function sum(all: Figures[]): Figures {
  return all.reduce(
    (a, b) => ({
      duplicates: a.duplicates + b.duplicates,
      lost: a.lost + b.lost,
      openButtons: a.openButtons + b.openButtons,
      missing: a.missing + b.missing,
      wrongRoot: a.wrongRoot + b.wrongRoot,
      unexpected: a.unexpected + b.unexpected,
      problems: [...a.problems, ...b.problems],
    }),
    { ...NONE, problems: [] as string[] },
  );
}

function escapeRe(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
