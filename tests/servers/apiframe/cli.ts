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
import { commaList, numberEnv, parsePort, serveUntilSignal } from '../common';
import { startApiframeTestServer, type ApiframeKeyConfig } from './server';

function parseKeys(raw: string | undefined): ApiframeKeyConfig[] {
  return commaList(raw, 'afk_test_key_0001').map((spec) => {
    const m = /^([^:=]+)(?:=(\d+))?(?::(inactive))?$/.exec(spec);
    if (!m) throw new Error('invalid APIFRAME_TEST_KEYS entry');
    return {
      key: m[1] as string,
      ...(m[2] !== undefined ? { credits: Number(m[2]) } : {}),
      ...(m[3] ? { active: false } : {}),
    };
  });
}

const shape = process.env['APIFRAME_TEST_RESULT_SHAPE'];
const jobDurationMs = numberEnv('APIFRAME_TEST_JOB_MS') ?? 3000;
const retentionMs = numberEnv('APIFRAME_TEST_RETENTION_MS');
const failMarker = process.env['APIFRAME_TEST_FAIL_MARKER'];

const server = await startApiframeTestServer({
  port: parsePort(process.argv.slice(2), 'APIFRAME_TEST_PORT'),
  keys: parseKeys(process.env['APIFRAME_TEST_KEYS']),
  jobDurationMs,
  ...(shape === 'string' || shape === 'images' ? { resultShape: shape } : {}),
  ...(retentionMs !== undefined ? { retentionMs } : {}),
  ...(failMarker ? { failMarker } : {}),
  controlApi: true,
});

serveUntilSignal(server, `APIFRAME_TEST_SERVER_URL=${server.url}`);
