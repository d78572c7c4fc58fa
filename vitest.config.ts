import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/** `@shared/x` is `src/shared/x`, as in tsconfig.base.json `paths` and electron.vite.config.ts. */
const resolve = { alias: { '@shared': fileURLToPath(new URL('./src/shared', import.meta.url)) } };

/**
 * Three projects: unit (pure, fast), integration (real SQLite files, real keychain, real HTTP over loopback to
 * the provider test servers), e2e (the built app served by the local web host, driven in Debian Chromium).
 */
export default defineConfig({
  test: {
    projects: [
      {
        resolve,
        test: {
          name: 'unit',
          include: ['tests/unit/**/*.test.ts'],
          environment: 'node',
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
        },
      },
      {
        resolve,
        test: {
          name: 'e2e',
          include: ['tests/e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 180_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
