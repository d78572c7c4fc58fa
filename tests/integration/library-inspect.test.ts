/**
 * inspectImage / readImageHeader against the real fixtures (tests/fixtures): every hostile file is refused
 * with its reason and its name in the message, every real photo is accepted with its true size, and a
 * decompression bomb is refused from its header without reaching the decoder.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import fc from 'fast-check';
import sharp from 'sharp';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AppError, BAD_FILE_REASONS, type BadFileReason } from '../../src/shared/errors';
import {
  DEFAULT_MAX_PIXELS,
  inspectImage,
  readImageHeader,
  type InspectLimits,
} from '../../src/main/services/library/inspect';

import { FIXTURES } from '../helpers/paths';
const fixture = (dir: 'bad' | 'images', name: string): Buffer => readFileSync(join(FIXTURES, dir, name));
const LIMITS: InspectLimits = { maxBytes: 50 * 1024 * 1024, maxPixels: DEFAULT_MAX_PIXELS };

/** Awaits `p`, expecting a `bad_file` AppError; returns it. */
async function refusal(p: Promise<unknown>): Promise<AppError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, 'expected a refusal').toBeInstanceOf(AppError);
  const e = err as AppError;
  expect(e.code).toBe('bad_file');
  expect(BAD_FILE_REASONS).toContain(e.params?.['reason']);
  return e;
}

async function expectRefused(bytes: Uint8Array, name: string, reason: BadFileReason, limits = LIMITS): Promise<AppError> {
  const e = await refusal(inspectImage(bytes, name, limits));
  expect(e.params).toMatchObject({ name, reason });
  expect(e.message).toContain(name);
  expect(e.message).toContain(reason);
  return e;
}

// ---- helpers that build files --------------------------------------------------------------------------------

/** One PNG chunk with a correct CRC. */
function pngChunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** Splits a PNG into its chunks (type, data) after the signature. */
function pngChunks(png: Buffer): { type: string; data: Buffer }[] {
  const out = [];
  for (let off = 8; off < png.length; ) {
    const len = png.readUInt32BE(off);
    out.push({ type: png.toString('latin1', off + 4, off + 8), data: png.subarray(off + 8, off + 8 + len) });
    off += 12 + len;
  }
  return out;
}

const PNG_SIG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const buildPng = (chunks: { type: string; data: Uint8Array }[]): Buffer =>
  Buffer.concat([PNG_SIG, ...chunks.map((c) => pngChunk(c.type, c.data))]);

// ---------------------------------------------------------------------------------------------------------------

describe('inspectImage: the hostile fixtures', () => {
  const expected: Record<string, BadFileReason> = {
    'truncated.jpg': 'truncated',
    'no_time_for_that_tiny.gif': 'animated',
    'bomb_30000x30000.png': 'too_many_pixels',
    'bad_crc.png': 'corrupt',
    'not_an_image.png': 'not_an_image',
    'empty.png': 'empty',
    'script.svg': 'unsupported_format',
  };

  it('knows every file in bad/', () => {
    expect(readdirSync(join(FIXTURES, 'bad')).sort()).toEqual(Object.keys(expected).sort());
  });

  for (const [name, reason] of Object.entries(expected)) {
    it(`refuses ${name} as ${reason}, naming the file`, async () => {
      await expectRefused(fixture('bad', name), name, reason);
    });
  }

  it('reports the declared size and the limit for the bomb', async () => {
    const e = await expectRefused(fixture('bad', 'bomb_30000x30000.png'), 'bomb.png', 'too_many_pixels');
    expect(e.params).toMatchObject({ width: 30000, height: 30000, maxPixels: DEFAULT_MAX_PIXELS });
  });
});

