/**
 * The parts of reading other tools' metadata (src/main/services/transfer/foreign.ts) that the integration test
 * does not reach with real writers: EXIF UserComment in both TIFF byte orders with UTF-16 in either order (piexif
 * writes big-endian whatever the TIFF order), A1111 quoted values and a prompt without a parameters line,
 * ComfyUI graphs whose links loop, JSON depth counted outside strings, and input that is not an image at all.
 */
import { describe, expect, it } from 'vitest';
import { a1111, parseJson, readForeignMetadata, userComment } from '../../src/main/services/transfer/foreign';

/** A TIFF with IFD0 → Exif IFD → UserComment (type UNDEFINED) holding `prefix` + `body`. */
function tiff(order: 'II' | 'MM', prefix: string, body: Buffer): Buffer {
  const le = order === 'II';
  const comment = Buffer.concat([Buffer.from(prefix.padEnd(8, '\0'), 'latin1'), body]);
  const b = Buffer.alloc(8 + 18 + 18 + comment.length);
  const u16 = (v: number, o: number) => (le ? b.writeUInt16LE(v, o) : b.writeUInt16BE(v, o));
  const u32 = (v: number, o: number) => (le ? b.writeUInt32LE(v, o) : b.writeUInt32BE(v, o));
  b.write(order, 0, 'latin1');
  u16(42, 2);
  u32(8, 4);
  // IFD0: one entry, ExifIFDPointer → 26.
  u16(1, 8);
  u16(0x8769, 10);
  u16(4, 12);
  u32(1, 14);
  u32(26, 18);
  u32(0, 22);
  // Exif IFD at 26: one entry, UserComment at 44.
  u16(1, 26);
  u16(0x9286, 28);
  u16(7, 30);
  u32(comment.length, 32);
  u32(44, 36);
  u32(0, 40);
  comment.copy(b, 44);
  return b;
}

describe('EXIF UserComment', () => {
  const text = 'a fox, 여우\nSteps: 4';
  it('reads UNICODE in the TIFF order and against it, and ASCII', () => {
    const be = Buffer.from(text, 'utf16le').swap16();
    const le = Buffer.from(text, 'utf16le');
    expect(userComment(tiff('MM', 'UNICODE', be))).toBe(text);
    expect(userComment(tiff('II', 'UNICODE', le))).toBe(text);
    expect(userComment(tiff('II', 'UNICODE', be))).toBe(text); // piexif in a little-endian file
    expect(userComment(tiff('MM', 'ASCII', Buffer.from('plain words\0', 'latin1')))).toBe('plain words');
  });
  it('gives null for a broken structure instead of throwing', () => {
    const t = tiff('MM', 'UNICODE', Buffer.from('x', 'utf16le'));
    t.writeUInt32BE(0xfffffff0, 36); // the value's offset points past the end
    expect(userComment(t)).toBeNull();
    expect(userComment(Buffer.from('MM\0*'))).toBeNull();
    expect(userComment(Buffer.alloc(0))).toBeNull();
  });
});

describe('A1111 infotext', () => {
  it('reads quoted values with commas and keeps the first of a repeated key', () => {
    const r = a1111('p\nSteps: 5, Sampler: Euler, Seed: 1, Lora hashes: "a: 1, b: 2", Seed: 2, Size: 64x32')!;
    expect(r).toMatchObject({ prompt: 'p', seed: '1', steps: 5, width: 64, height: 32, sampler: 'Euler' });
    expect((r.raw['fields'] as Record<string, string>)['Lora hashes']).toBe('a: 1, b: 2');
  });
  it('a prompt with a negative prompt but no parameters line; plain text is not a recipe', () => {
    expect(a1111('a cat\nNegative prompt: dog')).toMatchObject({ prompt: 'a cat', negativePrompt: 'dog', steps: null });
    expect(a1111('just a caption someone wrote')).toBeNull();
  });
});

describe('Fooocus with the a1111 scheme', () => {
  it('is Fooocus, read as A1111 infotext', () => {
    const text = 'a lantern\nNegative prompt: dark\nSteps: 30, Sampler: dpmpp_2m_sde_gpu, Seed: 5, CFG scale: 4, Version: Fooocus v2.5.5';
    const m = readForeignMetadata(pngWithTexts([['parameters', text], ['fooocus_scheme', 'a1111']]));
    expect(m.recipe).toMatchObject({ tool: 'fooocus', prompt: 'a lantern', negativePrompt: 'dark', seed: '5', toolVersion: 'Fooocus v2.5.5' });
  });
});

describe('JSON limits', () => {
  it('counts depth outside strings only', () => {
    expect(parseJson(JSON.stringify({ s: '['.repeat(1000) }), 'x')).toEqual({ s: '['.repeat(1000) });
    expect(() => parseJson('['.repeat(65) + ']'.repeat(65), 'x')).toThrow(/deeper than 64/);
    expect(parseJson('{"a": NaN}', 'x')).toEqual({ a: null });
    // A ComfyUI seed past 2^53 keeps every digit.
    expect(parseJson('{"seed": 1125899906842624123, "cfg": 7.5, "n": 3}', 'x')).toEqual({ seed: '1125899906842624123', cfg: 7.5, n: 3 });
  });
});

/** A PNG signature, IHDR-less (the reader does not need one), and tEXt chunks. */
function pngWithTexts(texts: Array<[string, string]>): Buffer {
  const parts = [Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])];
  for (const [k, v] of texts) {
    const data = Buffer.from(`${k}\0${v}`, 'latin1');
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write('tEXt', 4, 'latin1');
    parts.push(head, data, Buffer.alloc(4));
  }
  return Buffer.concat(parts);
}

describe('readForeignMetadata', () => {
  it('reads at most 8 MiB of text from one file', () => {
    const big = 'x'.repeat(1_000_000);
    const m = readForeignMetadata(pngWithTexts(Array.from({ length: 10 }, (_, i) => [`k${i}`, big] as [string, string])));
    expect(m.skipped.map((s) => `${s.source} ${s.reason}`)).toEqual(['png:k9 too_large']);
  });

  it('never throws on bytes that are not an image, or a PNG cut inside a chunk', () => {
    expect(readForeignMetadata(Buffer.from('not an image'))).toMatchObject({ recipe: null, skipped: [] });
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from([0, 0, 0x10, 0, 0x74, 0x45, 0x58, 0x74]), Buffer.from('abcdefgh', 'latin1')]);
    const skipped = readForeignMetadata(png).skipped;
    expect(skipped.map((s) => s.source)).toContain('png:tEXt');
    expect(new Set(skipped.map((s) => s.reason))).toEqual(new Set(['malformed']));
  });
});
