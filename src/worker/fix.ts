import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { OUTPUT_FILES } from "../contracts/flow.ts";
import { type AutofixResult, resultSchema } from "../contracts/result.ts";
import { InputError, UpstreamError } from "../errors.ts";
import { diffStats } from "../shared/diff-stats.ts";
import { issueUrl } from "../shared/issue-url.ts";
import { type AgentOutcome, runAgent } from "./agent.ts";
import { cloneUrl, requireToken } from "./config.ts";
import {
  gitContext,
  parseIssueArg,
  parseRepoArg,
  type WorkerContext,
  withTempDir,
} from "./context.ts";
import { headCommit, shallowClone, stagedPatch } from "./git.ts";
import type { RepoInfo, RepoRef } from "./github.ts";
import { openPrHead } from "./pr-head.ts";
import { buildPrompt } from "./prompt.ts";
import { type PublishedPr, publishPatch } from "./publish.ts";
import { containsSecret, redact } from "./redact.ts";
import { kestraOutputsLine, renderSummary, shortSummary } from "./report.ts";

// `autofix fix`: issue → clone → agent → patch.diff, summary.md, result.json (→ PR with --push).

export const AGENT_LOG_FILE = "agent.log";

export interface FixOptions {
  issueUrl: string;
  repoUrl: string | undefined;
  outDir: string;
  /** A revision: the reviewer's feedback and the previous attempt's patch (files; empty = none). */
  feedbackFile?: string | undefined;
  previousPatchFile?: string | undefined;
  /**
   * A follow-up of this open PR: the agent works on the PR's branch (with the fix already on it)
   * and the patch is made against its head, which create_pr then pushes onto (`autofix push`).
   */
  pr?: number | undefined;
  push: boolean;
  draft: boolean;
}

export interface FixOutcome {
  result: AutofixResult;
  /** Exactly the bytes git produced. */
  patch: Buffer;
  pr?: PublishedPr;
}

