/**
 * The main process's logger (pino): JSON lines to `<dataDir>/logs/atelier.log`, and warnings to stderr.
 * Keys and tokens are redacted by path; callers must still never pass a key in a message string.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';

export type Logger = pino.Logger;

const REDACT = ['apiKey', '*.apiKey', 'key', '*.key', 'token', '*.token', 'headers["x-api-key"]', 'headers.authorization'];

/** Creates the logger for a library folder. Level from `ATELIER_LOG_LEVEL` (default info). */
export function createLogger(dataDir: string, env: Record<string, string | undefined>): Logger {
  const dir = join(dataDir, 'logs');
  // Private like the rest of the library (library-fs.ts): the folder 0700, the log 0600 (an existing one is
  // tightened when the library opens).
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const level = env['ATELIER_LOG_LEVEL'] ?? 'info';
  return pino(
    { level, redact: { paths: REDACT, censor: '[redacted]' }, base: { app: 'atelier' } },
    pino.multistream([
      { level: level as pino.Level, stream: pino.destination({ dest: join(dir, 'atelier.log'), mkdir: true, sync: false, mode: 0o600 }) },
      { level: 'warn', stream: process.stderr },
    ]),
  );
}
