import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: [
      "test/**/*.test.ts",
      "packages/*/test/**/*.test.ts",
      "functions/test/**/*.test.ts",
      "cdk/test/**/*.test.ts",
    ],
    globalSetup: ["test/setup/moto.ts"],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // 2-core machine: tensor-heavy files would starve each other.
    pool: "forks",
    maxWorkers: 2,
    reporters: ["default"],
  },
});
