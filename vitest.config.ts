import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The slower suites have their own configs and npm scripts (see .ci/run): real Cline
    // (test:cline), the real Kestra engine (test:kestra), and kills and replicas (test:faults).
    exclude: ["test/integration/**", "test/kestra/**", "test/faults/**", "**/node_modules/**"],
    // Fakes bind real ports and the worker tests spawn git; two cores is the CI budget.
    pool: "forks",
    maxWorkers: 2,
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
