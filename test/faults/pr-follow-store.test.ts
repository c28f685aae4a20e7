import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";
import { afterEach, expect, it } from "vitest";
import { type FollowedPr, PostgresFollowStore } from "../../src/runs/pr-follow-store.ts";
import { freshDatabase } from "./world.ts";

// With replicas the followed PRs are rows in PostgreSQL, kept as the KV value's entries are: an
// ended PR is dropped a grace after its end (stamped once, in the row and in the item).

const DATABASE_URL = process.env["AUTOFIX_TEST_DATABASE_URL"];
const GRACE_MS = 1500;

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

function pr(n: number): FollowedPr {
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
    since: Date.now(),
    state: "open",
  };
}

it("PostgresFollowStore drops a merged PR once it ended more than the grace ago", async () => {
  if (!DATABASE_URL) {
    throw new Error(
      "AUTOFIX_TEST_DATABASE_URL is not set: run `bash scripts/test-postgres.sh start` and pass the URL it prints",
    );
  }
  const db = await freshDatabase(DATABASE_URL);
  cleanup.push(db.drop);
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  cleanup.push(() => client.end());
  const store = new PostgresFollowStore(
    {
      query: (text: string, values: unknown[]) => client.query(text, values),
      run: (_key: string, work: () => Promise<unknown>) => work(),
    } as unknown as ConstructorParameters<typeof PostgresFollowStore>[0],
    { endedKeepMs: GRACE_MS },
  );
  await store.init();
  await store.track(pr(1));
  await store.track(pr(2));
  const before = Date.now();
  await store.update(pr(1).prUrl, { state: "merged" });
  const merged = await store.byRun("run1");
  expect(merged?.state).toBe("merged");
  expect(merged?.endedAt).toBeGreaterThanOrEqual(before - 1000);
  // A later change keeps the first end.
  await store.update(pr(1).prUrl, { state: "unfollowed" });
  expect((await store.byRun("run1"))?.endedAt).toBe(merged?.endedAt);

  expect((await store.open()).map((p) => p.number)).toEqual([2]);
  expect(await store.get(pr(1).prUrl)).toBeDefined();
  await sleep(GRACE_MS + 200);
  expect((await store.open()).map((p) => p.number)).toEqual([2]);
  expect(await store.get(pr(1).prUrl)).toBeUndefined();
  expect(await store.byRun("run1")).toBeUndefined();
});
