// The replicas' shared Slack pacing and edit queue against a real PostgreSQL: two pools stand for
// two replicas.
import { afterAll, beforeAll, expect, it } from "vitest";
import { createLogger } from "../../src/logger.ts";
import { PostgresJournal } from "../../src/runs/journal.ts";
import { PostgresLock } from "../../src/runs/lock.ts";
import { PostgresEditStore } from "../../src/runs/postgres-edits.ts";
import { PostgresPaceStore } from "../../src/runs/postgres-pace.ts";

const URL = process.env["AUTOFIX_TEST_DATABASE_URL"];
if (!URL) throw new Error("AUTOFIX_TEST_DATABASE_URL is not set (scripts/test-postgres.sh start)");

const logger = createLogger({ level: "silent", secrets: [] });
let one: PostgresLock;
let two: PostgresLock;
beforeAll(async () => {
  one = new PostgresLock({ url: URL ?? "", logger });
  two = new PostgresLock({ url: URL ?? "", logger });
  await new PostgresJournal(one).init();
});
afterAll(async () => Promise.all([one.close(), two.close()]));

let n = 0;
const unique = (what: string) => `${what}-${Date.now()}-${++n}`;

it("a lane's window holds for both replicas together: the calls past its limit are planned a window later", async () => {
  const lane = unique("lane");
  const [a, b] = [new PostgresPaceStore(one), new PostgresPaceStore(two)];
  const slots = await Promise.all(
    Array.from({ length: 8 }, (_, i) => (i % 2 ? a : b).take(lane, 5, 1000)),
  );
  const waits = slots.map((s) => s.waitMs).sort((x, y) => x - y);
  expect(waits.slice(0, 5).every((w) => w < 100)).toBe(true);
  expect(waits.slice(5).every((w) => w > 800)).toBe(true);
  // Work nobody waits for goes only while the reserve is left, and never behind a planned call.
  expect(await a.take(lane, 5, 1000, 1)).toMatchObject({ granted: false });
});

it("a call that left late is logged at its real time, for every replica", async () => {
  const lane = unique("lane");
  const [a, b] = [new PostgresPaceStore(one), new PostgresPaceStore(two)];
  const first = await a.take(lane, 1, 1000);
  await new Promise((r) => setTimeout(r, 300));
  await a.late(lane, first.at ?? 0);
  // A window after the call's real time, not its planned one (700 ms from now).
  expect((await b.take(lane, 1, 1000)).waitMs).toBeGreaterThan(950);
});

it("a 429 holds the lane for every replica; a call taken and not made is given back", async () => {
  const lane = unique("lane");
  const [a, b] = [new PostgresPaceStore(one), new PostgresPaceStore(two)];
  await a.hold(lane, 2000);
  expect((await b.take(lane, 45, 60_000)).waitMs).toBeGreaterThan(1900);
  const quiet = unique("lane");
  for (let i = 0; i < 3; i++) expect((await a.take(quiet, 4, 60_000, 1)).granted).toBe(true);
  expect((await b.take(quiet, 4, 60_000, 1)).granted).toBe(false);
  await a.giveBack(quiet);
  expect((await b.take(quiet, 4, 60_000, 1)).granted).toBe(true);
});

it("the edit queue: one row per message with its newest content, claimed by one replica at a time, its lease ending with its holder", async () => {
  const [a, b] = [new PostgresEditStore(one), new PostgresEditStore(two)];
  const t = { channel: unique("C"), ts: "1.1", rootTs: "1.1" };
  const edit = (text: string) => ({
    ...t,
    message: { text, blocks: [] },
    meta: { run: "r", key: "root", text },
  });
  await a.put(edit("v1"));
  const claimed = await a.claim("A", 60_000, t);
  expect(claimed).toMatchObject({ version: 1, message: { text: "v1" } });
  expect(await b.claim("B", 60_000, t)).toBeUndefined();
  expect(await b.clear(t)).toBe("busy");
  // Newer content while v1 is sent; the same content again is not newer.
  await b.put(edit("v2"));
  await b.put(edit("v2"));
  if (claimed) await a.settle(claimed);
  const next = await b.claim("B", 60_000, t);
  expect(next).toMatchObject({ version: 2, message: { text: "v2" }, meta: { text: "v2" } });
  // B dies holding it: once the lease ends, A claims it.
  await b.put(edit("v3"));
  await one.query(
    "UPDATE autofix_edit SET lease_until = now() - interval '1 second' WHERE channel = $1",
    [t.channel],
  );
  const taken = await a.claim("A", 60_000, t);
  expect(taken).toMatchObject({ version: 3 });
  if (taken) await a.later(taken, 60_000);
  expect(await a.claim("A", 60_000, t)).toBeUndefined();
  expect(await a.clear(t)).toBe("clear");
  expect(await b.claim("B", 60_000, t)).toBeUndefined();
});

it("a claim is renewed by its holder only: a replica that died stops renewing, and the edit is free again", async () => {
  const [a, b] = [new PostgresEditStore(one), new PostgresEditStore(two)];
  const t = { channel: unique("C"), ts: "2.2", rootTs: "2.2" };
  const expire = () =>
    one.query(
      "UPDATE autofix_edit SET lease_until = now() - interval '1 second' WHERE channel = $1",
      [t.channel],
    );
  await a.put({ ...t, message: { text: "v1", blocks: [] } });
  expect(await a.claim("A", 60_000, t)).toMatchObject({ version: 1 });
  await expire();
  // Renewed by its holder, it is not free.
  await a.renew(t, "A", 60_000);
  expect(await b.claim("B", 60_000, t)).toBeUndefined();
  // A renewal by another does nothing: once A's claim ends, B takes the edit.
  await expire();
  await b.renew(t, "C", 60_000);
  expect(await b.claim("B", 60_000, t)).toMatchObject({ version: 1 });
  // A, back, cannot renew what B claimed: B's claim ends when B stops renewing it.
  await expire();
  await a.renew(t, "A", 60_000);
  expect(await a.clear(t)).toBe("clear");
});

it("what a queued edit records counts in the journal already: another replica's look sees it", async () => {
  const journal = new PostgresJournal(two);
  const edits = new PostgresEditStore(one);
  const t = { channel: unique("C"), rootTs: "5.5" };
  await journal.created(t);
  await journal.done(t, {
    ts: t.rootTs,
    meta: { run: "r", key: "root", render: "old" },
    fileNames: [],
  });
  await journal.done(t, { ts: "6.6", meta: { run: "r", key: "approval:0" }, fileNames: [] });
  await edits.put({
    ...t,
    ts: t.rootTs,
    message: { text: "new", blocks: [] },
    meta: { run: "r", key: "root", render: "new" },
  });
  await edits.put({
    ...t,
    ts: "6.6",
    message: { text: "PR", blocks: [] },
    meta: { run: "r", key: "approval:0", closed: true, prUrl: "https://x/pull/1" },
  });
  const look = await journal.look(t, "r");
  expect(look.doubt).toBe(false);
  expect(look.snapshot.root?.meta).toMatchObject({ render: "new" });
  expect(look.snapshot.of("r").find((p) => p.meta?.key === "approval:0")).toMatchObject({
    ts: "6.6",
    meta: { prUrl: "https://x/pull/1" },
  });
});
