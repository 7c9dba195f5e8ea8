import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Test files share their worker's module cache (each still builds its own runtime and database): loading the
    // application once per worker instead of once per file saves minutes on a 2-core machine.
    isolate: false,
  },
});
