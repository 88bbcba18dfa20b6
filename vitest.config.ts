import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['shared/**/*.test.ts', 'functions/**/*.test.ts', 'test/**/*.test.ts', 'infra/**/*.test.ts', 'desk/**/*.test.ts'],
    globalSetup: ['test/setup/dynamodb.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
