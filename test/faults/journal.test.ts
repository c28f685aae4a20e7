// PostgresJournal against a real PostgreSQL: what a replica learns of a thread without reading it,
// and when it must read it back.
import { afterAll, beforeAll, expect, it } from "vitest";
import { createLogger } from "../../src/logger.ts";
import { PostgresJournal } from "../../src/runs/journal.ts";
import { PostgresLock } from "../../src/runs/lock.ts";
import { ThreadSnapshot } from "../../src/slack/thread.ts";

const URL = process.env["AUTOFIX_TEST_DATABASE_URL"];
if (!URL) throw new Error("AUTOFIX_TEST_DATABASE_URL is not set (scripts/test-postgres.sh start)");

let lock: PostgresLock;
let journal: PostgresJournal;
beforeAll(async () => {
  lock = new PostgresLock({
    url: URL ?? "",
    logger: createLogger({ level: "silent", secrets: [] }),
  });
  journal = new PostgresJournal(lock);
  await journal.init();
});
afterAll(async () => lock.close());

let n = 0;
/** A thread of its own for each test. */
const newThread = () => ({ channel: "C0JOURNAL", rootTs: `${Date.now()}.${++n}` });

it("a thread it never saw is in doubt (read it back once); a thread the bot created is not", async () => {
  const old = newThread();
  expect((await journal.look(old, "r1")).doubt).toBe(true);
  const created = newThread();
  await journal.created(created);
  expect(await journal.look(created, "r1")).toMatchObject({ doubt: false });
});

it("a write noted and confirmed is known to every replica; one in doubt only to its own run's look", async () => {
  const t = newThread();
  await journal.created(t);
  await journal.intend(t, { run: "a", key: "patch:x:1" });
  await journal.done(t, {
    ts: "",
    meta: { run: "a", key: "patch:x:1" },
    fileNames: ["p-tag.diff"],
  });
  await journal.intend(t, { run: "b", key: "failure:0" });
  const forA = await journal.look(t, "a");
  expect(forA.doubt).toBe(false);
  expect(forA.snapshot.has("a", "patch:x:1")).toBe(true);
  expect(forA.snapshot.has("b", "failure:0")).toBe(false);
  expect((await journal.look(t, "b")).doubt).toBe(true);
  expect(await journal.posted(t, { run: "b", key: "failure:0" })).toBeUndefined();
  expect(await journal.posted(t, { run: "a", key: "patch:x:1" })).toBe(true);
  expect(await journal.posted(t, { run: "c", key: "x" })).toBe(false);
});

it("settling with what Slack shows: a write in doubt that is there is done, one that is not is gone; done writes are never overwritten by an older read", async () => {
  const t = newThread();
  await journal.created(t);
  await journal.intend(t, { run: "a", key: "root" });
  await journal.done(t, {
    ts: t.rootTs,
    meta: { run: "a", key: "root", decision: "approve" },
    fileNames: [],
  });
  await journal.intend(t, { run: "a", key: "pr:1" });
  await journal.intend(t, { run: "a", key: "failure:0" });
  const read = new ThreadSnapshot([
    // An older read of the root: without the decision journaled since.
    { ts: t.rootTs, meta: { run: "a", key: "root" }, fileNames: [] },
    { ts: "9.1", meta: { run: "a", key: "pr:1", prUrl: "https://x/pull/1" }, fileNames: [] },
    { ts: "9.2", meta: { run: "z", key: "note" }, fileNames: [] },
  ]);
  await journal.settle(t, "a", read);
  const look = await journal.look(t, "a");
  expect(look.doubt).toBe(false);
  expect(look.snapshot.has("a", "pr:1")).toBe(true);
  expect(look.snapshot.has("a", "failure:0")).toBe(false);
  expect(look.snapshot.has("z", "note")).toBe(true);
  expect(look.snapshot.root?.meta).toEqual({ run: "a", key: "root", decision: "approve" });
});

it("the root follows the run whose write on it came last; a refused first write is undone, a refused update is not", async () => {
  const t = newThread();
  await journal.created(t);
  await journal.done(t, { ts: t.rootTs, meta: { run: "old", key: "root" }, fileNames: [] });
  await journal.done(t, { ts: t.rootTs, meta: { run: "new", key: "root" }, fileNames: [] });
  expect((await journal.look(t, "new")).snapshot.root?.meta?.run).toBe("new");
  await journal.intend(t, { run: "new", key: "root" });
  await journal.cancel(t, { run: "new", key: "root" });
  await journal.intend(t, { run: "new", key: "closed:cancelled:0" });
  await journal.cancel(t, { run: "new", key: "closed:cancelled:0" });
  const look = await journal.look(t, "new");
  expect(look.doubt).toBe(false);
  expect(look.snapshot.root?.meta?.run).toBe("new");
  expect(look.snapshot.has("new", "closed:cancelled:0")).toBe(false);
});
