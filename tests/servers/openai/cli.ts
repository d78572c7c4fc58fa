/**
 * Runs the OpenAI Images test server as its own process, for e2e tests:
 *
 *   npx tsx tests/servers/openai/cli.ts [--port N | N]
 *
 * Prints `OPENAI_TEST_SERVER_URL=http://127.0.0.1:PORT/v1` (the base URL clients use) on stdout once it listens;
 * stops on SIGINT/SIGTERM.
 *
 * Environment:
 * - `OPENAI_TEST_PORT` (or `PORT`): port when not given on the command line; default 0 (a free port).
 * - `OPENAI_TEST_KEYS`: comma list of accepted keys; default `sk-test-openai-0001`. A key written `key:unverified`
 *   gets 403 for GPT image models, `key:noquota` gets 429 `insufficient_quota`.
 * - `OPENAI_TEST_DELAY_MS`: processing delay of each image call, ms; default 0.
 * - `OPENAI_TEST_MAX_RENDER_EDGE`: long-edge cap of rendered images, px; default 1536.
 * - `OPENAI_TEST_MODERATION_MARKER`: a prompt containing it is refused (`moderation_blocked`); default `[[blocked]]`.
 * - Compatible mode: `OPENAI_TEST_CUSTOM_MODELS` (`name=gpt-image-1,other=gpt-image-2`), `OPENAI_TEST_NO_AUTH=1`,
 *   `OPENAI_TEST_NO_MODELS=1` (no `GET /v1/models`), `OPENAI_TEST_OUTPUT=url`.
 *
 * The `/__control/*` API is on (see server.ts): `GET /__control/state`, `POST /__control/faults`
 * `{ route, fault, times?, after? }`, `POST /__control/config`, `POST /__control/clear`.
 */
import { commaList, numberEnv, parsePort, serveUntilSignal } from '../common';
import { startOpenAiTestServer, type KnownModel, type OpenAiKeyConfig } from './server';

function parseKeys(raw: string | undefined): OpenAiKeyConfig[] {
  return commaList(raw, 'sk-test-openai-0001').map((spec) => {
    const m = /^([^:]+)(?::(unverified|noquota))?$/.exec(spec);
    if (!m) throw new Error('invalid OPENAI_TEST_KEYS entry');
    return {
      key: m[1] as string,
      ...(m[2] === 'unverified' ? { verified: false } : {}),
      ...(m[2] === 'noquota' ? { quotaExhausted: true } : {}),
    };
  });
}

const KNOWN: readonly KnownModel[] = ['gpt-image-2', 'gpt-image-1.5', 'gpt-image-1', 'gpt-image-1-mini'];

function parseCustomModels(raw: string | undefined): Record<string, KnownModel> {
  const out: Record<string, KnownModel> = {};
  for (const pair of (raw ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const [name, base] = pair.split('=');
    if (!name || !base || !(KNOWN as readonly string[]).includes(base)) throw new Error('invalid OPENAI_TEST_CUSTOM_MODELS entry');
    out[name] = base as KnownModel;
  }
  return out;
}

const delayMs = numberEnv('OPENAI_TEST_DELAY_MS');
const maxRenderEdge = numberEnv('OPENAI_TEST_MAX_RENDER_EDGE');
const marker = process.env['OPENAI_TEST_MODERATION_MARKER'];

const server = await startOpenAiTestServer({
  port: parsePort(process.argv.slice(2), 'OPENAI_TEST_PORT'),
  keys: parseKeys(process.env['OPENAI_TEST_KEYS']),
  customModels: parseCustomModels(process.env['OPENAI_TEST_CUSTOM_MODELS']),
  requireAuth: process.env['OPENAI_TEST_NO_AUTH'] !== '1',
  modelsEndpoint: process.env['OPENAI_TEST_NO_MODELS'] !== '1',
  outputMode: process.env['OPENAI_TEST_OUTPUT'] === 'url' ? 'url' : 'b64_json',
  ...(delayMs !== undefined ? { processingDelayMs: delayMs } : {}),
  ...(maxRenderEdge !== undefined ? { maxRenderEdge } : {}),
  ...(marker ? { moderationMarker: marker } : {}),
  controlApi: true,
});

serveUntilSignal(server, `OPENAI_TEST_SERVER_URL=${server.baseUrl}`);
