import { writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { SetupCheckReport, TokenCheck } from "../contracts/setup-check.ts";
import { type GitHubOctokit, githubError } from "../github/octokit.ts";
import { parseRepoArg, type WorkerContext } from "./context.ts";
import type { RepoRef } from "./github.ts";

// `autofix check`: what only Kestra holds (the GitHub tokens and the LLM key the flows get as
// secrets), checked where they are used. The report holds booleans only.

export interface CheckOptions {
  repoUrl: string | undefined;
  outFile: string;
  /** An Octokit authenticated with this token. */
  octokitFor: (token: string) => GitHubOctokit;
}

export async function checkSetup(
  ctx: WorkerContext,
  opts: CheckOptions,
): Promise<SetupCheckReport> {
  const repo = opts.repoUrl === undefined ? undefined : parseRepoArg(ctx.config, opts.repoUrl);
  const token = (value: string | undefined) => tokenCheck(opts, value, repo);
  const report: SetupCheckReport = {
    repo: repo ? `${repo.owner}/${repo.repo}` : null,
    readToken: await token(ctx.config.githubReadToken),
    prToken: await token(ctx.config.githubWriteToken),
    llmKey: { set: Object.keys(ctx.config.providerEnv).some((name) => name.endsWith("_KEY")) },
  };
  await writeFile(resolve(ctx.cwd, opts.outFile), `${JSON.stringify(report)}\n`);
  return report;
}

/** GET /repos/{owner}/{repo} with the token: 401 is a bad token, 403/404 one that cannot see it. */
async function tokenCheck(
  opts: CheckOptions,
  token: string | undefined,
  repo: RepoRef | undefined,
): Promise<TokenCheck> {
  if (!token) return { set: false, valid: null, canRead: null, canPush: null };
  if (!repo) return { set: true, valid: null, canRead: null, canPush: null };
  try {
    const { data } = await opts.octokitFor(token).rest.repos.get(repo);
    return { set: true, valid: true, canRead: true, canPush: data.permissions?.push === true };
  } catch (err) {
    const status = (err as { status?: unknown }).status;
    if (status === 401) return { set: true, valid: false, canRead: false, canPush: false };
    if (status === 403 || status === 404) {
      return { set: true, valid: true, canRead: false, canPush: false };
    }
    throw githubError(err, `cannot read repository ${repo.owner}/${repo.repo}`);
  }
}