describe('inspectImage: the real photos', () => {
  const expected: Record<string, { mime: string; ext: string; width: number; height: number }> = {
    'astronaut.png': { mime: 'image/png', ext: 'png', width: 512, height: 512 },
    'chelsea.png': { mime: 'image/png', ext: 'png', width: 451, height: 300 },
    'coffee.png': { mime: 'image/png', ext: 'png', width: 600, height: 400 },
    'rocket.jpg': { mime: 'image/jpeg', ext: 'jpg', width: 640, height: 427 },
    'hubble_deep_field.jpg': { mime: 'image/jpeg', ext: 'jpg', width: 1000, height: 872 },
    'motorcycle_left.png': { mime: 'image/png', ext: 'png', width: 741, height: 500 },
  };

  it('knows every file in images/', () => {
    expect(readdirSync(join(FIXTURES, 'images')).sort()).toEqual(Object.keys(expected).sort());
  });

  for (const [name, info] of Object.entries(expected)) {
    it(`accepts ${name} as ${info.mime} ${info.width}×${info.height}`, async () => {
      const bytes = fixture('images', name);
      expect(await inspectImage(bytes, name, LIMITS)).toEqual(info);
      expect(readImageHeader(bytes)).toMatchObject({ ok: true, width: info.width, height: info.height, animated: false });
    });
  }

  it('accepts a file of exactly maxBytes and refuses one byte less of limit', async () => {
    const bytes = fixture('images', 'rocket.jpg');
    await expect(inspectImage(bytes, 'rocket.jpg', { ...LIMITS, maxBytes: bytes.length })).resolves.toMatchObject({
      width: 640,
    });
    const e = await expectRefused(bytes, 'rocket.jpg', 'too_large', { ...LIMITS, maxBytes: bytes.length - 1 });
    expect(e.params?.['maxBytes']).toBe(bytes.length - 1);
  });

  it('refuses a real photo over a small pixel limit as too_many_pixels', async () => {
    const e = await expectRefused(fixture('images', 'rocket.jpg'), 'rocket.jpg', 'too_many_pixels', {
      ...LIMITS,
      maxPixels: 640 * 427 - 1,
    });
    expect(e.params).toMatchObject({ width: 640, height: 427, maxPixels: 640 * 427 - 1 });
    await expect(inspectImage(fixture('images', 'rocket.jpg'), 'r.jpg', { ...LIMITS, maxPixels: 640 * 427 })).resolves.toBeTruthy();
  });
});

describe('inspectImage: the byte limit comes first', () => {
  it('refuses a generated file over 50 MB as too_large', async () => {
    // A real PNG signature and header, padded past the limit: refused for its size alone.
    const bytes = Buffer.alloc(LIMITS.maxBytes + 1);
    fixture('images', 'chelsea.png').copy(bytes, 0, 0, 64);
    const e = await expectRefused(bytes, 'huge.png', 'too_large');
    expect(e.params?.['maxBytes']).toBe(LIMITS.maxBytes);
  });

  it('refuses over-limit bytes before sniffing them (a non-image is still too_large)', async () => {
    const text = Buffer.from('this is not an image at all, and it is too long\n'.repeat(50));
    await expectRefused(text, 'notes.txt', 'too_large', { ...LIMITS, maxBytes: 100 });
    await expectRefused(fixture('bad', 'bomb_30000x30000.png'), 'bomb.png', 'too_large', { ...LIMITS, maxBytes: 1000 });
    await expectRefused(fixture('bad', 'script.svg'), 'x.svg', 'too_large', { ...LIMITS, maxBytes: 10 });
  });

  it('calls an empty file empty whatever the limit', async () => {
    await expectRefused(new Uint8Array(0), 'zero.jpg', 'empty', { maxBytes: 0, maxPixels: 1 });
  });
});

