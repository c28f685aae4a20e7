import { Writable } from "node:stream";
import { expect, it } from "vitest";
import { createLogger } from "../../src/logger.ts";

it("never writes a configured secret or a credential header", async () => {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const logger = createLogger({
    level: "debug",
    secrets: ["s3cr3t-value", 'pa"ss\\word'],
    destination,
  });
  logger.info({ headers: { authorization: "Basic YWRtaW46cGFzcw==" } }, "call");
  logger.warn("token is s3cr3t-value in a message");
  logger.error({ err: new Error("failed with Bearer abcdef123456 and s3cr3t-value") }, "boom");
  logger.info({ nested: { password: "hunter22" } }, "pw");
  logger.info({ detail: 'login with pa"ss\\word failed' }, "quoted");
  await new Promise((r) => setImmediate(r));
  const all = lines.join("");
  expect(lines).toHaveLength(5);
  expect(all).not.toContain('pa\\"ss\\\\word');
  expect(all).not.toContain("s3cr3t-value");
  expect(all).not.toContain("YWRtaW46cGFzcw==");
  expect(all).not.toContain("abcdef123456");
  expect(all).not.toContain("hunter22");
  expect(all).toContain("[redacted]");
});
