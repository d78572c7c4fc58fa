/**
 * C2PA Content Credentials (issue 10) through the real dispatcher, a real SQLite file and real files: images signed
 * in the test with @contentauth/c2pa-wasm and a test CA made in the test (node:crypto keys, openssl certificates)
 * are imported; `assets.get` shows the manifest's summary (valid with the CA as trust anchor, untrusted without,
 * invalid with the reason for a tampered copy); the search filter "has content credentials" finds only them;
 * an original-bytes export keeps every byte (sha256) with the recipe in the sidecars and says the credentials were
 * kept; a converted export says they were not carried. A generated image (an OpenAI test-server output signed
 * like OpenAI's) is read when the job stores it.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/main/app';
import { readContentCredentials } from '../../src/main/services/library/credentials';
import type { ExportReport, ImportReport } from '../../src/shared/contracts/transfer';
import { extractXmp } from '../../src/main/services/transfer/xmp';
import { GOOD_IMAGES } from '../helpers/paths';
import { call, granted, openTestApp, tempDir, waitFor } from '../helpers/app';
import { hasOpenssl, makeTestSigner, signImage, type TestSigner } from '../helpers/c2pa-sign';
import { startOpenAiTestServer } from '../servers/openai/server';
import { finished } from './transfer-helpers';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const GENERATOR = { name: 'Atelier Test Generator', version: '2.1' };

describe.runIf(await hasOpenssl())('C2PA Content Credentials', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let signer: TestSigner;
  let anchors: string;
  let shoot: string;
  let signedJpeg: Buffer;
  let signedPng: Buffer;
  let app: App;
  let folderId: string;
  let byName: Map<string, string>;

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('atelier-c2pa-'));
    await mkdir(join(dir, 'pki'));
    signer = await makeTestSigner(join(dir, 'pki'));
    anchors = join(dir, 'pki', 'anchors.pem');
    await writeFile(anchors, signer.caPem);
    shoot = join(dir, 'shoot');
    await mkdir(shoot);
    signedJpeg = await signImage(await readFile(join(GOOD_IMAGES, 'rocket.jpg')), 'image/jpeg', signer, { claimGenerator: GENERATOR, title: 'rocket.jpg' });
    signedPng = await signImage(await readFile(join(GOOD_IMAGES, 'chelsea.png')), 'image/png', signer, { claimGenerator: GENERATOR, title: 'chelsea.png' });
    // A copy changed after signing: one byte of the image data (well inside the JPEG's entropy-coded scan).
    const tampered = Buffer.from(signedJpeg);
    tampered[tampered.length - 400]! ^= 0x55;
    await writeFile(join(shoot, 'signed.jpg'), signedJpeg);
    await writeFile(join(shoot, 'signed.png'), signedPng);
    await writeFile(join(shoot, 'tampered.jpg'), tampered);
    await writeFile(join(shoot, 'plain.png'), await readFile(join(GOOD_IMAGES, 'coffee.png')));

    app = await openTestApp(join(dir, 'lib'), { env: { ATELIER_SANDBOX_JOB_MS: '300', ATELIER_C2PA_TRUST_ANCHORS: anchors } });
    folderId = (await call(app, 'folders.create', { name: 'Credentials', parentId: null })).id;
    const names = ['signed.jpg', 'signed.png', 'tampered.jpg', 'plain.png'];
    const v = await call(app, 'import.start', { folderId, paths: granted(app, names.map((n) => join(shoot, n))), stackNearDuplicates: false }, 'electron');
    const report = (await finished(app, v)).report as ImportReport;
    expect(report.imported.map((i) => i.name).sort()).toEqual([...names].sort());
    byName = new Map(report.imported.map((i) => [i.name, i.assetId]));
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await cleanup?.();
  });

  it('a signed JPEG and PNG: the manifest summary is stored and assets.get shows it, valid against the test CA', async () => {
    for (const name of ['signed.jpg', 'signed.png']) {
      const detail = await call(app, 'assets.get', { id: byName.get(name)! });
      expect(detail.contentCredentials, name).toMatchObject({
        state: 'valid',
        reasons: [],
        issuer: signer.organisation,
        signer: 'Atelier Test Signer',
        claimGenerator: 'Atelier Test Generator 2.1',
        title: name.replace('signed', name.endsWith('.jpg') ? 'rocket' : 'chelsea'),
        actions: [{ action: 'c2pa.created', digitalSourceType: 'http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia', softwareAgent: null }],
        manifestCount: 1,
      });
    }
    // Kept in SQLite, per blob.
    const rows = app.services.db.prepare('SELECT state FROM blob_credentials ORDER BY state').all() as { state: string }[];
    expect(rows.map((r) => r.state)).toEqual(['invalid', 'none', 'valid', 'valid']);
  });

  it('a tampered copy reads invalid, with the hard binding as the reason; a plain image has none', async () => {
    const tampered = await call(app, 'assets.get', { id: byName.get('tampered.jpg')! });
    expect(tampered.contentCredentials?.state).toBe('invalid');
    expect(tampered.contentCredentials?.reasons.map((r) => r.code)).toContain('assertion.dataHash.mismatch');
    expect(tampered.contentCredentials?.issuer).toBe(signer.organisation);
    const plain = await call(app, 'assets.get', { id: byName.get('plain.png')! });
    expect(plain.contentCredentials).toBeNull();
  });

  it('without a trust anchor the same signer reads untrusted', async () => {
    const c = await readContentCredentials(signedJpeg, 'image/jpeg', null);
    expect(c?.state).toBe('untrusted');
    expect(c?.reasons.map((r) => r.code)).toEqual(['signingCredential.untrusted']);
    const other = await openTestApp(join(dir, 'lib-untrusted'));
    try {
      const f = (await call(other, 'folders.create', { name: 'U', parentId: null })).id;
      const v = await call(other, 'import.start', { folderId: f, paths: granted(other, [join(shoot, 'signed.png')]), stackNearDuplicates: false }, 'electron');
      const id = ((await finished(other, v)).report as ImportReport).imported[0]!.assetId;
      expect((await call(other, 'assets.get', { id })).contentCredentials?.state).toBe('untrusted');
    } finally {
      await other.close();
    }
  });

  it('a generated image is read when it is stored: an OpenAI output signed by the (test) server', async () => {
    const oa = await startOpenAiTestServer({
      keys: ['sk-test-openai-0001'],
      maxRenderEdge: 256,
      signOutput: (bytes, format) =>
        format === 'webp' ? Promise.resolve(bytes) : signImage(bytes, format === 'png' ? 'image/png' : 'image/jpeg', signer, { claimGenerator: { name: 'OpenAI test server', version: '1' } }),
    });
    const gen = await openTestApp(join(dir, 'lib-generated'), { env: { ATELIER_OPENAI_BASE_URL: oa.baseUrl, ATELIER_C2PA_TRUST_ANCHORS: anchors } });
    try {
      await call(gen, 'settings.setKey', { provider: 'openai', key: 'sk-test-openai-0001' });
      const f = (await call(gen, 'folders.create', { name: 'G', parentId: null })).id;
      const job = await call(gen, 'jobs.submit', { folderId: f, provider: 'openai', model: 'gpt-image-1', prompt: 'a signed lighthouse', params: { quality: 'low' }, references: [] });
      const done = await waitFor(async () => {
        const j = await call(gen, 'jobs.get', { id: job.id });
        return j.state === 'completed' || j.state === 'failed' ? j : null;
      }, 'the OpenAI job');
      expect(done.state).toBe('completed');
      const detail = await call(gen, 'assets.get', { id: done.assetIds[0]! });
      expect(detail.recipe?.prompt).toBe('a signed lighthouse');
      expect(detail.contentCredentials).toMatchObject({ state: 'valid', claimGenerator: 'OpenAI test server 1', issuer: signer.organisation });
      // Exported as original bytes with a preset that writes no sidecar: the file stays as signed, and the prompt
      // goes beside it in an .xmp sidecar rather than nowhere.
      const out = join(dir, 'out-generated');
      await mkdir(out);
      const p = await call(gen, 'export.savePreset', { id: null, name: 'Prompt', template: 'gen', format: 'original', metadata: 'prompt', quality: 90, longEdge: null });
      const v = await call(gen, 'export.start', { scope: { kind: 'assets', assetIds: [detail.id] }, presetId: p.id, targetDir: out });
      const report = (await finished(gen, v)).report as ExportReport;
      expect(report.written[0]).toMatchObject({ sidecar: null, xmpSidecar: 'gen.xmp', credentials: 'kept', embedded: { reason: 'content_credentials' } });
      const file = join(out, report.written[0]!.file);
      expect(sha256(await readFile(file))).toBe(sha256(await gen.services.store.read(detail.blob.id)));
      expect(await readFile(join(out, 'gen.xmp'), 'utf8')).toContain('a signed lighthouse');
      await call(gen, 'settings.clearKey', { provider: 'openai' });
    } finally {
      await gen.close();
      await oa.close();
    }
  });

  it('images stored before Atelier read credentials are read in the background when the library opens', async () => {
    const lib = join(dir, 'lib-older');
    let older = await openTestApp(lib, { env: { ATELIER_C2PA_TRUST_ANCHORS: anchors } });
    let ids: string[];
    try {
      const f = (await call(older, 'folders.create', { name: 'Older', parentId: null })).id;
      const v = await call(older, 'import.start', { folderId: f, paths: granted(older, [join(shoot, 'signed.jpg'), join(shoot, 'plain.png')]), stackNearDuplicates: false }, 'electron');
      ids = ((await finished(older, v)).report as ImportReport).imported.map((i) => i.assetId);
      // As a library from before migration 0015 would be: no row for any blob.
      older.services.db.exec('DELETE FROM blob_credentials');
      expect((await call(older, 'assets.get', { id: ids[0]! })).contentCredentials).toBeNull();
    } finally {
      await older.close();
    }
    older = await openTestApp(lib, { env: { ATELIER_C2PA_TRUST_ANCHORS: anchors } });
    try {
      const states = await waitFor(() => {
        const rows = older.services.db.prepare('SELECT state FROM blob_credentials ORDER BY state').all() as { state: string }[];
        return rows.length === 2 ? rows.map((r) => r.state) : null;
      }, 'the background read');
      expect(states).toEqual(['none', 'valid']);
      const byId = await Promise.all(ids.map(async (id) => (await call(older, 'assets.get', { id })).contentCredentials?.state ?? null));
      expect(byId.sort()).toEqual(['valid', null].sort());
    } finally {
      await older.close();
    }
  });

  it('the search filter "has content credentials" finds only the credentialed images', async () => {
    const query = async (has: boolean) =>
      (await call(app, 'assets.query', { scope: { kind: 'folder', folderId, recursive: false }, filters: { hasContentCredentials: has } })).items.map((i) => i.id).sort();
    expect(await query(true)).toEqual(['signed.jpg', 'signed.png', 'tampered.jpg'].map((n) => byName.get(n)!).sort());
    expect(await query(false)).toEqual([byName.get('plain.png')!]);
    const count = await call(app, 'assets.query', { scope: { kind: 'library' }, filters: { hasContentCredentials: true }, limit: 1 });
    expect(count.total).toBe(3);
  });

  it('original-bytes export of a signed file keeps every byte, puts the recipe in sidecars and reports the credentials kept', async () => {
    await call(app, 'assets.update', { ids: [byName.get('signed.jpg')!, byName.get('plain.png')!], patch: { title: 'Launch day', rating: 4 } });
    const out = join(dir, 'out-original');
    await mkdir(out);
    const full = await call(app, 'export.savePreset', { id: null, name: 'Originals', template: '{original}', format: 'original', metadata: 'full', quality: 90, longEdge: null });
    const v = await call(app, 'export.start', { scope: { kind: 'assets', assetIds: [byName.get('signed.jpg')!, byName.get('plain.png')!] }, presetId: full.id, targetDir: out });
    const report = (await finished(app, v)).report as ExportReport;
    expect(report.failed).toEqual([]);
    const [signed, plain] = report.written;
    expect(signed).toMatchObject({ file: 'signed.jpg', sidecar: 'signed.jpg.json', credentials: 'kept', embedded: { state: 'not_written', reason: 'content_credentials' } });
    const bytes = await readFile(join(out, signed!.file));
    expect(sha256(bytes)).toBe(sha256(signedJpeg));
    expect(extractXmp(bytes) ?? '').not.toContain('Launch day');
    expect((await readContentCredentials(bytes, 'image/jpeg', signer.caPem))?.state).toBe('valid');
    const json = JSON.parse(await readFile(join(out, signed!.sidecar!), 'utf8')) as { title?: string; rating?: number };
    expect(json).toMatchObject({ title: 'Launch day', rating: 4 });
    // A file without credentials is treated as before: the recipe goes inside.
    expect(plain).toMatchObject({ credentials: null, embedded: { state: 'written' } });
    expect(extractXmp(await readFile(join(out, plain!.file)))).toContain('Launch day');

    // A preset that also writes an .xmp sidecar: the recipe is there too, the file still untouched.
    const out2 = join(dir, 'out-xmp');
    await mkdir(out2);
    const xmp = await call(app, 'export.savePreset', { id: null, name: 'Lightroom', template: '{original}', format: 'original', metadata: 'full', quality: 90, longEdge: null, xmpSidecar: true });
    const v2 = await call(app, 'export.start', { scope: { kind: 'assets', assetIds: [byName.get('signed.jpg')!] }, presetId: xmp.id, targetDir: out2 });
    const r2 = (await finished(app, v2)).report as ExportReport;
    expect(r2.written[0]).toMatchObject({ sidecar: 'signed.jpg.json', xmpSidecar: 'signed.xmp', credentials: 'kept' });
    expect(sha256(await readFile(join(out2, 'signed.jpg')))).toBe(sha256(signedJpeg));
    expect(await readFile(join(out2, 'signed.xmp'), 'utf8')).toContain('Launch day');
  });

  it('a converted export says the credentials are not carried', async () => {
    const out = join(dir, 'out-converted');
    await mkdir(out);
    const p = await call(app, 'export.savePreset', { id: null, name: 'Web', template: '{original}', format: 'jpeg', metadata: 'full', quality: 80, longEdge: 256 });
    const v = await call(app, 'export.start', { scope: { kind: 'assets', assetIds: [byName.get('signed.png')!, byName.get('plain.png')!] }, presetId: p.id, targetDir: out });
    const report = (await finished(app, v)).report as ExportReport;
    expect(report.written.map((w) => w.credentials)).toEqual(['not_carried', null]);
    expect(report.written[0]!.embedded.state).toBe('written');
    expect(await readContentCredentials(await readFile(join(out, report.written[0]!.file)), 'image/jpeg', signer.caPem)).toBeNull();
  });
});
