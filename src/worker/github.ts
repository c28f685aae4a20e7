import { InputError, UpstreamError } from "../errors.ts";
import { type GitHubOctokit, githubError } from "../github/octokit.ts";

// The worker's GitHub calls, on the project's one Octokit (src/github/octokit.ts): every failure
// leaves this module as UpstreamError("github", kind).

// A type alias, not an interface: Octokit's parameters need an implicit index signature.
export type RepoRef = {
  owner: string;
  repo: string;
};

export interface IssueDetails {
  number: number;
  title: string;
  body: string;
  url: string;
  labels: string[];
  comments: { author: string; body: string }[];
}

export interface RepoInfo {
  defaultBranch: string;
  private: boolean;
  /** The token's own permission (permissions.push), false without one. */
  canPush: boolean;
}

/** An open PR's branch, where a follow-up commit goes. */
export interface PullDetails {
  number: number;
  url: string;
  state: "open" | "closed" | "merged";
  headRef: string;
  headSha: string;
  /** Where the branch lives; undefined when its fork was deleted. */
  headRepo: RepoRef | undefined;
  /** A fork lets the base repository's maintainers push to the branch. */
  maintainerCanModify: boolean;
}

/** An issue GitHub has: its number and its page. */
export interface IssueRef {
  number: number;
  url: string;
}

export interface PullRequestRef {
  number: number;
  url: string;
}

export interface IssueSummary {
  number: number;
  title: string;
  url: string;
}

export const MAX_COMMENTS = 50;

export class GitHub {
  readonly octokit: GitHubOctokit;
  constructor(octokit: GitHubOctokit) {
    this.octokit = octokit;
  }

  /** The issue with its comments. A pull request is refused: it is not an issue. */
  async issue(ref: RepoRef & { number: number }): Promise<IssueDetails> {
    const slug = `${ref.owner}/${ref.repo}#${ref.number}`;
    let data: Awaited<ReturnType<GitHubOctokit["rest"]["issues"]["get"]>>["data"];
    try {
      data = (await this.octokit.rest.issues.get({ ...split(ref), issue_number: ref.number })).data;
    } catch (err) {
      const e = githubError(err, `cannot read issue ${slug}`);
      if (e.kind === "not_found") {
        throw new UpstreamError("github", "not_found", `issue ${slug} not found`, {
          cause: err,
          status: 404,
        });
      }
      throw e;
    }
    if (data.pull_request) {
      throw new InputError(`${slug} is a pull request, not an issue`);
    }
    let comments: IssueDetails["comments"] = [];
    if (data.comments > 0) {
      try {
        const all = await this.octokit.paginate(
          this.octokit.rest.issues.listComments,
          { ...split(ref), issue_number: ref.number, per_page: 100 },
          (response, done) => {
            if (response.data.length >= MAX_COMMENTS) done();
            return response.data;
          },
        );
        comments = all.slice(0, MAX_COMMENTS).map((c) => ({
          author: c.user?.login ?? "unknown",
          body: c.body ?? "",
        }));
      } catch (err) {
        throw githubError(err, `cannot read the comments of ${slug}`);
      }
    }
    return {
      number: data.number,
      title: data.title,
      body: data.body ?? "",
      url: data.html_url,
      labels: data.labels.map((l) => (typeof l === "string" ? l : (l.name ?? ""))),
      comments,
    };
  }

  async repo(ref: RepoRef): Promise<RepoInfo> {
    try {
      const { data } = await this.octokit.rest.repos.get(split(ref));
      return {
        defaultBranch: data.default_branch,
        private: data.private,
        canPush: data.permissions?.push === true,
      };
    } catch (err) {
      const e = githubError(err, `cannot read repository ${ref.owner}/${ref.repo}`);
      if (e.kind === "not_found") {
        throw new UpstreamError(
          "github",
          "not_found",
          `repository ${ref.owner}/${ref.repo} not found`,
          { cause: err, status: 404 },
        );
      }
      throw e;
    }
  }

