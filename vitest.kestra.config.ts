import { defineConfig } from "vitest/config";

// The slow suite against the REAL Kestra 2.0 engine (kestra/engine/, scripts/kestra-engine.sh):
// `vitest run --config vitest.kestra.config.ts`. Needs Java 25 and the launcher's Maven artifacts.
export default defineConfig({
  test: {
    include: ["test/kestra/**/*.test.ts"],
    pool: "forks",
    // One JVM at a time: the engine takes ~1 GB and both cores while it starts.
    maxWorkers: 1,
    fileParallelism: false,
    // The first start may build the launcher with Maven; a run of the flow takes seconds.
    hookTimeout: 660_000,
    testTimeout: 180_000,
  },
});
