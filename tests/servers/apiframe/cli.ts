/**
 * Runs the Apiframe test server as its own process, for e2e tests:
 *
 *   npx tsx tests/servers/apiframe/cli.ts [--port N | N]
 *
 * Prints `APIFRAME_TEST_SERVER_URL=http://127.0.0.1:PORT` on stdout once it listens; stops on SIGINT/SIGTERM.
 *
 * Environment:
 * - `APIFRAME_TEST_PORT` (or `PORT`): port when not given on the command line; default 0 (a free port).
 * - `APIFRAME_TEST_KEYS`: comma list of accepted keys; default `afk_test_key_0001`. A key written `key:inactive`
 *   answers 403; `key=N` starts with N credits (default 1000).
 * - `APIFRAME_TEST_JOB_MS`: creation → completion, ms; default 3000.
 * - `APIFRAME_TEST_RESULT_SHAPE`: `images` (default) or `string`.
 * - `APIFRAME_TEST_RETENTION_MS`: completion → expired, ms; default 24 h.
 * - `APIFRAME_TEST_FAIL_MARKER`: a prompt containing it fails with a content-policy reason; default `[[fail]]`.
 *
 * The `/__control/*` API is on (see server.ts): `GET /__control/state`, `POST /__control/faults`
 * `{ route, fault, times?, after? }`, `POST /__control/advance` `{ ms }`, `POST /__control/config`, `POST /__control/clear`.
 */
import { startApiframeTestServer, type ApiframeKeyConfig } from './server';

function parsePort(argv: string[]): number {
  const i = argv.indexOf('--port');
  const fromFlag = i >= 0 ? argv[i + 1] : argv.find((a) => /^\d+$/.test(a));
  const raw = fromFlag ?? process.env['APIFRAME_TEST_PORT'] ?? process.env['PORT'] ?? '0';
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid port ${raw}`);
  return port;
}

function parseKeys(raw: string | undefined): ApiframeKeyConfig[] {
  return (raw ?? 'afk_test_key_0001')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((spec) => {
      const m = /^([^:=]+)(?:=(\d+))?(?::(inactive))?$/.exec(spec);
      if (!m) throw new Error('invalid APIFRAME_TEST_KEYS entry');
      return {
        key: m[1] as string,
        ...(m[2] !== undefined ? { credits: Number(m[2]) } : {}),
        ...(m[3] ? { active: false } : {}),
      };
    });
}

function numberEnv(name: string): number | undefined {
  const v = process.env[name];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`invalid ${name}`);
  return n;
}

const shape = process.env['APIFRAME_TEST_RESULT_SHAPE'];
const jobDurationMs = numberEnv('APIFRAME_TEST_JOB_MS') ?? 3000;
const retentionMs = numberEnv('APIFRAME_TEST_RETENTION_MS');
const failMarker = process.env['APIFRAME_TEST_FAIL_MARKER'];

const server = await startApiframeTestServer({
  port: parsePort(process.argv.slice(2)),
  keys: parseKeys(process.env['APIFRAME_TEST_KEYS']),
  jobDurationMs,
  ...(shape === 'string' || shape === 'images' ? { resultShape: shape } : {}),
  ...(retentionMs !== undefined ? { retentionMs } : {}),
  ...(failMarker ? { failMarker } : {}),
  controlApi: true,
});

process.stdout.write(`APIFRAME_TEST_SERVER_URL=${server.url}\n`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await server.close();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
