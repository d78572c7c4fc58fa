/**
 * A key follows its origin, never the base URL (issue 9 item 8): with two loopback Apiframe test servers, a key
 * saved while the base URL pointed at the first is never sent to the second after the base URL is changed; the
 * usual key (saved for the provider's own origin) goes nowhere else either; bad targets are refused and change
 * nothing. Every header, URL and body each server received is searched for the key.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/main/app';
import { checkBaseUrlTarget } from '../../src/main/services/settings';
import { call, callError, openTestApp, tempDir } from '../helpers/app';
import { startApiframeTestServer, type ApiframeTestServer } from '../servers/apiframe/server';

const KEY_A = 'afk_origin_a_0001_UNIQUE';
const KEY_USUAL = 'afk_origin_usual_0002_UNIQUE';

/** Everything a server received, as one string to search. */
const everythingReceived = (srv: ApiframeTestServer) =>
  JSON.stringify(srv.state.requests.map((r) => ({ url: r.url, headers: r.headers, body: r.body })));

describe('a provider key and its origin', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let first: ApiframeTestServer;
  let second: ApiframeTestServer;
  let app: App;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    // Both servers accept both keys: only the app's rule can keep a key from the second.
    first = await startApiframeTestServer({ keys: [KEY_A, KEY_USUAL] });
    second = await startApiframeTestServer({ keys: [KEY_A, KEY_USUAL] });
    app = await openTestApp(dir); // no ATELIER_APIFRAME_BASE_URL: the base URL is the user's setting
  });
  afterEach(async () => {
    for (const baseUrl of [null, first.url, second.url]) {
      await call(app, 'settings.setBaseUrl', { provider: 'apiframe', baseUrl });
      await call(app, 'settings.clearKey', { provider: 'apiframe' });
    }
    await app.close();
    await Promise.all([first.close(), second.close()]);
    await cleanup();
  });

  it('never sends the key saved for one server to another the base URL is changed to', async () => {
    await call(app, 'settings.setBaseUrl', { provider: 'apiframe', baseUrl: first.url });
    await call(app, 'settings.setKey', { provider: 'apiframe', key: KEY_A });
    expect(await call(app, 'settings.check', { provider: 'apiframe' })).toMatchObject({ ok: true, error: null });
    expect(everythingReceived(first)).toContain(KEY_A);

    // Re-point the provider at the second server and check the connection, as a caller with the session would.
    const moved = await call(app, 'settings.setBaseUrl', { provider: 'apiframe', baseUrl: second.url });
    expect(moved).toMatchObject({ baseUrl: second.url, keySet: false, keyLast4: null });
    const check = await call(app, 'settings.check', { provider: 'apiframe' });
    expect(check).toMatchObject({ ok: false, error: { code: 'no_api_key' } });
    expect(everythingReceived(second)).not.toContain(KEY_A);
    expect(second.state.requests).toHaveLength(0);

    // Back on the first server, its key is there again.
    const back = await call(app, 'settings.setBaseUrl', { provider: 'apiframe', baseUrl: first.url });
    expect(back).toMatchObject({ keySet: true, keyLast4: 'IQUE' });
    expect(await call(app, 'settings.check', { provider: 'apiframe' })).toMatchObject({ ok: true });
  });

  it('keeps the usual key (saved for the provider\'s own origin) for that origin only', async () => {
    await call(app, 'settings.setKey', { provider: 'apiframe', key: KEY_USUAL });
    await call(app, 'settings.setBaseUrl', { provider: 'apiframe', baseUrl: second.url });
    expect(await call(app, 'settings.check', { provider: 'apiframe' })).toMatchObject({ ok: false, error: { code: 'no_api_key' } });
    // Nor through a job: submit is refused before anything goes on the wire.
    const folder = await call(app, 'folders.create', { name: 'Keys', parentId: null });
    const err = await callError(app, 'jobs.submit', {
      provider: 'apiframe',
      model: 'gpt-image-2',
      prompt: 'a red square',
      params: {},
      folderId: folder.id,
      references: [],
    });
    expect(err.code).toBe('no_api_key');
    expect(everythingReceived(second)).not.toContain(KEY_USUAL);
    const usual = await call(app, 'settings.setBaseUrl', { provider: 'apiframe', baseUrl: null });
    expect(usual).toMatchObject({ keySet: true, keyLast4: 'IQUE' });
  });

  it('refuses plain http off loopback, link-local and metadata targets, and changes nothing', async () => {
    await call(app, 'settings.setBaseUrl', { provider: 'apiframe', baseUrl: first.url });
    for (const [baseUrl, reason] of [
      ['http://192.168.1.20:8080', 'http_not_loopback'],
      ['http://api.apiframe.ai', 'http_not_loopback'],
      ['http://169.254.169.254/latest', 'metadata'],
      ['https://169.254.169.254', 'metadata'],
      ['http://2852039166', 'metadata'], // 169.254.169.254 written as one number
      ['https://[::ffff:169.254.169.254]', 'metadata'],
      ['https://[fd00:ec2::254]', 'metadata'],
      ['https://metadata.google.internal/computeMetadata/v1', 'metadata'],
      ['https://METADATA.GOOGLE.INTERNAL.', 'metadata'],
      ['https://169.254.10.1', 'link_local'],
      ['https://[fe80::1]', 'link_local'],
      ['https://[febf::1]', 'link_local'],
    ] as const) {
      const err = await callError(app, 'settings.setBaseUrl', { provider: 'apiframe', baseUrl });
      expect(err.code, baseUrl).toBe('validation');
      expect(err.params, baseUrl).toMatchObject({ field: 'baseUrl', reason });
    }
    const [apiframe] = (await call(app, 'settings.providers', {})).filter((p) => p.provider === 'apiframe');
    expect(apiframe!.baseUrl).toBe(first.url);
  });
});

describe('checkBaseUrlTarget', () => {
  it('takes https anywhere public and http on loopback', () => {
    for (const url of ['https://api.apiframe.ai', 'https://gateway.example:8443/v1', 'http://127.0.0.1:8080/v1', 'http://127.5.0.1', 'http://localhost:1234', 'http://[::1]:80', 'https://[2001:db8::1]']) {
      expect(() => checkBaseUrlTarget(url), url).not.toThrow();
    }
  });
});
