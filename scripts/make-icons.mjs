#!/usr/bin/env node
/**
 * Renders Atelier's app icon from its one master drawing, resources/icon.svg, into every file the three platforms
 * and electron-builder need (run it after changing the drawing, and commit the outputs):
 * - resources/icon.png — 1024 × 1024 (the master raster)
 * - resources/icons/<N>x<N>.png — the Linux set, N = 16, 24, 32, 48, 64, 128, 256, 512 (electron-builder's
 *   `linux.icon` directory; also the window icon on Linux)
 * - resources/icon.ico — Windows, PNG-compressed entries of 16, 24, 32, 48, 64, 128 and 256 px
 *   (ICO format: https://learn.microsoft.com/en-us/previous-versions/ms997538(v=msdn.10))
 * - resources/icon.icns — macOS, PNG entries ic07 (128), ic08 (256), ic09 (512), ic10 (1024, 512@2x) and the
 *   @2x types ic11 (32), ic12 (64), ic13 (256), ic14 (512) (ICNS format: https://en.wikipedia.org/wiki/Apple_Icon_Image_format)
 * Each size is rendered from the vector drawing at that size (not downscaled from one bitmap), so small sizes stay sharp.
 * Usage: node scripts/make-icons.mjs
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

const root = fileURLToPath(new URL('..', import.meta.url));
const resources = path.join(root, 'resources');
const MASTER = path.join(resources, 'icon.svg');
const MASTER_SIZE = 1024;

export const LINUX_SIZES = [16, 24, 32, 48, 64, 128, 256, 512];
export const ICO_SIZES = [16, 24, 32, 48, 64, 128, 256];
/** ICNS entry type → pixel size. */
export const ICNS_TYPES = [
  ['ic11', 32],
  ['ic12', 64],
  ['ic07', 128],
  ['ic08', 256],
  ['ic13', 256],
  ['ic09', 512],
  ['ic14', 512],
  ['ic10', 1024],
];

/** The master drawing rendered at `size` × `size` px as PNG bytes (vector-rendered at that size). */
async function render(svg, size) {
  const density = (72 * size) / MASTER_SIZE;
  return sharp(svg, { density: Math.max(density, 1) })
    .resize(size, size, { fit: 'fill' })
    .png({ compressionLevel: 9, palette: false })
    .toBuffer();
}

/**
 * An ICO container holding PNG images: ICONDIR (6 bytes), one 16-byte ICONDIRENTRY per image, then the PNGs.
 * Width/height 256 are written as 0, as the format requires.
 * @param images [{ size, png }] in px and PNG bytes
 */
export function icoFile(images) {
  const header = Buffer.alloc(6);
  header.writeUInt16LE(0, 0); // reserved
  header.writeUInt16LE(1, 2); // type: icon
  header.writeUInt16LE(images.length, 4);
  const entries = [];
  let offset = 6 + 16 * images.length;
  for (const { size, png } of images) {
    const e = Buffer.alloc(16);
    e.writeUInt8(size >= 256 ? 0 : size, 0);
    e.writeUInt8(size >= 256 ? 0 : size, 1);
    e.writeUInt8(0, 2); // no palette
    e.writeUInt8(0, 3); // reserved
    e.writeUInt16LE(1, 4); // colour planes
    e.writeUInt16LE(32, 6); // bits per pixel
    e.writeUInt32LE(png.length, 8);
    e.writeUInt32LE(offset, 12);
    entries.push(e);
    offset += png.length;
  }
  return Buffer.concat([header, ...entries, ...images.map((i) => i.png)]);
}

/**
 * An ICNS container: 'icns' + total length (big-endian), then per entry its 4-character type, its length including
 * the 8-byte entry header, and the PNG bytes.
 * @param entries [{ type, png }]
 */
export function icnsFile(entries) {
  const parts = entries.map(({ type, png }) => {
    const head = Buffer.alloc(8);
    head.write(type, 0, 'latin1');
    head.writeUInt32BE(8 + png.length, 4);
    return Buffer.concat([head, png]);
  });
  const head = Buffer.alloc(8);
  head.write('icns', 0, 'latin1');
  head.writeUInt32BE(8 + parts.reduce((n, p) => n + p.length, 0), 4);
  return Buffer.concat([head, ...parts]);
}

async function main() {
  const svg = readFileSync(MASTER);
  const sizes = [...new Set([MASTER_SIZE, ...LINUX_SIZES, ...ICO_SIZES, ...ICNS_TYPES.map(([, s]) => s)])];
  const png = new Map();
  for (const size of sizes) png.set(size, await render(svg, size));

  mkdirSync(path.join(resources, 'icons'), { recursive: true });
  const written = [];
  const write = (rel, bytes) => {
    writeFileSync(path.join(resources, rel), bytes);
    written.push(`${rel} (${bytes.length} bytes)`);
  };
  write('icon.png', png.get(MASTER_SIZE));
  for (const size of LINUX_SIZES) write(`icons/${size}x${size}.png`, png.get(size));
  write('icon.ico', icoFile(ICO_SIZES.map((size) => ({ size, png: png.get(size) }))));
  write('icon.icns', icnsFile(ICNS_TYPES.map(([type, size]) => ({ type, png: png.get(size) }))));
  console.log(`Rendered resources/icon.svg into:\n  ${written.join('\n  ')}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err) => {
    console.error(`make-icons: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
