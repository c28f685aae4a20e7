import { defineConfig } from "vitest/config";

// The slow tests that run real third-party tools (the Cline CLI): `npm run test:cline`.
export default defineConfig({
  test: {
    include: ["test/integration/**/*.test.ts"],
    // Same pool as vitest.config.ts: fakes bind real ports, the worker spawns git and Cline.
    pool: "forks",
    maxWorkers: 2,
    // A Cline run takes seconds; the margin is for slow CI machines, not something asserted.
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
