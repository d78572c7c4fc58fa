/**
 * Runs the EvoLink test server as its own process, for e2e tests:
 *
 *   npx tsx tests/servers/evolink/cli.ts [--port N | N]
 *
 * Prints `EVOLINK_TEST_SERVER_URL=http://127.0.0.1:PORT` on stdout once it listens; stops on SIGINT/SIGTERM. The one
 * URL serves both the task API and the Files API (point the app's EvoLink base URL at it; the adapter then uses it
 * for files too).
 *
 * Environment:
 * - `EVOLINK_TEST_PORT` (or `PORT`): port when not given on the command line; default 0 (a free port).
 * - `EVOLINK_TEST_KEYS`: comma list of accepted keys; default `sk-evo-test-key-0001`. `key=N` starts with N credits
 *   (default 1000); `key:noaccess` has no access to gpt-image-2 (403 on create).
 * - `EVOLINK_TEST_TASK_MS`: creation → completion, ms; default 3000.
 * - `EVOLINK_TEST_RESULT_SHAPE`: `results` (default), `result_data` or `both`.
 * - `EVOLINK_TEST_RETENTION_MS`: completion → result URLs 404, ms; default 24 h.
 * - `EVOLINK_TEST_POLICY_MARKER`: a prompt containing it fails with `content_policy_violation`; default `[[policy]]`.
 * - `EVOLINK_TEST_IMAGE_SCALE`: results are EvoLink's pixel size divided by this; default 8.
 *
 * The `/__control/*` API is on (see server.ts): `GET /__control/state`, `POST /__control/faults`
 * `{ route, fault, times?, after? }`, `POST /__control/advance` `{ ms }`, `POST /__control/config`, `POST /__control/clear`.
 */
import { commaList, numberEnv, parsePort, serveUntilSignal } from '../common';
import { startEvolinkTestServer, type EvolinkKeyConfig } from './server';

function parseKeys(raw: string | undefined): EvolinkKeyConfig[] {
  return commaList(raw, 'sk-evo-test-key-0001').map((spec) => {
    const m = /^([^:=]+)(?:=(\d+(?:\.\d+)?))?(?::(noaccess))?$/.exec(spec);
    if (!m) throw new Error('invalid EVOLINK_TEST_KEYS entry');
    return {
      key: m[1] as string,
      ...(m[2] !== undefined ? { credits: Number(m[2]) } : {}),
      ...(m[3] ? { modelAccess: false } : {}),
    };
  });
}

const shape = process.env['EVOLINK_TEST_RESULT_SHAPE'];
const retentionMs = numberEnv('EVOLINK_TEST_RETENTION_MS');
const imageScale = numberEnv('EVOLINK_TEST_IMAGE_SCALE');
const policyMarker = process.env['EVOLINK_TEST_POLICY_MARKER'];

const server = await startEvolinkTestServer({
  port: parsePort(process.argv.slice(2), 'EVOLINK_TEST_PORT'),
  keys: parseKeys(process.env['EVOLINK_TEST_KEYS']),
  taskDurationMs: numberEnv('EVOLINK_TEST_TASK_MS') ?? 3000,
  ...(shape === 'results' || shape === 'result_data' || shape === 'both' ? { resultShape: shape } : {}),
  ...(retentionMs !== undefined ? { retentionMs } : {}),
  ...(imageScale !== undefined && imageScale > 0 ? { imageScale } : {}),
  ...(policyMarker ? { policyMarker } : {}),
  controlApi: true,
});

serveUntilSignal(server, `EVOLINK_TEST_SERVER_URL=${server.url}`);
