import { expect, it } from "vitest";
import { WorkQueue } from "../../src/shared/work-queue.ts";

it("runs at most `limit` pieces of work at once, the rest in order, and frees a slot on failure", async () => {
  const queue = new WorkQueue(2);
  let inFlight = 0;
  let most = 0;
  const order: number[] = [];
  const gates = Array.from({ length: 5 }, () => {
    let open = () => {};
    const opened = new Promise<void>((r) => {
      open = r;
    });
    return { open, opened };
  });
  const runs = gates.map((g, i) =>
    queue.run(async () => {
      inFlight++;
      most = Math.max(most, inFlight);
      order.push(i);
      await g.opened;
      inFlight--;
      if (i === 1) throw new Error("boom");
      return i;
    }),
  );
  await new Promise((r) => setImmediate(r));
  expect(order).toEqual([0, 1]);
  expect(queue.queued).toBe(3);
  gates[1]?.open();
  await expect(runs[1]).rejects.toThrow("boom");
  await new Promise((r) => setImmediate(r));
  expect(order).toEqual([0, 1, 2]);
  for (const g of gates) g.open();
  expect(await Promise.all([runs[0], runs[2], runs[3], runs[4]])).toEqual([0, 2, 3, 4]);
  expect(most).toBe(2);
  expect(queue.queued).toBe(0);
});
