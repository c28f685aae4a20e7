import { LABELS, SINGLE_INPUTS, TASKS } from "../../src/contracts/flow.ts";
import { KEYS } from "../../src/runs/record.ts";
import type { RunStatus } from "../../src/shared/run-status.ts";
import { STATUS_TEXT } from "../../src/slack/blocks/status-text.ts";
import { ACTIONS } from "../../src/slack/ids.ts";
import { fileTag } from "../../src/slack/thread.ts";
import type { FakeExecution } from "../fakes/kestra.ts";
import type { FakeMessage } from "../fakes/slack.ts";
import { ALERTS, CHANNEL } from "../support/harness.ts";
import type { World } from "./world.ts";

// What a person would see, checked per run once it has settled: one snippet per patch, one PR
// link, one alert per failure, one stuck alert per stuck run, one note per cancel (saying who),
// revision and run started again, whatever crash came between; one kill per cancelled run; no
// live buttons on a finished run or on a stuck alert that did its Retry; a root that says what
// Kestra says of the thread's newest run; no run in the thread that nobody asked for; and no
// decision shown in the thread that Kestra never applied.

/**
 * How a run ends; "revised": sent back for a revision (resumed not approved), replaced by it;
 * "merged", "closed": its PR (opened, then merged or closed on GitHub).
 */
export type Outcome =
  | "pr"
  | "merged"
  | "closed"
  | "rejected"
  | "failed"
  | "dry"
  | "cancelled"
  | "revised";

/** One execution of a played run and what it should end as. */
export interface Expected {
  id: string;
  issue: number;
  outcome: Outcome;
  prUrl?: string;
  /** What the user clicked. */
  verdict?: "approve" | "reject" | "revise";
  /** Who cancelled it (a command, or a stuck alert's Retry): the thread says so. */
  cancelledBy?: string;
  /** The run whose place it took in the thread: its revision, or a cancelled run started again. */
  replaces?: { id: string; how: "revision" | "rerun"; feedback?: string };
  /** It got stuck: one alert in the alerts channel. */
  stuck?: boolean;
}

export interface Played {
  /** The thread: the run's root, or a batch's digest. */
  rootTs: string;
  /** A batch's own execution; undefined for a single run. */
  batchId?: string;
  /** In the order they ran; a single run's root follows the last. */
  runs: Expected[];
  /** Times the user clicked (again only when the buttons were still live). */
  clicks: number;
  /** Times the user typed `/autofix cancel|retry` (again only when nothing came of it). */
  commands?: number;
  /** From the command to the final state shown (restarts included). */
  ms?: number;
  /** Where the bot answers the user's commands (response_url), one per command typed. */
  responseUrls?: string[];
  /** Why the run broke down before its end (a signal that never came), if it did. */
  error?: string;
}

export interface Figures {
  duplicates: number;
  lost: number;
  openButtons: number;
  missing: number;
  wrongRoot: number;
  /** Replies nobody asked for (no identity, no file). */
  unexpected: number;
  /** Executions in a thread that nobody asked for (a second revision, a second run started again). */
  extraRuns: number;
  problems: string[];
}

const FINAL: Record<Outcome, RunStatus> = {
  pr: "pr_opened",
  merged: "pr_merged",
  closed: "pr_closed",
  rejected: "rejected",
  failed: "failed",
  dry: "finished",
  cancelled: "cancelled",
  revised: "rejected",
};

/** Kestra's end state of each outcome. */
const KESTRA_END: Record<Outcome, string> = {
  pr: "SUCCESS",
  merged: "SUCCESS",
  closed: "SUCCESS",
  rejected: "SUCCESS",
  failed: "FAILED",
  dry: "SUCCESS",
  cancelled: "KILLED",
  revised: "SUCCESS",
};

const DECISION_BUTTONS = [ACTIONS.approve, ACTIONS.reject, ACTIONS.revise];

/** The message has buttons (by default a patch's: Approve, Reject, Revise). */
export function liveButtons(
  message: FakeMessage | undefined,
  ids: readonly string[] = DECISION_BUTTONS,
): boolean {
  const blocks = JSON.stringify(message?.blocks ?? []);
  return ids.some((id) => blocks.includes(`"${id}"`));
}

type Meta = { run?: string; key?: string; [k: string]: unknown };

function metaOf(m: FakeMessage): Meta | undefined {
  return m.metadata?.event_type === "autofix_post" ? m.metadata.event_payload : undefined;
}

/** The stuck-run alerts of a run, in the alerts channel. */
export function stuckAlertsOf(w: World, run: string): FakeMessage[] {
  return w.slack.channelMessages(ALERTS).filter((m) => {
    const meta = metaOf(m);
    return meta?.run === run && String(meta.key).startsWith("stuck:");
  });
}

export function stuckAlertOf(w: World, run: string): FakeMessage | undefined {
  return stuckAlertsOf(w, run)[0];
}

/** The root text a run ends with, e.g. "PR opened". */
export function finalText(outcome: Outcome): string {
  return STATUS_TEXT[FINAL[outcome]];
}

