// Errors from Bolt reach the log with their message and stack, not as `{}`.
import { Writable } from "node:stream";
import { expect, it } from "vitest";
import { createLogger } from "../../src/logger.ts";
import { boltLogger } from "../../src/slack/bolt-logger.ts";

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split("\n").filter(Boolean)) lines.push(JSON.parse(l));
      done();
    },
  });
  return { lines, logger: createLogger({ level: "debug", secrets: [], destination }) };
}

it("Bolt's logger writes an Error's message and stack, and the words around it", async () => {
  const { lines, logger } = capture();
  boltLogger(logger).error(
    "An unhandled error occurred while Bolt processed an event",
    new Error("boom"),
  );
  await new Promise((r) => setImmediate(r));
  expect(lines[0]).toMatchObject({
    msg: "An unhandled error occurred while Bolt processed an event",
    err: { message: "boom", stack: expect.stringContaining("Error: boom") },
  });
});
