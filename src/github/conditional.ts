import type { GitHubOctokit } from "./octokit.ts";
import { githubError } from "./octokit.ts";

// Conditional reads: GitHub answers a GET with an ETag, and a later GET that sends it back
// (If-None-Match) is answered 304 Not Modified when nothing changed, which does not count against
// the token's primary rate limit. What a read is reduced to is kept with its ETag, so a 304 is
// answered from it.

export interface CachedRead {
  etag: string;
  value: unknown;
}

/** Where ETags and what they stand for are kept: memory alone, PostgreSQL with replicas. */
export interface EtagStore {
  get(key: string): Promise<CachedRead | undefined>;
  set(key: string, entry: CachedRead): Promise<void>;
}

const MAX_ENTRIES = 5000;

export class MemoryEtagStore implements EtagStore {
  private readonly entries = new Map<string, CachedRead>();

  async get(key: string): Promise<CachedRead | undefined> {
    return this.entries.get(key);
  }

  async set(key: string, entry: CachedRead): Promise<void> {
    this.entries.delete(key);
    this.entries.set(key, entry);
    if (this.entries.size > MAX_ENTRIES) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }
}

/**
 * GET `route` with the ETag of the last answer, if any; `reduce` turns a fresh body into what is
 * kept. A failure is an UpstreamError("github", …) naming `what`.
 */
export async function conditionalGet<T>(
  github: GitHubOctokit,
  etags: EtagStore,
  route: string,
  params: Record<string, string | number>,
  reduce: (data: unknown) => T,
  what: string,
): Promise<T> {
  const key = `${route} ${JSON.stringify(params)}`;
  const cached = await etags.get(key);
  try {
    const res = await github.request(route, {
      ...params,
      ...(cached ? { headers: { "if-none-match": cached.etag } } : {}),
    });
    const value = reduce(res.data);
    const etag = res.headers.etag;
    if (typeof etag === "string" && etag !== "") await etags.set(key, { etag, value });
    return value;
  } catch (err) {
    // Octokit throws on 304 (a status outside 2xx); the kept value is the answer.
    if (cached && (err as { status?: unknown }).status === 304) {
      return cached.value as T;
    }
    throw githubError(err, what);
  }
}
