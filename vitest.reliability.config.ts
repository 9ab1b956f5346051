import { defineConfig } from 'vitest/config';
import { shared } from './vitest.shared.ts';

export default defineConfig({
  ...shared,
  test: {
    include: ['**/src/**/*.rel.test.ts', 'tools/reliability/**/*.rel.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 300_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: false,
    globalSetup: ['tools/testkit/src/global-setup.ts'],
    setupFiles: ['tools/testkit/src/redis-cleanup-setup.ts'],
  },
});
