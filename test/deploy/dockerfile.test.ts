// Dockerfile: node:24.x-slim stages (the Node CI tests with), production deps, non-root,
// healthcheck, both entry points.
import { describe, expect, it } from "vitest";
import { readRepoFile } from "./repo-files.ts";

const lines = readRepoFile("Dockerfile")
  .replace(/\\\n/g, " ")
  .split("\n")
  .map((l) => l.trim())
  .filter((l) => l !== "" && !l.startsWith("#"));
const instructions = lines.map((l) => {
  const [op = "", ...rest] = l.split(/\s+/);
  return { op: op.toUpperCase(), args: rest.join(" ") };
});
const all = (op: string) => instructions.filter((i) => i.op === op).map((i) => i.args);

describe("Dockerfile", () => {
  it("is multi-stage and every stage starts FROM node:<the patch version CI tests with>-slim", () => {
    const ci = /^NODE_VERSION=(24\.\d+\.\d+)$/m.exec(readRepoFile(".ci/run"))?.[1];
    expect(ci).toBeDefined();
    const froms = all("FROM");
    expect(froms.length).toBeGreaterThanOrEqual(2);
    for (const from of froms) {
      expect(from).toMatch(
        new RegExp(`^node:${ci?.replaceAll(".", "\\.")}-slim(\\s+AS\\s+\\S+)?$`, "i"),
      );
    }
  });

  it("installs production dependencies only, reproducibly", () => {
    const runs = all("RUN").join("\n");
    expect(runs).toMatch(/npm ci\b[^\n]*--omit=dev/);
    expect(runs).not.toMatch(/npm install(?! -g)/);
  });

  it("pins the Cline CLI and puts `autofix` and `cline` on PATH", () => {
    const text = lines.join("\n");
    expect(text).toMatch(/CLINE_VERSION=\d+\.\d+\.\d+/);
    expect(text).toContain(`"cline@\${CLINE_VERSION}"`);
    expect(text).toContain("ln -s /app/bin/autofix /usr/local/bin/autofix");
    expect(all("RUN").join("\n")).toMatch(/apt-get install[^\n]*\bgit\b/);
  });

  it("runs as a non-root user in the final stage", () => {
    const users = all("USER");
    expect(users.length).toBeGreaterThan(0);
    expect(users.at(-1)).not.toMatch(/^(root|0)(:|$)/);
    const lastFrom = instructions.map((i) => i.op).lastIndexOf("FROM");
    const lastUser = instructions.map((i) => i.op).lastIndexOf("USER");
    expect(lastUser).toBeGreaterThan(lastFrom);
  });

  it("checks /healthz and starts the bot with node src/main.ts", () => {
    expect(all("HEALTHCHECK").join(" ")).toContain("/healthz");
    expect(all("CMD").at(-1)).toBe('["node", "src/main.ts"]');
  });

  it("keeps secrets and dev files out of the build context", () => {
    const ignore = readRepoFile(".dockerignore").split("\n");
    for (const entry of [".env", ".env.*", ".git", "node_modules", "test"])
      expect(ignore).toContain(entry);
  });
});
