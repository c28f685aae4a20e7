import { defineConfig } from "vitest/config";

// The fault suite (npm run test:faults): bot processes killed with SIGKILL at seeded points, and two
// replicas sharing a PostgreSQL (AUTOFIX_TEST_DATABASE_URL, from scripts/test-postgres.sh start).
export default defineConfig({
  test: {
    include: ["test/faults/**/*.test.ts"],
    pool: "forks",
    // The bots listen on fixed ports and each file starts processes of its own: one file at a time.
    maxWorkers: 1,
    fileParallelism: false,
    testTimeout: 600_000,
    hookTimeout: 60_000,
  },
});
