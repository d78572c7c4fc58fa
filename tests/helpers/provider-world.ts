/**
 * An app on its own library wired to the Apiframe, EvoLink and OpenAI test servers (base URLs through the
 * ATELIER_*_BASE_URL variables, a key for each set through Settings as the UI does), with one project.
 */
import type { App } from '../../src/main/app';
import { startApiframeTestServer, type ApiframeTestServer, type ApiframeTestServerOptions } from '../servers/apiframe/server';
import { startEvolinkTestServer, type EvolinkTestServer, type EvolinkTestServerOptions } from '../servers/evolink/server';
import { startOpenAiTestServer, type OpenAiTestServer, type OpenAiTestServerOptions } from '../servers/openai/server';
import { call, openTestApp, tempDir } from './app';

/** The test key of each provider's server. */
export const PROVIDER_KEYS = { apiframe: 'afk_test_key_0001', evolink: 'sk-evo-test-key-0001', openai: 'sk-test-openai-0001' } as const;

export interface ProviderWorld {
  dir: string;
  af: ApiframeTestServer;
  ev: EvolinkTestServer;
  oa: OpenAiTestServer;
  app: App;
  /** The project created for the test. */
  folderId: string;
  /** Clears the keys, closes the app and the servers, removes the library folder. */
  close(): Promise<void>;
}

/** Starts the three servers (fast defaults, overridable), the app, sets the keys and creates project `projectName`. */
export async function startProviderWorld(
  projectName: string,
  opts: {
    apiframe?: Partial<ApiframeTestServerOptions>;
    evolink?: Partial<EvolinkTestServerOptions>;
    openai?: Partial<OpenAiTestServerOptions>;
  } = {},
): Promise<ProviderWorld> {
  const { dir, cleanup } = await tempDir();
  const af = await startApiframeTestServer({ keys: [PROVIDER_KEYS.apiframe], jobDurationMs: 300, queueDelayMs: 50, imageLongEdge: 128, ...opts.apiframe });
  const ev = await startEvolinkTestServer({ keys: [PROVIDER_KEYS.evolink], taskDurationMs: 300, ...opts.evolink });
  const oa = await startOpenAiTestServer({ keys: [PROVIDER_KEYS.openai], processingDelayMs: 20, maxRenderEdge: 256, ...opts.openai });
  const app = await openTestApp(dir, {
    env: { ATELIER_APIFRAME_BASE_URL: af.url, ATELIER_EVOLINK_BASE_URL: ev.url, ATELIER_OPENAI_BASE_URL: oa.baseUrl },
  });
  const providers = ['apiframe', 'evolink', 'openai'] as const;
  for (const p of providers) await call(app, 'settings.setKey', { provider: p, key: PROVIDER_KEYS[p] });
  const folderId = (await call(app, 'folders.create', { name: projectName, parentId: null })).id;
  return {
    dir,
    af,
    ev,
    oa,
    app,
    folderId,
    async close() {
      for (const p of providers) await call(app, 'settings.clearKey', { provider: p });
      await app.close();
      await Promise.all([af.close(), ev.close(), oa.close()]);
      await cleanup();
    },
  };
}