export async function fixIssue(ctx: WorkerContext, opts: FixOptions): Promise<FixOutcome> {
  const started = performance.now();
  const issue = parseIssueArg(ctx.config, opts.issueUrl);
  const target = opts.repoUrl ? parseRepoArg(ctx.config, opts.repoUrl) : issue;
  // Fail before the (slow, paid) agent run if the PR could not be opened anyway.
  if (opts.push) requireToken(ctx.config, "push the fix (--push)");
  if (opts.push && opts.pr !== undefined) {
    throw new InputError("--push opens a new PR; a follow-up of --pr is pushed by `autofix push`");
  }
  const revision = {
    feedback: await readOptional(ctx.cwd, opts.feedbackFile, "--feedback-file"),
    previousPatch: await readOptional(ctx.cwd, opts.previousPatchFile, "--previous-patch"),
  };
  const outDir = resolve(ctx.cwd, opts.outDir);
  await mkdir(outDir, { recursive: true });

  const details = await ctx.github.issue(issue);
  const repo = await ctx.github.repo(target);
  const source = await sourceOf(ctx, target, repo, opts.pr);
  const git = gitContext(ctx.config);

  const made = await withTempDir(async (tmp) => {
    const dir = join(tmp, target.repo);
    const scratchDir = join(tmp, ".autofix");
    await mkdir(scratchDir, { mode: 0o700 });
    await shallowClone(git, {
      url: cloneUrl(ctx.config, source.repo.owner, source.repo.repo),
      dir,
      branch: source.branch,
      // Public repositories are cloned anonymously; a private one needs the (read) token.
      ...(source.private && ctx.config.githubToken ? { token: ctx.config.githubToken } : {}),
    });
    const base = await headCommit(git, dir);
    const prompt = buildPrompt({
      repo: `${target.owner}/${target.repo}`,
      issue: details,
      revision,
      ...(opts.pr !== undefined
        ? { followUp: { pr: opts.pr, branch: source.branch, feedback: revision.feedback } }
        : {}),
    });
    ctx.logger.info({ issue: issueUrl(issue) }, "running the agent");
    const agent = await runAgent({
      agent: ctx.config.agent,
      baseEnv: ctx.config.baseEnv,
      providerEnv: ctx.config.providerEnv,
      cwd: dir,
      prompt,
      scratchDir,
      logFile: join(outDir, AGENT_LOG_FILE),
      secrets: ctx.config.secrets,
    });
    // Everything the agent left, committed or not, new files included, against the clone's base.
    const patchFile = join(scratchDir, "patch.diff");
    return { agent, base, patch: await stagedPatch(git, dir, base, patchFile) };
  });
  const { patch } = made;
  if (patch.toString("utf8").trim() === "") {
    throw new UpstreamError("agent", "invalid", "the agent made no changes");
  }
  // The agent holds the provider key: a patch quoting it must not reach Slack or a PR. (It cannot
  // be scrubbed: the patch would no longer apply.)
  if (containsSecret(patch, ctx.config.secrets)) {
    throw new UpstreamError(
      "agent",
      "invalid",
      "the patch contains a secret (a GitHub token or the provider API key); refusing to write it",
    );
  }
  const agent = scrubOutcome(made.agent, ctx.config.secrets);
  const stats = diffStats(patch.toString("utf8"));
  const result = resultSchema.parse({
    issue: {
      owner: issue.owner,
      repo: issue.repo,
      number: issue.number,
      url: issueUrl(issue),
      title: details.title,
    },
    files: stats.files,
    additions: stats.additions,
    deletions: stats.deletions,
    durationMs: Math.round(performance.now() - started),
    agent: { name: agent.name, ...(agent.model ? { model: agent.model } : {}) },
    ...(agent.usage ? { usage: agent.usage } : {}),
    ...(agent.explanation ? { explanation: agent.explanation } : {}),
  } satisfies AutofixResult);
  const summary = renderSummary(result);
  await writeFile(join(outDir, OUTPUT_FILES.patch), patch);
  await writeFile(join(outDir, OUTPUT_FILES.summary), summary);
  await writeFile(join(outDir, OUTPUT_FILES.result), `${JSON.stringify(result, null, 2)}\n`);

  ctx.print(
    `Wrote ${join(outDir, OUTPUT_FILES.patch)}: ${stats.files.length} files, +${stats.additions} -${stats.deletions}`,
  );
  const outputs = {
    additions: result.additions,
    deletions: result.deletions,
    files: result.files.length,
    summary: shortSummary(result),
    // A follow-up: the branch head the patch was made on (autofix push checks it has not moved).
    ...(opts.pr !== undefined ? { base_sha: made.base, pr_branch: source.branch } : {}),
  };
  if (!opts.push) {
    ctx.print(kestraOutputsLine(outputs));
    return { result, patch };
  }
  const pr = await publishPatch(ctx, { issue, target, patch, summary, draft: opts.draft });
  ctx.print(pr.url);
  ctx.print(
    kestraOutputsLine({ ...outputs, pr_url: pr.url, pr_number: pr.number, pr_created: pr.created }),
  );
  return { result, patch, pr };
}

/** Where the agent works: the default branch, or the open PR's branch (its fork's, if any). */
async function sourceOf(
  ctx: WorkerContext,
  target: RepoRef,
  repo: RepoInfo,
  pr: number | undefined,
): Promise<{ repo: RepoRef; branch: string; private: boolean }> {
  if (pr === undefined) return { repo: target, branch: repo.defaultBranch, private: repo.private };
  const { pull, head, fork } = await openPrHead(ctx, target, pr, {
    closed: ": there is nothing to fix on its branch",
    forkGone: "",
  });
  const info = fork ? await ctx.github.repo(head) : repo;
  return { repo: head, branch: pull.headRef, private: info.private };
}

/** The agent's own words, with any known secret value replaced by [redacted]. */
function scrubOutcome(agent: AgentOutcome, secrets: readonly string[]): AgentOutcome {
  return {
    ...agent,
    ...(agent.model ? { model: redact(agent.model, secrets) } : {}),
    ...(agent.explanation ? { explanation: redact(agent.explanation, secrets) } : {}),
  };
}

/** The file's text, or undefined when no file was named or it is empty (Kestra's absent input). */
async function readOptional(
  cwd: string,
  file: string | undefined,
  flag: string,
): Promise<string | undefined> {
  if (file === undefined) return undefined;
  let text: string;
  try {
    text = await readFile(resolve(cwd, file), "utf8");
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? "unreadable";
    throw new InputError(`${flag} ${JSON.stringify(file)}: cannot read it (${reason})`);
  }
  return text.trim() === "" ? undefined : text;
}
