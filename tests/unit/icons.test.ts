/**
 * The app icon files in resources/ (made by scripts/make-icons.mjs from resources/icon.svg) hold every size the
 * three platforms need, in containers their loaders read: PNG set for Linux, ICO for Windows, ICNS for macOS.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/paths';

const res = (rel: string) => readFileSync(resolve(REPO_ROOT, 'resources', rel));
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Width and height from a PNG's IHDR chunk; throws when the bytes are not a PNG. */
function pngSize(png: Buffer): { width: number; height: number } {
  if (!png.subarray(0, 8).equals(PNG_SIGNATURE) || png.toString('latin1', 12, 16) !== 'IHDR') throw new Error('not a PNG');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

describe('app icon', () => {
  it('has a 1024 px master raster and an SVG master drawing', () => {
    expect(pngSize(res('icon.png'))).toEqual({ width: 1024, height: 1024 });
    expect(res('icon.svg').toString('utf8')).toMatch(/<svg[^>]+viewBox="0 0 1024 1024"/);
  });

  it.each([16, 24, 32, 48, 64, 128, 256, 512])('has the Linux %i px PNG at icons/NxN.png', (n) => {
    expect(pngSize(res(`icons/${n}x${n}.png`))).toEqual({ width: n, height: n });
  });

  it('has a Windows .ico with PNG entries from 16 to 256 px whose directory matches the images', () => {
    const ico = res('icon.ico');
    expect(ico.readUInt16LE(0)).toBe(0);
    expect(ico.readUInt16LE(2)).toBe(1);
    const count = ico.readUInt16LE(4);
    const sizes: number[] = [];
    for (let i = 0; i < count; i++) {
      const e = 6 + 16 * i;
      const w = ico.readUInt8(e) || 256;
      const h = ico.readUInt8(e + 1) || 256;
      const length = ico.readUInt32LE(e + 8);
      const offset = ico.readUInt32LE(e + 12);
      expect(offset + length).toBeLessThanOrEqual(ico.length);
      expect(pngSize(ico.subarray(offset, offset + length))).toEqual({ width: w, height: h });
      expect(w).toBe(h);
      sizes.push(w);
    }
    expect(sizes).toEqual([16, 24, 32, 48, 64, 128, 256]);
  });

  it('has a macOS .icns with PNG entries ic07–ic10 (128, 256, 512, 1024 px) and a consistent length', () => {
    const icns = res('icon.icns');
    expect(icns.toString('latin1', 0, 4)).toBe('icns');
    expect(icns.readUInt32BE(4)).toBe(icns.length);
    const entries = new Map<string, { width: number; height: number }>();
    for (let at = 8; at < icns.length; ) {
      const type = icns.toString('latin1', at, at + 4);
      const length = icns.readUInt32BE(at + 4);
      expect(length).toBeGreaterThan(8);
      entries.set(type, pngSize(icns.subarray(at + 8, at + length)));
      at += length;
    }
    expect(entries.get('ic07')).toEqual({ width: 128, height: 128 });
    expect(entries.get('ic08')).toEqual({ width: 256, height: 256 });
    expect(entries.get('ic09')).toEqual({ width: 512, height: 512 });
    expect(entries.get('ic10')).toEqual({ width: 1024, height: 1024 });
  });
});
