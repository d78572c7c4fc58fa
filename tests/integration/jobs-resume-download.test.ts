/**
 * A synchronous provider's job that failed while its images were being fetched (an OpenAI-compatible server that
 * answers with URLs, whose download sent bytes that are no image) is resumed by a free retry where it stopped: the
 * outputs it was given are fetched again, with no second generation. Through the whole app against the OpenAI test
 * server in compatible mode over loopback.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/main/app';
import { jobActions } from '../../src/shared/jobs';
import { call, openTestApp, tempDir, jobFinished } from '../helpers/app';
import { startOpenAiTestServer, type OpenAiTestServer } from '../servers/openai/server';

describe('a free retry of a download that failed', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let local: OpenAiTestServer;
  let app: App;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    local = await startOpenAiTestServer({ keys: [], requireAuth: false, outputMode: 'url', usage: false, customModels: { 'local-diffusion': 'gpt-image-1' }, maxRenderEdge: 128 });
    app = await openTestApp(dir, { env: { ATELIER_OPENAI_COMPATIBLE_BASE_URL: local.baseUrl } });
    await call(app, 'settings.setCustomModels', { provider: 'openai-compatible', models: ['local-diffusion'] });
  });
  afterEach(async () => {
    await app.close();
    await local.close();
    await cleanup();
  });

  it('fetches the outputs again instead of asking the provider for a job it never kept', async () => {
    const folderId = (await call(app, 'folders.create', { name: 'Local', parentId: null })).id;
    local.state.inject('files', { kind: 'json', body: { not: 'an image' } }, { times: 1 });
    const job = await call(app, 'jobs.submit', { folderId, provider: 'openai-compatible', model: 'custom:local-diffusion', prompt: 'a tin robot', params: { size: '1024x1024' }, references: [] });
    const failed = await jobFinished(app, job.id);
    expect(failed.state).toBe('failed');
    expect(failed.error?.code).toBe('provider_bad_response');
    expect(jobActions(failed).retry).toEqual({ mode: 'resume', confirm: false });
    await call(app, 'jobs.retry', { id: job.id });
    const done = await jobFinished(app, job.id);
    expect(done.state).toBe('completed');
    expect(done.assetIds).toHaveLength(1);
    expect(local.state.requestsTo('generations')).toHaveLength(1);
    expect(local.state.requestsTo('files')).toHaveLength(2);
  });
});
