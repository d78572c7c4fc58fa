/**
 * What an export writes, read with other people's tools: every metadata level (full recipe / prompt only /
 * nothing) × format (original bytes PNG and JPEG, converted PNG, JPEG, WebP) read with exiftool, exiv2 and a
 * strict XML parser (saxes), on images generated and edited through the OpenAI test server and a photo that
 * carries EXIF and another tool's XMP. Issue 10's export defects each have an assertion here: large packets as
 * Extended XMP (and never "written" when not in the file), PNG iTXt only, characters XML forbids removed and CR
 * kept, the prompt written once, another tool's XMP merged not replaced, Exif before XMP in JPEG; plus the
 * standard fields and the `.xmp` sidecar.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SaxesParser } from 'saxes';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/main/app';
import type { ExportReport, ImportReport } from '../../src/shared/contracts/transfer';
import type { JobView } from '../../src/shared/domain';
import { readXmp } from '../../src/main/services/transfer/xmp';
import { GOOD_IMAGES } from '../helpers/paths';
import { call, openTestApp, tempDir, waitFor } from '../helpers/app';
import { startOpenAiTestServer, type OpenAiTestServer } from '../servers/openai/server';
import { finished } from './transfer-helpers';

const run = promisify(execFile);
const KEY = 'sk-test-openai-0001';
/** CRLF, U+FFFE, a lone surrogate and NUL among Korean, Japanese and markup characters. */
const PROMPT = 'Line one, 물결 & 波 <soft>\r\nline two \uFFFE\uD800\u0000 end';
/**
 * What the file carries: U+FFFE and NUL removed (XML 1.0 forbids them), CRLF kept. The lone surrogate was already
 * U+FFFD in the library (SQLite stores UTF-8); its removal is unit-tested (tests/unit/xmp.test.ts).
 */
const CLEAN = 'Line one, 물결 & 波 <soft>\r\nline two \uFFFD end';
const TRAINED = 'http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia';
const COMPOSITE = 'http://cv.iptc.org/newscodes/digitalsourcetype/compositeWithTrainedAlgorithmicMedia';

type Tags = Record<string, unknown>;

/** exiftool's reading of files: `-j -G1 -a -struct`, keyed by file path. */
async function exiftool(files: string[]): Promise<Map<string, Tags>> {
  const { stdout } = await run('exiftool', ['-j', '-G1', '-a', '-struct', ...files], { maxBuffer: 64 << 20 });
  return new Map((JSON.parse(stdout) as Tags[]).map((t) => [String(t['SourceFile']), t]));
}

/** exiftool's structure check of each file (`-validate`): `OK`, or what it found. */
async function validate(files: string[]): Promise<Map<string, string>> {
  const { stdout } = await run('exiftool', ['-j', '-validate', '-warning', '-a', ...files], { maxBuffer: 64 << 20 });
  return new Map((JSON.parse(stdout) as Tags[]).map((t) => [String(t['SourceFile']), String(t['Validate'])]));
}

/** exiv2's XMP keys per file (`exiv2 -px`; exit code 253 "no XMP" is an empty result). */
async function exiv2(file: string): Promise<Map<string, string>> {
  const out = await run('exiv2', ['-px', file], { maxBuffer: 64 << 20 }).catch((e: { stdout?: string; stderr?: string; code?: number }) => {
    if (typeof e.stdout === 'string') return { stdout: e.stdout, stderr: e.stderr ?? '' };
    throw e;
  });
  expect(out.stderr, file).not.toMatch(/error|warning/i);
  const m = new Map<string, string>();
  for (const line of out.stdout.split('\n')) {
    const r = /^(Xmp\.\S+)\s+\S+\s+\d+\s*(.*)$/s.exec(line);
    if (r) m.set(r[1]!, r[2]!);
  }
  return m;
}

