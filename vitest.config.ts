import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/** `@shared/x` is `src/shared/x`, as in tsconfig.base.json `paths` and electron.vite.config.ts. */
const resolve = { alias: { '@shared': fileURLToPath(new URL('./src/shared', import.meta.url)) } };

/**
 * Four projects: unit (pure, fast), integration (real SQLite files, real keychain, real HTTP over loopback to
 * the provider test servers), e2e (the built app served by the local web host, driven in Debian Chromium), and
 * timing: the e2e tests whose assertions are latencies (the gallery's p99 while the host is busy), in a group of
 * their own (`sequence.groupOrder`, https://vitest.dev/config/sequence#sequence-grouporder): they never run alongside
 * the other three, so the suite's own parallel work does not load the machine they measure.
 */
const TIMING = ['tests/e2e/busy-host.test.ts'];
export default defineConfig({
  test: {
    projects: [
      {
        resolve,
        test: {
          name: 'unit',
          include: ['tests/unit/**/*.test.ts'],
          environment: 'node',
          sequence: { groupOrder: 0 },
        },
      },
      {
        resolve,
        test: {
          name: 'integration',
          include: ['tests/integration/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 60_000,
          sequence: { groupOrder: 0 },
        },
      },
      {
        resolve,
        test: {
          name: 'e2e',
          include: ['tests/e2e/**/*.test.ts'],
          exclude: TIMING,
          environment: 'node',
          testTimeout: 180_000,
          hookTimeout: 180_000,
          fileParallelism: false,
          sequence: { groupOrder: 0 },
        },
      },
      {
        resolve,
        test: {
          name: 'timing',
          include: TIMING,
          environment: 'node',
          testTimeout: 180_000,
          hookTimeout: 180_000,
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
