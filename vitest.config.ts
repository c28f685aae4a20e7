import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The real-Cline test needs the cline binary: `npm run test:cline` (see .ci/run).
    exclude: ["test/integration/**", "**/node_modules/**"],
    // Fakes bind real ports and the worker tests spawn git; two cores is the CI budget.
    pool: "forks",
    maxWorkers: 2,
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