/** Parses with saxes (strict, namespaces on); returns the text of the first element named `qname`. */
function strictText(xml: string, qname: string): string | null {
  const p = new SaxesParser({ xmlns: true });
  let depth = 0;
  let inside = false;
  let text = '';
  let found: string | null = null;
  p.on('error', (e) => {
    throw e;
  });
  p.on('opentag', (t) => {
    if (found === null && t.name === qname) inside = true;
    if (inside) depth++;
  });
  p.on('text', (t) => {
    if (inside) text += t;
  });
  p.on('closetag', () => {
    if (!inside) return;
    if (--depth === 0) {
      inside = false;
      found = text;
    }
  });
  p.write(xml).close();
  return found;
}

/** JPEG APP segments in file order: marker and the first bytes of the payload. */
function jpegApps(b: Buffer): Array<{ marker: number; head: string }> {
  const out: Array<{ marker: number; head: string }> = [];
  for (let off = 2; off + 4 <= b.length; ) {
    const marker = b[off + 1]!;
    if (marker === 0xda) break;
    const len = b.readUInt16BE(off + 2);
    if (marker >= 0xe0 && marker <= 0xef) out.push({ marker, head: b.toString('latin1', off + 4, off + 4 + 34) });
    off += 2 + len;
  }
  return out;
}

function pngChunks(b: Buffer): Array<{ type: string; keyword: string }> {
  const out: Array<{ type: string; keyword: string }> = [];
  for (let off = 8; off + 12 <= b.length; ) {
    const len = b.readUInt32BE(off);
    const type = b.toString('latin1', off + 4, off + 8);
    const data = b.subarray(off + 8, off + 8 + len);
    out.push({ type, keyword: /^(iTXt|zTXt|tEXt)$/.test(type) ? data.toString('latin1', 0, data.indexOf(0)) : '' });
    off += 12 + len;
  }
  return out;
}

