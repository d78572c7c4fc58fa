/**
 * The connection check Settings shows (`settings.check`): one cheap authenticated call per provider, timed, whose
 * provider errors come back in the result (never thrown).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/main/app';
import { ConnectionCheck } from '../../src/shared/domain';
import { call, openTestApp, tempDir } from '../helpers/app';
import { startApiframeTestServer, type ApiframeTestServer } from '../servers/apiframe/server';
import { startOpenAiTestServer, type OpenAiTestServer } from '../servers/openai/server';

const AF_KEY = 'afk_check_key_0001';
const OA_KEY = 'sk-check-openai-0001';

describe('settings.check', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let af: ApiframeTestServer;
  let oa: OpenAiTestServer;
  let local: OpenAiTestServer;
  let app: App;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    af = await startApiframeTestServer({ keys: [AF_KEY] });
    oa = await startOpenAiTestServer({ keys: [OA_KEY] });
    local = await startOpenAiTestServer({ keys: [], requireAuth: false });
    app = await openTestApp(dir, {
      env: {
        ATELIER_APIFRAME_BASE_URL: af.url,
        ATELIER_OPENAI_BASE_URL: oa.baseUrl,
        ATELIER_OPENAI_COMPATIBLE_BASE_URL: local.baseUrl,
      },
    });
  });
  afterEach(async () => {
    for (const provider of ['apiframe', 'openai'] as const) await call(app, 'settings.clearKey', { provider });
    await app.close();
    await Promise.all([af.close(), oa.close(), local.close()]);
    await cleanup();
  });

  it('reports the balance and account with the latency where the key is good', async () => {
    await call(app, 'settings.setKey', { provider: 'apiframe', key: AF_KEY });
    const check = await call(app, 'settings.check', { provider: 'apiframe' });
    expect(ConnectionCheck.parse(check)).toEqual(check);
    expect(check).toMatchObject({ provider: 'apiframe', ok: true, credits: 1000, error: null });
    expect(check.email).toEqual(expect.any(String));
    expect(check.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('returns a rejected key as a 401 in the result, with the latency, and does not retry it', async () => {
    await call(app, 'settings.setKey', { provider: 'openai', key: 'sk-wrong-9999' });
    const check = await call(app, 'settings.check', { provider: 'openai' });
    expect(check).toMatchObject({ provider: 'openai', ok: false, credits: null, email: null });
    expect(check.error?.code).toBe('provider_auth');
    expect(check.latencyMs).toBeGreaterThanOrEqual(0);
    expect(oa.state.requests.filter((r) => r.url.endsWith('/models'))).toHaveLength(1);
  });

  it('says what is missing when no key is set, and needs none for a keyless local server', async () => {
    const missing = await call(app, 'settings.check', { provider: 'openai' });
    expect(missing).toMatchObject({ ok: false, error: { code: 'no_api_key' } });
    const localCheck = await call(app, 'settings.check', { provider: 'openai-compatible' });
    expect(localCheck).toMatchObject({ ok: true, credits: null, error: null });
  });
});