function label(e: FakeExecution, key: string): string | undefined {
  return e.labels.find((l) => l.key === key)?.value;
}

/** What the user sees of one played run, once it has settled: every departure is a problem. */
export function inspect(w: World, played: Played): Figures {
  const f: Figures = { ...NONE, problems: [] };
  const problem = (kind: keyof Omit<Figures, "problems">, text: string, n = 1) => {
    f[kind] += n;
    f.problems.push(`${kind}: ${text}`);
  };
  if (played.error) problem("missing", `the run broke down: ${played.error}`);
  const root = w.slack.message(CHANNEL, played.rootTs);
  const thread = w.slack.thread(CHANNEL, played.rootTs);
  if (!root) {
    problem("missing", `no root message ${played.rootTs}`);
    return f;
  }
  const postsOf = (run: string, key: string) =>
    thread.filter((m) => metaOf(m)?.run === run && String(metaOf(m)?.key).startsWith(key));

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

  // The thread's executions are the ones played: no second revision, no second run started again.
  const wanted = new Set([
    ...played.runs.map((r) => r.id),
    ...(played.batchId ? [played.batchId] : []),
  ]);
  for (const e of w.kestra.executions) {
    if (e.kind || label(e, LABELS.ts) !== played.rootTs || label(e, LABELS.channel) !== CHANNEL)
      continue;
    if (!wanted.has(e.id)) {
      const inputs = e.inputs[SINGLE_INPUTS.feedback] ? "a revision" : "a run";
      problem(
        "extraRuns",
        `${inputs} nobody asked for in the thread: ${e.id} (${e.state.current})`,
      );
    }
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

  // Every file in the thread is the patch of one of its runs.
  const tagsOfThread = played.runs.flatMap((run) =>
    w.kestra
      .execution(run.id)
      .taskRunList.filter((t) => t.taskId === TASKS.fix)
      .map((t) => fileTag(run.id, KEYS.patch(t.id, 1))),
  );
  for (const file of w.slack.files) {
    if (file.threadTs !== played.rootTs) continue;
    if (!tagsOfThread.some((tag) => file.filename.endsWith(`-${tag}.diff`)))
      problem("unexpected", `file ${file.filename} is no run's patch`);
  }

  const newest = played.runs.at(-1);
  for (const run of played.runs) {
    const exec = w.kestra.execution(run.id);
    const slug = `acme/api#${run.issue}`;
    const who = played.runs.length > 1 ? `${slug} (${run.id})` : slug;
    // Kestra's final state, then the root (or the digest row) that must show it.
    const kestraState = exec.state.current;
    if (kestraState !== KESTRA_END[run.outcome])
      problem("wrongRoot", `${who} is ${kestraState} in Kestra`);
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
    } else if (run === newest) {
      if (!rootTextIs(text))
        problem(
          "wrongRoot",
          `root says "${root.text}", Kestra's run ${run.id} ended ${run.outcome} (${text})`,
        );
      const follows = metaOf(root)?.run;
      if (follows !== run.id)
        problem("wrongRoot", `the root follows ${follows}, not the newest run ${run.id}`);
    }

    // One snippet per patch Kestra holds (a file share whose name carries the run's and the
    // fix task run's tag).
    const fixes = exec.taskRunList.filter(
      (t) => t.taskId === TASKS.fix && t.state.current === "SUCCESS",
    );
    const tags = fixes.map((t) => fileTag(run.id, KEYS.patch(t.id, 1)));
    const files = w.slack.files.filter(
      (file) =>
        file.threadTs === played.rootTs &&
        tags.some((tag) => file.filename.endsWith(`-${tag}.diff`)),
    );
    if (files.length > fixes.length)
      problem("duplicates", `${who}: ${files.length} snippets`, files.length - fixes.length);
    if (files.length < fixes.length) problem("missing", `${who}: no snippet`);

    // One PR link in the thread for a PR run (the follower's notes about the PR aside).
    if (run.prUrl) {
      const links = thread.filter(
        (m) =>
          !String(metaOf(m)?.key).startsWith("pr-") &&
          JSON.stringify([m.text, m.blocks]).includes(run.prUrl ?? ""),
      );
      if (links.length > 1)
        problem("duplicates", `${slug}: PR link posted ${links.length} times`, links.length - 1);
      if (links.length === 0) problem("missing", `${slug}: no PR link in the thread`);
    }

    // A PR merged or closed: the thread says so once (duplicates are counted above).
    if (run.outcome === "merged" || run.outcome === "closed") {
      if (postsOf(run.id, `pr-end:${run.outcome}`).length === 0)
        problem("missing", `${who}: the thread does not say the PR was ${run.outcome}`);
    }

    // One failure reply and one alert per failure, none otherwise; one stuck alert per stuck run.
    const stuckAlerts = stuckAlertsOf(w, run.id);
    const alerts = w.slack
      .channelMessages(ALERTS)
      .filter((m) => JSON.stringify(m.blocks ?? []).includes(run.id) && !stuckAlerts.includes(m));
    const replies = postsOf(run.id, "failure:");
    const want = run.outcome === "failed" ? 1 : 0;
    if (alerts.length > want)
      problem("duplicates", `${who}: ${alerts.length} alerts`, alerts.length - want);
    if (alerts.length < want) problem("missing", `${who}: no alert`);
    if (replies.length < want) problem("missing", `${who}: no failure reply`);
    const wantStuck = run.stuck ? 1 : 0;
    if (stuckAlerts.length > wantStuck)
      problem(
        "duplicates",
        `${who}: ${stuckAlerts.length} stuck alerts`,
        stuckAlerts.length - wantStuck,
      );
    if (stuckAlerts.length < wantStuck) problem("missing", `${who}: no stuck alert`);

    // A cancelled run: the thread says so once (who cancelled, or that it was cancelled), and
    // Kestra took one kill of it.
    if (run.outcome === "cancelled") {
      const notes = postsOf(run.id, KEYS.closed("cancelled", 0));
      if (notes.length === 0)
        problem("missing", `${who}: the thread does not say it was cancelled`);
      const by = run.cancelledBy ? `⏹️ Cancelled by <@${run.cancelledBy}>.` : undefined;
      if (by && notes.length > 0 && !notes.some((m) => m.text === by)) {
        problem(
          "missing",
          `${who}: the thread does not say who cancelled it ("${notes[0]?.text}")`,
        );
      }
    }
    const kills = w.kestra.kills.filter((k) => k.executionId === run.id).length;
    if (kills > 1) problem("duplicates", `${who}: killed ${kills} times`, kills - 1);

    // A run that took another's place: said once in the thread, with what it was asked to do.
    if (run.replaces) {
      const { id: oldId, how } = run.replaces;
      const notes =
        how === "revision" ? postsOf(oldId, KEYS.revise(0)) : postsOf(oldId, KEYS.rerun(0));
      if (notes.length === 0) {
        const what = how === "revision" ? "revises" : "started again";
        problem("missing", `${who}: no note that it ${what} ${oldId}`);
      }
      // The stuck alert that started it again says so, and has no buttons left.
      const alert = stuckAlertOf(w, oldId);
      if (
        how === "rerun" &&
        alert &&
        liveButtons(alert, [ACTIONS.stuckRetry, ACTIONS.stuckCancel])
      ) {
        problem("openButtons", `${who}: the stuck alert of ${oldId} still has its buttons`);
      }
      if (run.replaces.feedback !== undefined) {
        if (exec.inputs[SINGLE_INPUTS.feedback] !== run.replaces.feedback)
          problem(
            "missing",
            `${who}: the revision lacks the feedback (${String(exec.inputs[SINGLE_INPUTS.feedback])})`,
          );
        const uri = String(exec.inputs[SINGLE_INPUTS.previousPatch] ?? "");
        const patch = exec.files.get(uri.slice("kestra://".length))?.toString("utf8");
        const oldFix = w.kestra
          .execution(oldId)
          .taskRunList.findLast((t) => t.taskId === TASKS.fix);
        const oldUri = String(
          (oldFix?.outputs["outputFiles"] as Record<string, unknown> | undefined)?.["patch.diff"] ??
            "",
        );
        const oldPatch = w.kestra
          .execution(oldId)
          .files.get(oldUri.slice("kestra://".length))
          ?.toString("utf8");
        if (!patch || patch !== oldPatch)
          problem("missing", `${who}: the revision lacks the previous patch`);
      }
    }
    if (run.outcome === "revised" && postsOf(run.id, KEYS.closed("rejected", 0)).length > 0) {
      problem("unexpected", `${who}: "Patch rejected" on a patch sent back for a revision`);
    }

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
      problem("duplicates", `${who}: resumed ${resumes.length} times`, resumes.length - 1);
    for (const verdict of new Set(shown)) {
      const applied = resumes.some((r) => r.inputs["approved"] === (verdict === "approve"));
      if (!applied)
        problem("lost", `${who}: the thread shows "${verdict}", Kestra never applied it`);
    }
    if (run.verdict && !shown.includes(run.verdict)) {
      problem("missing", `${who}: the user's "${run.verdict}" is not shown in the thread`);
    }
  }
  return f;
}

const NONE = {
  duplicates: 0,
  lost: 0,
  openButtons: 0,
  missing: 0,
  wrongRoot: 0,
  unexpected: 0,
  extraRuns: 0,
};

export function sum(all: Figures[]): Figures {
  return all.reduce(
    (a, b) => ({
      duplicates: a.duplicates + b.duplicates,
      lost: a.lost + b.lost,
      openButtons: a.openButtons + b.openButtons,
      missing: a.missing + b.missing,
      wrongRoot: a.wrongRoot + b.wrongRoot,
      unexpected: a.unexpected + b.unexpected,
      extraRuns: a.extraRuns + b.extraRuns,
      problems: [...a.problems, ...b.problems],
    }),
    { ...NONE, problems: [] as string[] },
  );
}

function escapeRe(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
