/**
 * OpenAI chain steps through the Responses API (`previous_response_id`, https://platform.openai.com/docs/api-reference/responses), against the OpenAI test
 * server's `POST /v1/responses`:
 * - the first step sends the parent as an `input_image` data URL and no `previous_response_id`;
 * - the next step sends `previous_response_id` of the first, and the server derived its image from the first's;
 * - a branch from a version made through Images edits falls back to `/images/edits` and records why;
 * - a previous response the server does not know fails clearly; the tool's image usage is priced.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/main/app';
import type { JobView } from '../../src/shared/domain';
import { costFromUsage, type OpenAiImageUsage } from '../../src/shared/providers/openai';
import { GOOD_IMAGES } from '../helpers/paths';
import { call, callError, openTestApp, tempDir, waitFor } from '../helpers/app';
import { startOpenAiTestServer, type OpenAiTestServer } from '../servers/openai/server';

const KEY = 'sk-test-openai-0001';

interface ResponsesBodySeen {
  model: string;
  input: string | Array<{ role: string; content: Array<{ type: string; text?: string; image_url?: string }> }>;
  previous_response_id?: string;
  tools: Array<Record<string, unknown>>;
}

describe('OpenAI chain steps through the Responses API', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let oa: OpenAiTestServer;
  let app: App;
  let folderId: string;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    oa = await startOpenAiTestServer({ keys: [KEY], processingDelayMs: 10, maxRenderEdge: 256 });
    app = await openTestApp(dir, { env: { ATELIER_OPENAI_BASE_URL: oa.baseUrl } });
    await call(app, 'settings.setKey', { provider: 'openai', key: KEY });
    folderId = (await call(app, 'folders.create', { name: 'Responses', parentId: null })).id;
  });
  afterEach(async () => {
    await call(app, 'settings.clearKey', { provider: 'openai' });
    await app.close();
    await oa.close();
    await cleanup();
  });

  const settle = async (job: JobView): Promise<JobView> =>
    waitFor(async () => {
      const v = await call(app, 'jobs.get', { id: job.id });
      return ['completed', 'failed', 'canceled', 'expired'].includes(v.state) ? v : null;
    }, `job ${job.id}`);
  const done = async (job: JobView): Promise<string> => {
    const j = await settle(job);
    expect(j.state, JSON.stringify(j.error)).toBe('completed');
    return j.assetIds[0]!;
  };
  const importAstronaut = async (): Promise<{ assetId: string; bytes: Buffer }> => {
    const bytes = await readFile(join(GOOD_IMAGES, 'astronaut.png'));
    const blob = await app.services.store.put(bytes, 'astronaut.png', { maxBytes: 50e6, maxPixels: 50e6 });
    return { assetId: app.services.assets.createImported({ folderId, blobId: blob.id }).assetId, bytes };
  };
  const edit = (parentAssetId: string, prompt: string, extra: Record<string, unknown> = {}) =>
    call(app, 'jobs.submit', {
      folderId, provider: 'openai', model: 'gpt-image-2', prompt, params: {}, references: [], parentAssetId, ...extra,
    });
  const nodeOf = async (assetId: string) => (await call(app, 'chains.get', { assetId })).nodes.find((n) => n.assetId === assetId)!;
  const lastResponsesBody = () => oa.state.requestsTo('responses').at(-1)!.body as ResponsesBodySeen;
  const pixel = async (bytes: Uint8Array, x: number, y: number): Promise<number[]> => {
    const { data, info } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const i = (y * info.width + x) * info.channels;
    return [data[i]!, data[i + 1]!, data[i + 2]!];
  };
  const bytesOf = async (assetId: string) => app.services.store.read((await call(app, 'assets.get', { id: assetId })).blob.id);

  it('first step sends the parent as input_image; the next continues its response; the tool usage is priced', async () => {
    const root = await importAstronaut();
    const coat = await done(await edit(root.assetId, 'add a winter coat', { chainMethod: 'responses' }));

    const first = lastResponsesBody();
    expect(first.previous_response_id).toBeUndefined();
    expect(first.model).toBe('gpt-5.5');
    expect(first.tools).toHaveLength(1);
    expect(first.tools[0]).toMatchObject({ type: 'image_generation', model: 'gpt-image-2', action: 'edit', output_format: 'png' });
    expect(first.tools[0]).not.toHaveProperty('n');
    const parts = (first.input as Exclude<ResponsesBodySeen['input'], string>)[0]!.content;
    expect(parts[0]).toEqual({ type: 'input_text', text: 'add a winter coat' });
    expect(parts[1]!.type).toBe('input_image');
    expect(Buffer.from(parts[1]!.image_url!.replace(/^data:image\/png;base64,/, ''), 'base64').equals(root.bytes)).toBe(true);
    expect(oa.state.requestsTo('edits')).toHaveLength(0);

    const coatNode = await nodeOf(coat);
    expect(coatNode.method).toBe('responses_previous_response_id');
    expect(coatNode.fallback).toBeNull();
    expect(coatNode.responseId).toMatch(/^resp_/);
    expect(oa.state.responses.has(coatNode.responseId!)).toBe(true);

    // Cost: the tool's image usage priced with the model's prices; the mainline model's text tokens are left out.
    const coatJob = app.services.journal.get(coatNode.jobId!)!;
    expect(coatJob.remoteId).toBe(coatNode.responseId);
    expect(coatJob.costUsd).toBeGreaterThan(0);
    expect(coatJob.costUsd).toBe(costFromUsage('gpt-image-2', coatJob.usage as OpenAiImageUsage));
    expect(coatNode.costUsd).toBe(coatJob.costUsd);

    const scarf = await done(await edit(coat, 'add a scarf', { chainMethod: 'responses' }));
    const second = lastResponsesBody();
    expect(second.previous_response_id).toBe(coatNode.responseId);
    expect(second.input).toBe('add a scarf'); // the parent is already in the model's context
    const scarfNode = await nodeOf(scarf);
    expect(scarfNode.method).toBe('responses_previous_response_id');
    expect(scarfNode.parentId).toBe(coatNode.id);
    expect(oa.state.responses.get(scarfNode.responseId!)!.previousResponseId).toBe(coatNode.responseId);
    expect(oa.state.responsesContinued).toBe(1);

    // The server derived the scarf image from the coat image: same pixels below a white bar across the top.
    const [coatBytes, scarfBytes] = await Promise.all([bytesOf(coat), bytesOf(scarf)]);
    const meta = await sharp(scarfBytes).metadata();
    expect(await pixel(scarfBytes, 2, 2)).toEqual([255, 255, 255]);
    const y = Math.floor(meta.height! * 0.75);
    const a = await pixel(coatBytes, Math.floor(meta.width! / 2), y);
    const b = await pixel(scarfBytes, Math.floor(meta.width! / 2), y);
    for (let i = 0; i < 3; i++) expect(Math.abs(a[i]! - b[i]!)).toBeLessThanOrEqual(2);
  });

  it('a branch from a version made through Images edits falls back to /images/edits and records why', async () => {
    const root = await importAstronaut();
    const viaImages = await done(await edit(root.assetId, 'add a winter coat'));
    expect((await nodeOf(viaImages)).method).toBe('images_edit');
    const editsBefore = oa.state.requestsTo('edits').length;

    const next = await done(await edit(viaImages, 'add a scarf', { chainMethod: 'responses' }));
    const node = await nodeOf(next);
    expect(node.method).toBe('images_edit');
    expect(node.fallback).toBe('parent_not_responses');
    expect(node.responseId).toBeNull();
    expect(oa.state.requestsTo('edits')).toHaveLength(editsBefore + 1);
    expect(oa.state.requestsTo('responses')).toHaveLength(0);

    // The Images API stays the default: no chainMethod → images_edit without a fallback note.
    const plain = await done(await edit(root.assetId, 'make it a raincoat'));
    expect(await nodeOf(plain)).toMatchObject({ method: 'images_edit', fallback: null });
  });

  it('a previous response OpenAI does not know fails clearly, after exactly one POST', async () => {
    const root = await importAstronaut();
    const coat = await done(await edit(root.assetId, 'add a winter coat', { chainMethod: 'responses' }));
    const coatNode = await nodeOf(coat);
    app.services.db.prepare('UPDATE versions SET response_id = ? WHERE id = ?').run('resp_gone_from_openai', coatNode.id);
    const posts = oa.state.requestsTo('responses').length;

    const failed = await settle(await edit(coat, 'add a scarf', { chainMethod: 'responses' }));
    expect(failed.state).toBe('failed');
    expect(failed.error).toMatchObject({ code: 'provider_rejected', params: { reason: 'previous_response_not_found' } });
    expect(failed.error!.message).toMatch(/resp_gone_from_openai/);
    expect(oa.state.requestsTo('responses')).toHaveLength(posts + 1);
    expect(oa.state.requestsTo('responses').at(-1)!.status).toBe(400);
  });

  it('refuses the Responses API where it is not offered, before anything is sent', async () => {
    const root = await importAstronaut();
    const mini = await callError(app, 'jobs.submit', {
      folderId, provider: 'openai', model: 'gpt-image-1-mini', prompt: 'x', params: {}, references: [], parentAssetId: root.assetId, chainMethod: 'responses',
    });
    expect(mini).toMatchObject({ code: 'validation', params: { field: 'chainMethod', reason: 'unsupported' } });
    const noParent = await callError(app, 'jobs.submit', {
      folderId, provider: 'openai', model: 'gpt-image-2', prompt: 'x', params: {}, references: [], chainMethod: 'responses',
    });
    expect(noParent).toMatchObject({ code: 'validation', params: { field: 'chainMethod', reason: 'needs_parent' } });
    expect(oa.state.requests.filter((r) => r.route !== 'models')).toHaveLength(0);
  });

  it('a replay of a Responses step on another OpenAI model keeps the way; on the sandbox it uses the sandbox way', async () => {
    const root = await importAstronaut();
    const coat = await done(await edit(root.assetId, 'add a winter coat', { chainMethod: 'responses' }));
    const coatNode = await nodeOf(coat);
    const again = await done(await call(app, 'chains.replay', { versionId: coatNode.id, provider: 'openai', model: 'gpt-image-1.5' }));
    const replayNode = await nodeOf(again);
    expect(replayNode).toMatchObject({ method: 'responses_previous_response_id', replayOf: coatNode.id });
    expect(lastResponsesBody().tools[0]).toMatchObject({ model: 'gpt-image-1.5', input_fidelity: 'high' });
    const sandbox = await done(await call(app, 'chains.replay', { versionId: coatNode.id, provider: 'sandbox', model: 'gpt-image-2' }));
    expect((await nodeOf(sandbox)).method).toBe('sandbox_reference');
  });
});