describe('export metadata read by exiftool, exiv2 and a strict XML parser', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let oa: OpenAiTestServer;
  let app: App;
  let folderId: string;
  /** Generated PNG (title, tags, 4 stars, picked), generated JPEG (rejected), the photo, an edit of the photo. */
  let gen: string;
  let genJpeg: string;
  let photo: string;
  let edit: string;
  let photoXmp: Tags;
  let out: string;
  let presets = 0;

  const done = async (job: JobView): Promise<string> => {
    const j = await waitFor(async () => {
      const v = await call(app, 'jobs.get', { id: job.id });
      return ['completed', 'failed', 'canceled', 'expired'].includes(v.state) ? v : null;
    }, `job ${job.id}`);
    expect(j.state, JSON.stringify(j.error)).toBe('completed');
    return j.assetIds[0]!;
  };
  const generate = async (prompt: string, format: 'png' | 'jpeg'): Promise<string> =>
    done(await call(app, 'jobs.submit', { folderId, provider: 'openai', model: 'gpt-image-2', prompt, params: { quality: 'low', output_format: format }, references: [] }));
  const importFile = async (file: string): Promise<string> => {
    const v = await call(app, 'import.start', { folderId, paths: null, stackNearDuplicates: false });
    const name = file.split('/').pop()!;
    await call(app, 'import.addFiles', { taskId: v.id, files: [{ name, dataBase64: (await readFile(file)).toString('base64') }], total: 1, last: true });
    const r = (await finished(app, v)).report as ImportReport;
    expect(r.skipped).toEqual([]);
    return r.imported[0]!.assetId;
  };
  const exportWith = async (
    preset: { format: 'original' | 'png' | 'jpeg' | 'webp'; metadata: 'full' | 'prompt' | 'none'; xmpSidecar?: boolean },
    assetIds: string[],
  ): Promise<ExportReport> => {
    const name = `${preset.format}-${preset.metadata}${preset.xmpSidecar ? '-xmp' : ''}-${++presets}`;
    const p = await call(app, 'export.savePreset', { id: null, name, template: `${name}/{index}`, quality: 80, longEdge: preset.format === 'original' ? null : 64, ...preset });
    const v = await call(app, 'export.start', { scope: { kind: 'assets', assetIds }, presetId: p.id, targetDir: out });
    const r = (await finished(app, v)).report as ExportReport;
    expect(r.failed).toEqual([]);
    return r;
  };

  beforeAll(async () => {
    process.env['TZ'] = 'Asia/Seoul';
    ({ dir, cleanup } = await tempDir('atelier-xmp-'));
    oa = await startOpenAiTestServer({ keys: [KEY], processingDelayMs: 10, maxRenderEdge: 64 });
    app = await openTestApp(join(dir, 'lib'), { env: { ATELIER_OPENAI_BASE_URL: oa.baseUrl } });
    await call(app, 'settings.setKey', { provider: 'openai', key: KEY });
    folderId = (await call(app, 'folders.create', { name: 'Metadata', parentId: null })).id;

    // A photo with EXIF (the fixture's own) and XMP from another tool, made here with exiftool.
    const src = join(dir, 'hubble.jpg');
    await copyFile(join(GOOD_IMAGES, 'hubble_deep_field.jpg'), src);
    await run('exiftool', [
      '-overwrite_original',
      '-XMP-dc:Creator=NASA Hubble',
      '-XMP-photoshop:City=Baltimore',
      '-XMP-exif:DateTimeOriginal=1995:12:18 10:00:00',
      '-XMP-xmp:CreatorTool=Telescope 1.0',
      '-XMP-xmp:Rating=2',
      '-XMP-dc:Subject=space',
      '-XMP-dc:Subject=galaxies',
      '-XMP-iptcCore:Location=Space Telescope Science Institute',
      src,
    ]);
    photoXmp = (await exiftool([src])).get(src)!;
    photo = await importFile(src);
    gen = await generate(PROMPT, 'png');
    genJpeg = await generate('A rejected lighthouse', 'jpeg');
    edit = await done(
      await call(app, 'jobs.submit', { folderId, provider: 'openai', model: 'gpt-image-2', prompt: 'add a comet', params: { quality: 'low' }, references: [], parentAssetId: photo }),
    );
    await call(app, 'assets.update', { ids: [gen], patch: { title: 'Dusk 해질녘', rating: 4, flag: 1 } });
    await call(app, 'assets.update', { ids: [genJpeg], patch: { rating: 3, flag: -1 } });
    await call(app, 'assets.update', { ids: [photo], patch: { rating: 5 } });
    await call(app, 'assets.tag', { ids: [gen], add: ['물결', 'dusk'] });
    await call(app, 'assets.tag', { ids: [photo], add: ['nebula', 'space'] });
    out = join(dir, 'out');
    await mkdir(out);
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await oa?.close();
    await cleanup?.();
  });

  it('every level × format: the fields other tools read, once, well-formed, CRLF kept, forbidden characters gone', async () => {
    const files: Array<{ file: string; level: 'full' | 'prompt' | 'none'; format: string; asset: string; embedded: ExportReport['written'][number]['embedded'] }> = [];
    for (const metadata of ['full', 'prompt', 'none'] as const) {
      // Original bytes: the generated PNG, the generated JPEG, the photo (JPEG with EXIF + XMP); converted: all four.
      const orig = await exportWith({ format: 'original', metadata }, [gen, genJpeg, photo]);
      orig.written.forEach((w, i) => files.push({ file: join(out, w.file), level: metadata, format: 'original', asset: [gen, genJpeg, photo][i]!, embedded: w.embedded }));
      for (const format of ['png', 'jpeg', 'webp'] as const) {
        const r = await exportWith({ format, metadata }, [gen, photo, edit]);
        r.written.forEach((w, i) => files.push({ file: join(out, w.file), level: metadata, format, asset: [gen, photo, edit][i]!, embedded: w.embedded }));
      }
    }
    expect(files).toHaveLength(3 * 12);
    const et = await exiftool(files.map((f) => f.file));
    const valid = await validate(files.map((f) => f.file));
    for (const f of files) {
      const bytes = await readFile(f.file);
      const tags = et.get(f.file)!;
      const what = `${f.level} ${f.format} ${f.file.slice(out.length + 1)}`;
      expect(tags['ExifTool:Warning'], what).toBeUndefined();
      expect(tags['ExifTool:Error'], what).toBeUndefined();
      // exiftool's own structure check (the photo's original bytes carry the fixture's EXIF as it came).
      if (f.format !== 'original' || f.asset !== photo) expect(valid.get(f.file), what).toBe('OK');
      const x = readXmp(bytes);
      const xmpKeys = Object.keys(tags).filter((k) => k.startsWith('XMP-'));
      const atelierKeys = xmpKeys.filter((k) => k.startsWith('XMP-atelier:'));

      // Container: PNG in iTXt only, JPEG with Exif before XMP.
      if (bytes.readUInt32BE(0) === 0x89504e47) {
        const chunks = pngChunks(bytes);
        expect(chunks.filter((c) => c.type === 'zTXt' || c.type === 'tEXt'), what).toEqual([]);
        expect(chunks.filter((c) => c.keyword === 'XML:com.adobe.xmp').map((c) => c.type), what).toEqual(f.embedded.state === 'written' ? ['iTXt'] : []);
      }
      if (bytes[0] === 0xff && bytes[1] === 0xd8) {
        const apps = jpegApps(bytes);
        const exif = apps.findIndex((a) => a.marker === 0xe1 && a.head.startsWith('Exif\0\0'));
        const xmp = apps.findIndex((a) => a.marker === 0xe1 && a.head.startsWith('http://ns.adobe.com/xap/1.0/'));
        if (exif >= 0 && xmp >= 0) expect(exif, what).toBeLessThan(xmp);
      }

      if (f.level === 'none') {
        if (f.format === 'original') {
          // Untouched: the stored bytes (the photo keeps its own XMP).
          const blob = (await call(app, 'assets.get', { id: f.asset })).blob;
          expect(bytes.equals(await readFile(app.services.store.pathOf(blob.id))), what).toBe(true);
        } else {
          expect(xmpKeys, what).toEqual([]);
          expect(x.standard, what).toBeNull();
        }
        expect(f.embedded.state, what).toBe('none');
        continue;
      }
      const hasSomething = f.asset !== photo || f.level === 'full';
      expect(f.embedded, what).toEqual(hasSomething ? { state: 'written', extended: false, reason: null, detail: null } : { state: 'none', extended: false, reason: null, detail: null });
      if (!hasSomething) continue;

      // The strict parser takes the packet; exiv2 reads it without complaint.
      expect(() => strictText(x.standard!, 'x:xmpmeta'), what).not.toThrow();
      const ev = await exiv2(f.file);
      expect(ev.size, what).toBeGreaterThan(0);

      if (f.asset === gen) {
        // The prompt once, as dc:description; CRLF kept; the forbidden characters removed.
        expect(tags['XMP-dc:Description'], what).toBe(CLEAN);
        expect(strictText(x.standard!, 'rdf:li'), what).toBe(f.level === 'full' ? 'Dusk 해질녘' : CLEAN);
        expect(x.standard!.split('Line one').length - 1, what).toBe(1);
        expect(tags['XMP-atelier:Prompt'], what).toBeUndefined();
        expect(tags['XMP-iptcExt:DigitalSourceType'], what).toBe(TRAINED);
        expect(ev.get('Xmp.iptcExt.DigitalSourceType'), what).toBe(TRAINED);
        expect(ev.get('Xmp.dc.description'), what).toContain('Line one, 물결 & 波 <soft>');
      }
      if (f.level === 'prompt') {
        expect(atelierKeys, what).toEqual([]);
        expect(tags['XMP-dc:Title'], what).toBeUndefined();
        continue;
      }
      // Full recipe: the standard fields and Atelier's namespace.
      if (f.asset === gen) {
        expect(tags, what).toMatchObject({
          'XMP-dc:Title': 'Dusk 해질녘',
          'XMP-dc:Subject': ['dusk', '물결'],
          'XMP-xmp:Rating': 4,
          'XMP-xmp:CreatorTool': expect.stringMatching(/^Atelier \d+\.\d+\.\d+$/),
          'XMP-iptcExt:AISystemUsed': 'gpt-image-2',
          'XMP-atelier:Provider': 'openai',
          'XMP-atelier:Model': 'gpt-image-2',
          'XMP-atelier:Pick': true, // exiftool reads an XMP Boolean "True" as JSON true
        });
        // ISO 8601 with the local offset (Asia/Seoul here); exiftool shows it with colons in the date.
        expect(tags['XMP-xmp:CreateDate'], what).toMatch(/^\d{4}:\d\d:\d\d \d\d:\d\d:\d\d\+09:00$/);
        expect(x.standard, what).toMatch(/<xmp:CreateDate>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+09:00<\/xmp:CreateDate>/);
        expect(ev.get('Xmp.dc.subject'), what).toBe('dusk, 물결');
        expect(ev.get('Xmp.xmp.Rating'), what).toBe('4');
        expect(JSON.parse(String(tags['XMP-atelier:Cost'])), what).toHaveProperty('usd');
        expect(JSON.parse(String(tags['XMP-atelier:Lineage'])), what).toMatchObject({ references: [] });
      }
      if (f.asset === genJpeg) expect(tags['XMP-xmp:Rating'], what).toBe(-1); // rejected, as Lightroom writes it
      if (f.asset === edit) {
        expect(tags['XMP-iptcExt:DigitalSourceType'], what).toBe(COMPOSITE);
        expect(JSON.parse(String(tags['XMP-atelier:Lineage'])), what).toMatchObject({ parentAssetId: photo });
      }
      if (f.asset === photo) {
        expect(tags['XMP-iptcExt:DigitalSourceType'], what).toBeUndefined(); // a photo is not labelled as AI
        // The photo's own date stays (original bytes); Atelier's import time is never written as its creation.
        expect(tags['XMP-xmp:CreateDate'], what).toEqual(f.format === 'original' ? photoXmp['XMP-xmp:CreateDate'] : undefined);
        expect(tags['XMP-atelier:Kind'], what).toBe('imported');
        expect(tags['XMP-xmp:Rating'], what).toBe(5);
        if (f.format === 'original') {
          // Merged, not replaced: every other property and namespace of the photo's XMP is still there.
          for (const [k, v] of Object.entries(photoXmp)) {
            if (!k.startsWith('XMP-') || k === 'XMP-xmp:Rating' || k === 'XMP-dc:Subject' || k === 'XMP-x:XMPToolkit') continue;
            expect(tags[k], `${what} ${k}`).toEqual(v);
          }
          expect(tags['XMP-dc:Subject'], what).toEqual(['space', 'galaxies', 'nebula']);
          expect(tags['XMP-xmp:CreatorTool'], what).toBe('Telescope 1.0');
          expect(Object.keys(tags).filter((k) => k.startsWith('IFD0:') || k.startsWith('ExifIFD:')).length, what).toBeGreaterThan(0);
          expect(ev.get('Xmp.photoshop.City'), what).toBe('Baltimore');
        }
      }
    }
  }, 120_000);

  it('a prompt too large for one JPEG segment goes into Extended XMP: exiftool gets it back whole', async () => {
    // 32,000 characters, 11,000 Korean characters (these used to vanish), and 30,000 Korean (≈ 90 KB of UTF-8).
    const prompts = ['p'.repeat(31_990) + ' 끝 end', '가'.repeat(11_000), '각'.repeat(29_990) + '\r\n끝'];
    const ids: string[] = [];
    for (const p of prompts) ids.push(await generate(p, 'jpeg'));
    const conv = await exportWith({ format: 'jpeg', metadata: 'full' }, ids);
    const orig = await exportWith({ format: 'original', metadata: 'full' }, ids);
    const written = [...conv.written, ...orig.written];
    const et = await exiftool(written.map((w) => join(out, w.file)));
    for (const [i, w] of written.entries()) {
      const file = join(out, w.file);
      const tags = et.get(file)!;
      const prompt = prompts[i % 3]!;
      const bytes = await readFile(file);
      expect(w.embedded.state, w.file).toBe('written');
      expect(w.embedded.extended, w.file).toBe(Buffer.byteLength(prompt) > 60_000);
      expect(tags['ExifTool:Warning'], w.file).toBeUndefined();
      expect(tags['XMP-dc:Description'], w.file).toBe(prompt);
      expect(tags['XMP-atelier:Model'], w.file).toBe('gpt-image-2');
      const x = readXmp(bytes);
      expect(Buffer.byteLength(x.standard!), w.file).toBeLessThanOrEqual(65_502);
      expect(() => strictText(x.standard!, 'x:xmpmeta'), w.file).not.toThrow();
      if (w.embedded.extended) {
        expect(tags['XMP-xmpNote:HasExtendedXMP'], w.file).toMatch(/^[0-9A-F]{32}$/);
        expect(strictText(x.extended!, 'rdf:li'), w.file).toBe(prompt);
        // exiv2 reads the standard packet (it does not reassemble the extended part) without complaint.
        expect((await exiv2(file)).get('Xmp.atelier.Model'), w.file).toBe('gpt-image-2');
      }
      expect((await sharp(bytes).metadata()).format, w.file).toBe('jpeg');
    }
  }, 60_000);

  it('a photo whose own XMP is malformed is exported as it was, and the report says the recipe was not written', async () => {
    const bytes = await readFile(join(GOOD_IMAGES, 'hubble_deep_field.jpg'));
    const packet = Buffer.from('http://ns.adobe.com/xap/1.0/\0<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><broken></x:xmpmeta>', 'latin1');
    const seg = Buffer.alloc(4);
    seg.writeUInt16BE(0xffe1, 0);
    seg.writeUInt16BE(packet.length + 2, 2);
    const bad = join(dir, 'broken-xmp.jpg');
    await writeFile(bad, Buffer.concat([bytes.subarray(0, 2), seg, packet, bytes.subarray(2)]));
    const id = await importFile(bad);
    const r = await exportWith({ format: 'original', metadata: 'full', xmpSidecar: true }, [id]);
    const w = r.written[0]!;
    expect(w.embedded.state).toBe('not_written');
    expect(w.embedded.reason).toBe('source_unreadable');
    expect(w.embedded.detail).toMatch(/own XMP cannot be read/);
    expect((await readFile(join(out, w.file))).equals(await readFile(bad))).toBe(true);
    // The sidecars still carry the recipe.
    expect(w.xmpSidecar).toBe(w.file.replace(/\.jpg$/, '.xmp'));
    const side = (await exiftool([join(out, w.xmpSidecar!)])).get(join(out, w.xmpSidecar!))!;
    expect(side['XMP-atelier:Kind']).toBe('imported');
  });

  it('writes an .xmp sidecar as Lightroom does: a standalone x:xmpmeta document exiftool reads', async () => {
    const r = await exportWith({ format: 'jpeg', metadata: 'full', xmpSidecar: true }, [gen, photo]);
    expect(r.written.map((w) => w.xmpSidecar)).toEqual([expect.stringMatching(/^jpeg-full-xmp-\d+\/001\.xmp$/), expect.stringMatching(/\/002\.xmp$/)]);
    const sidecar = join(out, r.written[0]!.xmpSidecar!);
    const text = await readFile(sidecar, 'utf8');
    expect(text.startsWith('<x:xmpmeta')).toBe(true);
    expect(strictText(text, 'xmp:Rating')).toBe('4');
    const tags = (await exiftool([sidecar])).get(sidecar)!;
    expect(tags).toMatchObject({ 'XMP-dc:Description': CLEAN, 'XMP-dc:Title': 'Dusk 해질녘', 'XMP-iptcExt:DigitalSourceType': TRAINED, 'XMP-atelier:Model': 'gpt-image-2' });
    expect((await exiv2(sidecar)).get('Xmp.xmp.Rating')).toBe('4');
    // Metadata "none" writes no sidecar even when the preset asks for one.
    const none = await exportWith({ format: 'png', metadata: 'none', xmpSidecar: true }, [gen]);
    expect(none.written[0]!.xmpSidecar).toBeNull();
  });
});