  /** A pull request and its branch. */
  async pull(ref: RepoRef, number: number): Promise<PullDetails> {
    try {
      const { data } = await this.octokit.rest.pulls.get({ ...split(ref), pull_number: number });
      const head = data.head.repo;
      return {
        number: data.number,
        url: data.html_url,
        state:
          data.merged || data.merged_at ? "merged" : data.state === "closed" ? "closed" : "open",
        headRef: data.head.ref,
        headSha: data.head.sha,
        headRepo: head ? { owner: head.owner.login, repo: head.name } : undefined,
        maintainerCanModify: data.maintainer_can_modify === true,
      };
    } catch (err) {
      const e = githubError(err, `cannot read pull request ${ref.owner}/${ref.repo}#${number}`);
      if (e.kind === "not_found") {
        throw new UpstreamError(
          "github",
          "not_found",
          `pull request ${ref.owner}/${ref.repo}#${number} not found`,
          { cause: err, status: 404 },
        );
      }
      throw e;
    }
  }

  /** The open PR whose head is `<owner>:<branch>` in the repository, if any. */
  async openPullFromBranch(ref: RepoRef, branch: string): Promise<PullRequestRef | undefined> {
    try {
      // GitHub ignores a head filter without "owner:", so the owner is required here.
      const pulls = await this.octokit.paginate(this.octokit.rest.pulls.list, {
        ...split(ref),
        state: "open",
        head: `${ref.owner}:${branch}`,
        per_page: 100,
      });
      const pr = pulls.find((p) => p.head.ref === branch);
      return pr ? { number: pr.number, url: pr.html_url } : undefined;
    } catch (err) {
      throw githubError(err, `cannot list pull requests of ${ref.owner}/${ref.repo}`);
    }
  }

  async createPull(
    ref: RepoRef,
    pr: { title: string; body: string; head: string; base: string; draft: boolean },
  ): Promise<PullRequestRef> {
    try {
      const { data } = await this.octokit.rest.pulls.create({ ...split(ref), ...pr });
      return { number: data.number, url: data.html_url };
    } catch (err) {
      throw githubError(err, `cannot open the pull request on ${ref.owner}/${ref.repo}`);
    }
  }

  async createIssue(ref: RepoRef, issue: { title: string; body: string }): Promise<IssueRef> {
    try {
      const { data } = await this.octokit.rest.issues.create({ ...split(ref), ...issue });
      return { number: data.number, url: data.html_url };
    } catch (err) {
      throw githubError(err, `cannot file the issue in ${ref.owner}/${ref.repo}`);
    }
  }

  /**
   * Open issues carrying every label, pull requests left out, newest first, up to `max`.
   * `keep` can drop more (e.g. issues that already have a fix PR).
   */
  async openIssues(
    ref: RepoRef,
    labels: string[],
    max: number,
    keep: (issue: IssueSummary) => Promise<boolean> = async () => true,
  ): Promise<IssueSummary[]> {
    const out: IssueSummary[] = [];
    for await (const summary of this.openIssueStream(ref, labels, max)) {
      if (!(await keep(summary))) continue;
      out.push(summary);
      if (out.length >= max) return out;
    }
    return out;
  }

  /** Open issues with every label, newest first, pull requests left out; pages are read on demand. */
  async *openIssueStream(
    ref: RepoRef,
    labels: string[],
    pageHint: number,
  ): AsyncGenerator<IssueSummary, void, undefined> {
    const pages = this.octokit.paginate.iterator(this.octokit.rest.issues.listForRepo, {
      ...split(ref),
      state: "open",
      ...(labels.length > 0 ? { labels: labels.join(",") } : {}),
      per_page: Math.min(100, Math.max(pageHint, 30)),
    });
    try {
      // Pages are read as the consumer asks for more; leaving the loop early reads no more.
      for await (const { data } of pages) {
        for (const issue of data) {
          if (issue.pull_request) continue;
          yield { number: issue.number, title: issue.title, url: issue.html_url };
        }
      }
    } catch (err) {
      throw githubError(err, `cannot list issues of ${ref.owner}/${ref.repo}`);
    }
  }
}

function split(ref: RepoRef): RepoRef {
  return { owner: ref.owner, repo: ref.repo };
}
