// The followed PRs, alone: one Kestra KV value, which must hold what is followed and no more. An
// ended PR is dropped a grace after its end, the value is written only when it changed, and it
// never holds more than MAX_FOLLOWED PRs.
import { describe, expect, it } from "vitest";
import type { KestraClient } from "../../src/kestra/client.ts";
import { type FollowedPr, KvFollowStore, MAX_FOLLOWED } from "../../src/runs/pr-follow-store.ts";

const GRACE = 10 * 60_000;

function kv(initial?: Record<string, FollowedPr>) {
  const puts: Record<string, FollowedPr>[] = [];
  let gets = 0;
  const kestra = {
    kvGet: async () => {
      gets++;
      return initial;
    },
    kvPut: async (_key: string, value: unknown) => {
      puts.push(structuredClone(value) as Record<string, FollowedPr>);
    },
  } as unknown as KestraClient;
  return { kestra, puts, gets: () => gets };
}

function pr(n: number, since: number, extra: Partial<FollowedPr> = {}): FollowedPr {
  return {
    prUrl: `https://github.com/acme/api/pull/${n}`,
    repo: "acme/api",
    number: n,
    run: `run${n}`,
    runs: [`run${n}`],
    channel: "C1",
    rootTs: `${n}.0`,
    requester: "U1",
    slug: `acme/api#${n}`,
    since,
    state: "open",
    ...extra,
  };
}

describe("KvFollowStore", () => {
  it("drops a merged PR once it ended more than the grace ago; the value keeps only what is followed", async () => {
    let now = 1_000_000;
    const { kestra, puts } = kv();
    const store = new KvFollowStore(kestra, { endedKeepMs: GRACE, now: () => now });
    await store.track(pr(1, now));
    await store.track(pr(2, now));
    await store.update(pr(1, 0).prUrl, { state: "merged" });
    expect((await store.byRun("run1"))?.state).toBe("merged");
    expect(puts.at(-1)?.[pr(1, 0).prUrl]?.endedAt).toBe(now);

    now += GRACE - 1;
    expect((await store.open()).map((p) => p.number)).toEqual([2]);
    expect(Object.keys(puts.at(-1) ?? {})).toHaveLength(2);

    now += 2;
    expect((await store.open()).map((p) => p.number)).toEqual([2]);
    expect(Object.keys(puts.at(-1) ?? {})).toEqual([pr(2, 0).prUrl]);
    expect(await store.byRun("run1")).toBeUndefined();
    expect(await store.get(pr(1, 0).prUrl)).toBeUndefined();
  });

  it("writes the value only when it changed, and reads it once", async () => {
    const now = 1_000_000;
    const { kestra, puts, gets } = kv({ [pr(1, 0).prUrl]: pr(1, now) });
    const store = new KvFollowStore(kestra, { endedKeepMs: GRACE, now: () => now });
    await store.open();
    await store.track(pr(1, now));
    await store.update(pr(1, 0).prUrl, { state: "open" });
    await store.update(pr(1, 0).prUrl, { headSha: "abc", headSeenAt: now });
    await store.update(pr(1, 0).prUrl, { headSha: "abc", headSeenAt: now });
    await store.byRun("run1");
    await store.inThread("C1", "1.0");
    expect(puts).toHaveLength(1);
    expect(gets()).toBe(1);
    // A follow-up run of the PR is found by its run too.
    await store.track(pr(1, now, { runs: ["run9"] }));
    expect((await store.byRun("run9"))?.number).toBe(1);
    expect(puts).toHaveLength(2);
  });

  it("an entry left ended by an older version (no end time) goes at the next write", async () => {
    const now = 100 * 86_400_000;
    const old = pr(1, now - 3 * 86_400_000, { state: "closed" });
    const { kestra, puts } = kv({ [old.prUrl]: old, [pr(2, 0).prUrl]: pr(2, now) });
    const store = new KvFollowStore(kestra, { endedKeepMs: GRACE, now: () => now });
    expect(await store.open()).toHaveLength(1);
    expect(Object.keys(puts.at(-1) ?? {})).toEqual([pr(2, 0).prUrl]);
  });

  it(`holds at most ${MAX_FOLLOWED} PRs: past it the oldest go first, and are named`, async () => {
    const now = 1_000_000;
    const { kestra, puts } = kv();
    const dropped: number[] = [];
    const store = new KvFollowStore(kestra, {
      endedKeepMs: GRACE,
      now: () => now,
      onDrop: (prs) => dropped.push(...prs.map((p) => p.number)),
    });
    for (let n = 1; n <= MAX_FOLLOWED + 5; n++) await store.track(pr(n, now + n));
    expect(Object.keys(puts.at(-1) ?? {})).toHaveLength(MAX_FOLLOWED);
    expect(dropped).toEqual([1, 2, 3, 4, 5]);
    expect(await store.get(pr(6, 0).prUrl)).toBeDefined();
  });
});
