// PostgresLock against a real PostgreSQL (AUTOFIX_TEST_DATABASE_URL): nested locks ride on the
// session already held, so a full pool never deadlocks; waits are bounded and end in an error
// that passes (tried again), never a hang.
import { afterEach, expect, it } from "vitest";
import { isTransient, UpstreamError } from "../../src/errors.ts";
import { createLogger } from "../../src/logger.ts";
import { PostgresLock } from "../../src/runs/lock.ts";

const URL = process.env["AUTOFIX_TEST_DATABASE_URL"];
if (!URL) throw new Error("AUTOFIX_TEST_DATABASE_URL is not set (scripts/test-postgres.sh start)");

const locks: PostgresLock[] = [];
function lock(opts: { poolSize?: number; connectMs?: number; waitMs?: number } = {}) {
  const l = new PostgresLock({
    url: URL ?? "",
    logger: createLogger({ level: "silent", secrets: [] }),
    ...opts,
  });
  locks.push(l);
  return l;
}
afterEach(async () => {
  await Promise.all(locks.splice(0).map((l) => l.close()));
});

/** A gate the test opens. */
function gate() {
  let open: () => void = () => {};
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

it("ten runs of batch children, each taking the batch thread's lock inside its own, with a pool of 3: all finish", async () => {
  const l = lock({ poolSize: 3, connectMs: 20_000 });
  let inThread = 0;
  let most = 0;
  const done = await Promise.all(
    Array.from({ length: 10 }, (_, i) =>
      l.run(`child-${i}`, () =>
        l.run("thread:C1:1.2", async () => {
          inThread++;
          most = Math.max(most, inThread);
          await new Promise((r) => setTimeout(r, 20));
          inThread--;
          return i;
        }),
      ),
    ),
  );
  expect(done).toEqual([...Array(10).keys()]);
  expect(most).toBe(1);
});

it("two replicas never hold the same run's lock at once", async () => {
  const a = lock();
  const b = lock();
  let inside = 0;
  let most = 0;
  const work = async () => {
    inside++;
    most = Math.max(most, inside);
    await new Promise((r) => setTimeout(r, 15));
    inside--;
  };
  await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b).run("run-x", work)));
  expect(most).toBe(1);
});

it("a full pool: a newcomer waits for a connection at most connectMs, then fails with an error that passes", async () => {
  const l = lock({ poolSize: 1, connectMs: 300 });
  const hold = gate();
  const holding = l.run("run-a", () => hold.opened);
  const err = await l.run("run-b", async () => "never").catch((e: unknown) => e);
  expect(err).toBeInstanceOf(UpstreamError);
  expect(isTransient(err)).toBe(true);
  expect((err as Error).message).toMatch(/PostgreSQL: cannot get a connection/);
  hold.open();
  await holding;
  // The pool is usable again.
  expect(await l.run("run-b", async () => "ran")).toBe("ran");
});

it("a lock another replica holds past waitMs: an error that passes, not a hang", async () => {
  const a = lock();
  const b = lock({ waitMs: 300 });
  const hold = gate();
  const holding = a.run("run-busy", () => hold.opened);
  // a holds it now (its lock query ran before the gate).
  await new Promise((r) => setTimeout(r, 50));
  const err = await b.run("run-busy", async () => "never").catch((e: unknown) => e);
  expect(isTransient(err)).toBe(true);
  expect((err as Error).message).toMatch(/cannot get the lock of run-busy/);
  hold.open();
  await holding;
});

it("work a lock started and did not await (a timer) rides on its session until done; the connection goes back only then", async () => {
  const l = lock({ poolSize: 1, connectMs: 5000 });
  const rider = gate();
  let riderResult: Promise<string> | undefined;
  await l.run("run-outer", async () => {
    const timer = new Promise<void>((fired) =>
      setTimeout(() => {
        riderResult = l.run("batch-digest", async () => {
          await rider.opened;
          const res = await l.query<{ n: number }>("SELECT 7 AS n", []);
          return `rode ${res.rows[0]?.n}`;
        });
        fired();
      }, 10),
    );
    await timer;
    // The outer work is over while its rider still waits; the outer lock ends only after it.
    setTimeout(() => rider.open(), 50);
  });
  expect(await riderResult).toBe("rode 7");
  // One connection in all, and it is free again.
  expect(await l.run("another", async () => "ok")).toBe("ok");
});