describe('readImageHeader: dimensions without decoding', () => {
  it('reads 30000×30000 from the bomb’s IHDR', () => {
    expect(readImageHeader(fixture('bad', 'bomb_30000x30000.png'))).toEqual({
      ok: true,
      format: 'png',
      mime: 'image/png',
      ext: 'png',
      width: 30000,
      height: 30000,
      animated: false,
    });
  });

  it('reads JPEG SOF dimensions even when the file ends soon after the frame header', () => {
    expect(readImageHeader(fixture('bad', 'truncated.jpg'))).toMatchObject({ ok: true, format: 'jpeg', width: 100, height: 100 });
  });

  it('reads WebP VP8 (lossy), VP8L (lossless) and VP8X (extended) headers', async () => {
    const src = fixture('images', 'chelsea.png');
    const lossy = await sharp(src).webp({ quality: 70 }).toBuffer();
    const lossless = await sharp(src).webp({ lossless: true }).toBuffer();
    const extended = await sharp(src).ensureAlpha(0.5).webp({ quality: 70 }).toBuffer();
    const chunkOf = (b: Buffer) => b.toString('latin1', 12, 16);
    expect([chunkOf(lossy), chunkOf(lossless), chunkOf(extended)]).toEqual(['VP8 ', 'VP8L', 'VP8X']);
    for (const b of [lossy, lossless, extended]) {
      expect(readImageHeader(b)).toMatchObject({ ok: true, format: 'webp', width: 451, height: 300, animated: false });
      expect(await inspectImage(b, 'c.webp', LIMITS)).toEqual({ mime: 'image/webp', ext: 'webp', width: 451, height: 300 });
    }
  });

  it('never throws, whatever the bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.constantFrom(...headerPrefixes()), (tail, prefix) => {
        const h = readImageHeader(Buffer.concat([prefix, tail]));
        if (h.ok) {
          expect(h.width).toBeGreaterThan(0);
          expect(h.height).toBeGreaterThan(0);
        } else {
          expect(BAD_FILE_REASONS).toContain(h.reason);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

function headerPrefixes(): Buffer[] {
  return [
    Buffer.alloc(0),
    PNG_SIG,
    fixture('images', 'chelsea.png').subarray(0, 40),
    Buffer.from([0xff, 0xd8, 0xff]),
    fixture('images', 'rocket.jpg').subarray(0, 30),
    Buffer.from('RIFF\0\0\0\0WEBP', 'latin1'),
    Buffer.from('RIFF\0\0\0\0WEBPVP8X', 'latin1'),
    Buffer.from('GIF89a', 'latin1'),
    Buffer.from('<svg', 'latin1'),
  ];
}

describe('the bomb never reaches the decoder', () => {
  afterEach(() => {
    vi.doUnmock('sharp');
    vi.resetModules();
  });

  it('refuses it without calling sharp, while a real photo does go through sharp', async () => {
    vi.resetModules();
    const real = (await vi.importActual<{ default: typeof sharp }>('sharp')).default;
    const calls: unknown[] = [];
    vi.doMock('sharp', () => ({
      default: (...args: Parameters<typeof sharp>) => {
        calls.push(args[0]);
        return real(...args);
      },
    }));
    const fresh = await import('../../src/main/services/library/inspect');

    // The fresh module graph has its own AppError class: compare the fields, not the class.
    await expect(fresh.inspectImage(fixture('bad', 'bomb_30000x30000.png'), 'bomb.png', LIMITS)).rejects.toMatchObject({
      code: 'bad_file',
      params: { reason: 'too_many_pixels' },
    });
    expect(calls).toHaveLength(0);

    await fresh.inspectImage(fixture('images', 'chelsea.png'), 'chelsea.png', LIMITS);
    expect(calls.length).toBeGreaterThan(0); // the spy is live: a real decode goes through it
  });
});

describe('inspectImage: damaged and disguised files', () => {
  const png = fixture('images', 'chelsea.png');
  const jpg = fixture('images', 'rocket.jpg');

  it('refuses a PNG cut in half, or missing only its IEND, as truncated', async () => {
    await expectRefused(png.subarray(0, png.length >> 1), 'half.png', 'truncated');
    await expectRefused(png.subarray(0, png.length - 12), 'no-iend.png', 'truncated');
    await expectRefused(png.subarray(0, 20), 'stub.png', 'truncated');
  });

  it('refuses a JPEG cut in its scan data, or just before its EOI, as truncated', async () => {
    await expectRefused(jpg.subarray(0, jpg.length >> 1), 'half.jpg', 'truncated');
    await expectRefused(jpg.subarray(0, jpg.length - 2), 'no-eoi.jpg', 'truncated');
  });

  it('refuses a WebP cut short as truncated', async () => {
    const webp = await sharp(png).webp().toBuffer();
    await expectRefused(webp.subarray(0, webp.length - 100), 'cut.webp', 'truncated');
  });

  it('refuses a PNG whose pixel data is damaged as corrupt, whether or not its CRC was fixed up', async () => {
    const chunks = pngChunks(png);
    const idat = chunks.find((c) => c.type === 'IDAT')!;
    const damaged = Buffer.from(idat.data);
    for (let i = 100; i < 200; i++) damaged[i] = damaged[i]! ^ 0xa5;

    // The CRC no longer matches: caught by the chunk walk.
    const badCrc = Buffer.from(png);
    badCrc.set(damaged, png.indexOf(idat.data));
    await expectRefused(badCrc, 'crc.png', 'corrupt');

    // The CRC recomputed over the damaged data: only zlib/libpng can tell.
    const fixedCrc = buildPng(chunks.map((c) => (c === idat ? { type: 'IDAT', data: damaged } : c)));
    await expectRefused(fixedCrc, 'deflate.png', 'corrupt');
  });

  it('refuses a PNG whose IHDR checksum is wrong as corrupt', async () => {
    const b = Buffer.from(png);
    b[29] = b[29]! ^ 0xff;
    expect(readImageHeader(b)).toMatchObject({ ok: false, reason: 'corrupt' });
    await expectRefused(b, 'ihdr.png', 'corrupt');
  });

  it('refuses an APNG and an animated WebP as animated', async () => {
    const chunks = pngChunks(png);
    const actl = Buffer.alloc(8);
    actl.writeUInt32BE(2, 0); // two frames, loop forever
    const apng = buildPng([chunks[0]!, { type: 'acTL', data: actl }, ...chunks.slice(1)]);
    expect(readImageHeader(apng)).toMatchObject({ ok: true, animated: true });
    await expectRefused(apng, 'moving.png', 'animated');

    const animatedWebp = await sharp(fixture('bad', 'no_time_for_that_tiny.gif'), { animated: true }).webp().toBuffer();
    expect(readImageHeader(animatedWebp)).toMatchObject({ ok: true, format: 'webp', animated: true });
    await expectRefused(animatedWebp, 'moving.webp', 'animated');
  });

  it('refuses a still GIF, TIFF and AVIF as unsupported_format', async () => {
    const gif = await sharp(png).gif().toBuffer();
    expect(gif.toString('latin1', 0, 3)).toBe('GIF');
    await expectRefused(gif, 'still.gif', 'unsupported_format');
    await expectRefused(await sharp(png).tiff().toBuffer(), 'photo.tiff', 'unsupported_format');
    await expectRefused(await sharp(png).avif({ effort: 0 }).toBuffer(), 'photo.avif', 'unsupported_format');
  });

  it('refuses SVG in its disguises as unsupported_format, and other markup as not_an_image', async () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>';
    await expectRefused(Buffer.from(`\uFEFF  \n${svg}`), 'bom.png', 'unsupported_format');
    await expectRefused(Buffer.from(`<?xml version="1.0"?>\n<!DOCTYPE svg>\n${svg}`), 'x.jpg', 'unsupported_format');
    await expectRefused(Buffer.from(`\uFEFF${svg}`, 'utf16le'), 'wide.svg', 'unsupported_format');
    await expectRefused(Buffer.from('<html><body>hello</body></html>'), 'page.png', 'not_an_image');
    await expectRefused(Buffer.from([0x00, 0x01, 0x02, 0x03]), 'noise.webp', 'not_an_image');
  });

  it('returns display dimensions for a JPEG turned by its EXIF orientation', async () => {
    const turned = await sharp(jpg).withMetadata({ orientation: 6 }).jpeg().toBuffer();
    expect((await sharp(turned).metadata()).orientation).toBe(6);
    expect(readImageHeader(turned)).toMatchObject({ width: 640, height: 427 });
    expect(await inspectImage(turned, 'turned.jpg', LIMITS)).toMatchObject({ width: 427, height: 640 });
  });

  it('either accepts or refuses as bad_file any mangled version of a real photo (never another error)', async () => {
    const base = fixture('images', 'chelsea.png');
    const smallJpeg = await sharp(base).resize(64).jpeg().toBuffer();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(base, smallJpeg),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { maxLength: 8 }),
        fc.option(fc.nat(), { nil: undefined }),
        async (src, flips, cut) => {
          const b = Buffer.from(src);
          for (const [at, x] of flips) b[at % b.length] = b[at % b.length]! ^ x;
          const bytes = cut === undefined ? b : b.subarray(0, cut % b.length);
          try {
            const info = await inspectImage(bytes, 'fuzz', LIMITS);
            expect(info.width).toBeGreaterThan(0);
          } catch (err) {
            expect(err).toBeInstanceOf(AppError);
            expect((err as AppError).code).toBe('bad_file');
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
