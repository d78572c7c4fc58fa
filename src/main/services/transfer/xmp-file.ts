/**
 * XMP packets in PNG, JPEG and WebP files, at the byte level: reading them out and writing them in *without
 * re-encoding* (the image data stays byte for byte), following the XMP Specification Part 3 (Storage in Files),
 * https://github.com/adobe/XMP-Toolkit-SDK/blob/main/docs/XMPSpecificationPart3.pdf.
 *
 * - PNG: one uncompressed `iTXt` chunk with keyword `XML:com.adobe.xmp`, written right after IHDR (before IDAT,
 *   as the specification recommends, and so before IEND). On writing, every other XMP chunk goes: `iTXt`, `zTXt`
 *   or `tEXt` with that keyword, and ImageMagick's `Raw profile type xmp`. All of them are read.
 * - JPEG: the standard packet in an APP1 segment headed `http://ns.adobe.com/xap/1.0/\0` (at most
 *   {@link JPEG_STANDARD_MAX} bytes), placed after the Exif APP1 segment when there is one, else after SOI and
 *   any APP0 (JFIF); a larger packet continues as Extended XMP: APP1 segments headed
 *   `http://ns.adobe.com/xmp/extension/\0`, then the 32-character GUID (the MD5 of the whole extended
 *   serialisation, uppercase hex, which the standard packet names in `xmpNote:HasExtendedXMP`), the full length
 *   and the chunk's offset (32-bit big-endian each), then at most {@link JPEG_EXTENDED_CHUNK} bytes.
 * - WebP: an `XMP ` chunk at the end of an extended (VP8X, XMP flag set) file; a simple (VP8/VP8L) file is
 *   turned into an extended one.
 *
 * Any XMP already in the file is replaced by what is written (merging is the caller's job: see xmp.ts).
 */
import { createHash } from 'node:crypto';
import { crc32, inflateSync } from 'node:zlib';
import { AppError } from '@shared/errors';

/** Largest standard XMP packet in a JPEG APP1 segment, bytes (XMP Specification Part 3, 1.1.3.1). */
export const JPEG_STANDARD_MAX = 65502;
/** Largest piece of the extended serialisation in one APP1 segment, bytes (ibid.). */
export const JPEG_EXTENDED_CHUNK = 65400;

const PNG_KEYWORD = 'XML:com.adobe.xmp';
const PNG_RAW_PROFILE = 'Raw profile type xmp';
const JPEG_XMP_HEADER = 'http://ns.adobe.com/xap/1.0/\0';
const JPEG_EXT_HEADER = 'http://ns.adobe.com/xmp/extension/\0';
const EXIF_HEADER = 'Exif\0\0';

/** What a file holds: the standard packet and, for a JPEG with Extended XMP, the reassembled extended part. */
export interface XmpInFile {
  standard: string | null;
  /** The extended serialisation whose MD5 matched the standard packet's `xmpNote:HasExtendedXMP`, or null. */
  extended: string | null;
  /** The GUID the standard packet names, or null. */
  extendedGuid: string | null;
}

/** What to write into a file: the standard packet and, for JPEG only, an extended serialisation. */
export interface XmpToWrite {
  standard: string;
  /** Extended XMP (JPEG only): its GUID (the MD5 of `data`, uppercase hex) and its UTF-8 bytes. */
  extended: { guid: string; data: Buffer } | null;
}

/** The GUID of an extended serialisation: its MD5, 32 uppercase hex digits. */
export function extendedGuid(data: Buffer): string {
  return createHash('md5').update(data).digest('hex').toUpperCase();
}

/**
 * A copy of `bytes` whose XMP is `xmp` (any XMP there before is removed), the image data untouched.
 * @throws AppError `validation` (`field: 'xmp'`) when the file's structure is not what its type says, the type
 *   cannot carry XMP, Extended XMP is asked for outside JPEG, or a JPEG standard packet is over
 *   {@link JPEG_STANDARD_MAX} bytes
 */
export function writeXmp(bytes: Uint8Array, mime: string, xmp: XmpToWrite): Buffer {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (xmp.extended && mime !== 'image/jpeg') throw bad('Extended XMP exists only in JPEG');
  switch (mime) {
    case 'image/png':
      return writePng(b, xmp.standard);
    case 'image/jpeg':
      return writeJpeg(b, xmp);
    case 'image/webp':
      return writeWebp(b, xmp.standard);
    default:
      throw bad(`cannot write XMP into ${mime}`);
  }
}

/**
 * The XMP of a PNG, JPEG or WebP file (decompressed where a PNG chunk is compressed), with a JPEG's Extended
 * XMP reassembled when its pieces are all there and its MD5 matches. Nothing found gives nulls.
 * @throws AppError `validation` (`field: 'xmp'`) when the file's chunk or segment structure is broken
 */
export function readXmp(bytes: Uint8Array): XmpInFile {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const none: XmpInFile = { standard: null, extended: null, extendedGuid: null };
  if (b.length > 8 && b.readUInt32BE(0) === 0x89504e47) {
    for (const c of pngChunks(b)) {
      const text = pngXmpText(b, c);
      if (text !== null) return { ...none, standard: text };
    }
    return none;
  }
  if (b[0] === 0xff && b[1] === 0xd8) {
    let standard: string | null = null;
    const pieces: Array<{ guid: string; full: number; offset: number; data: Buffer }> = [];
    for (const s of jpegSegments(b)) {
      if (s.marker !== 0xe1) continue;
      const payload = b.subarray(s.start + 4, s.end);
      if (standard === null && startsWith(payload, JPEG_XMP_HEADER)) standard = payload.subarray(JPEG_XMP_HEADER.length).toString('utf8');
      else if (startsWith(payload, JPEG_EXT_HEADER) && payload.length >= JPEG_EXT_HEADER.length + 40) {
        const h = JPEG_EXT_HEADER.length;
        pieces.push({
          guid: payload.toString('latin1', h, h + 32),
          full: payload.readUInt32BE(h + 32),
          offset: payload.readUInt32BE(h + 36),
          data: payload.subarray(h + 40),
        });
      }
    }
    const guid = standard ? (/HasExtendedXMP(?:\s*=\s*["']|>)\s*([0-9A-Fa-f]{32})/.exec(standard)?.[1] ?? null) : null;
    let extended: string | null = null;
    const mine = pieces.filter((p) => p.guid === guid);
    if (guid && mine.length > 0) {
      const full = mine[0]!.full;
      const data = Buffer.alloc(full);
      let covered = 0;
      for (const p of mine) {
        if (p.full !== full || p.offset + p.data.length > full) continue;
        p.data.copy(data, p.offset);
        covered += p.data.length;
      }
      if (covered === full && extendedGuid(data) === guid.toUpperCase()) extended = data.toString('utf8');
    }
    return { standard, extended, extendedGuid: guid };
  }
  if (b.length >= 12 && b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP') {
    for (const c of riffChunks(b)) if (c.type === 'XMP ') return { ...none, standard: b.toString('utf8', c.dataStart, c.dataStart + c.length) };
    return none;
  }
  return none;
}

/** The standard XMP packet of a PNG, JPEG or WebP file, or null (see {@link readXmp}). */
export function extractXmp(bytes: Uint8Array): string | null {
  return readXmp(bytes).standard;
}

// ---------------------------------------------------------------------------------------------------------------

function bad(detail: string): AppError {
  return new AppError('validation', `XMP: ${detail}`, { params: { field: 'xmp', reason: detail } });
}

function startsWith(b: Buffer, s: string): boolean {
  return b.length >= s.length && b.toString('latin1', 0, s.length) === s;
}

interface Chunk {
  type: string;
  start: number;
  dataStart: number;
  length: number;
  end: number;
}

function pngChunks(b: Buffer): Chunk[] {
  const out: Chunk[] = [];
  for (let off = 8; off + 12 <= b.length; ) {
    const length = b.readUInt32BE(off);
    const end = off + 12 + length;
    if (end > b.length) throw bad('the PNG ends inside a chunk');
    const type = b.toString('latin1', off + 4, off + 8);
    out.push({ type, start: off, dataStart: off + 8, length, end });
    if (type === 'IEND') break;
    off = end;
  }
  return out;
}

/** The XMP text of a PNG chunk when it is one of the XMP carriers, else null. */
function pngXmpText(b: Buffer, c: Chunk): string | null {
  if (c.type !== 'iTXt' && c.type !== 'zTXt' && c.type !== 'tEXt') return null;
  const data = b.subarray(c.dataStart, c.dataStart + c.length);
  const z0 = data.indexOf(0);
  if (z0 < 0) return null;
  const keyword = data.toString('latin1', 0, z0);
  if (keyword !== PNG_KEYWORD && keyword !== PNG_RAW_PROFILE) return null;
  let text: Buffer;
  if (c.type === 'iTXt') {
    const compressed = data[z0 + 1] === 1;
    let i = z0 + 3;
    i = data.indexOf(0, i) + 1; // language tag
    i = data.indexOf(0, i) + 1; // translated keyword
    if (i <= 0) return null;
    text = compressed ? inflateSync(data.subarray(i)) : data.subarray(i);
  } else if (c.type === 'zTXt') {
    text = inflateSync(data.subarray(z0 + 2));
  } else {
    text = data.subarray(z0 + 1);
  }
  if (keyword === PNG_KEYWORD) return text.toString('utf8');
  // ImageMagick's raw profile: "\nxmp\n   <length>\n<hex digits in lines>".
  const m = /^\s*\S+\s+(\d+)\s+([0-9a-fA-F\s]+)$/.exec(text.toString('latin1'));
  if (!m) return null;
  return Buffer.from(m[2]!.replace(/\s+/g, ''), 'hex').subarray(0, Number(m[1])).toString('utf8');
}

function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

function writePng(b: Buffer, xmp: string): Buffer {
  const chunks = pngChunks(b);
  if (chunks[0]?.type !== 'IHDR') throw bad('the PNG does not start with IHDR');
  if (chunks.at(-1)?.type !== 'IEND') throw bad('the PNG has no IEND');
  // keyword, NUL, compression flag 0, method 0, empty language tag NUL, empty translated keyword NUL, text.
  const itxt = pngChunk('iTXt', Buffer.concat([Buffer.from(`${PNG_KEYWORD}\0\0\0\0\0`, 'latin1'), Buffer.from(xmp, 'utf8')]));
  const parts: Buffer[] = [b.subarray(0, 8)];
  for (const c of chunks) {
    if (pngXmpText(b, c) !== null || isXmpKeywordChunk(b, c)) continue;
    parts.push(b.subarray(c.start, c.end));
    if (c.type === 'IHDR') parts.push(itxt);
  }
  return Buffer.concat(parts);
}

/** A text chunk named as XMP even when its content cannot be read (it goes too: one packet per file). */
function isXmpKeywordChunk(b: Buffer, c: Chunk): boolean {
  if (c.type !== 'iTXt' && c.type !== 'zTXt' && c.type !== 'tEXt') return false;
  const data = b.subarray(c.dataStart, c.dataStart + c.length);
  const kw = data.toString('latin1', 0, Math.max(0, data.indexOf(0)));
  return kw === PNG_KEYWORD || kw === PNG_RAW_PROFILE;
}

function jpegSegments(b: Buffer): Array<{ marker: number; start: number; end: number }> {
  const out: Array<{ marker: number; start: number; end: number }> = [];
  for (let off = 2; off + 4 <= b.length; ) {
    if (b[off] !== 0xff) throw bad('the JPEG has a malformed segment');
    const marker = b[off + 1]!;
    if (marker === 0xff) {
      off++;
      continue;
    }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      off += 2;
      continue;
    }
    const end = off + 2 + b.readUInt16BE(off + 2);
    if (end > b.length) throw bad('the JPEG ends inside a segment');
    out.push({ marker, start: off, end });
    if (marker === 0xda || marker === 0xd9) break; // start of scan: the rest is image data
    off = end;
  }
  return out;
}

function app1(payload: Buffer): Buffer {
  if (payload.length + 2 > 0xffff) throw bad('an APP1 segment is over 64 KB');
  const head = Buffer.alloc(4);
  head.writeUInt16BE(0xffe1, 0);
  head.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([head, payload]);
}

function writeJpeg(b: Buffer, xmp: XmpToWrite): Buffer {
  const std = Buffer.from(xmp.standard, 'utf8');
  if (std.length > JPEG_STANDARD_MAX) throw bad(`the standard XMP packet is ${std.length} bytes, over JPEG's ${JPEG_STANDARD_MAX}`);
  const ours: Buffer[] = [app1(Buffer.concat([Buffer.from(JPEG_XMP_HEADER, 'latin1'), std]))];
  if (xmp.extended) {
    const { guid, data } = xmp.extended;
    if (!/^[0-9A-F]{32}$/.test(guid)) throw bad('the Extended XMP GUID must be 32 uppercase hex digits');
    for (let offset = 0; offset < data.length; offset += JPEG_EXTENDED_CHUNK) {
      const head = Buffer.alloc(JPEG_EXT_HEADER.length + 40);
      head.write(JPEG_EXT_HEADER, 0, 'latin1');
      head.write(guid, JPEG_EXT_HEADER.length, 'latin1');
      head.writeUInt32BE(data.length, JPEG_EXT_HEADER.length + 32);
      head.writeUInt32BE(offset, JPEG_EXT_HEADER.length + 36);
      ours.push(app1(Buffer.concat([head, data.subarray(offset, offset + JPEG_EXTENDED_CHUNK)])));
    }
  }
  const segments = jpegSegments(b);
  const sos = segments.at(-1);
  if (!sos || sos.marker !== 0xda) throw bad('the JPEG has no image data');
  const isApp1 = (s: { marker: number; start: number }, header: string): boolean =>
    s.marker === 0xe1 && b.toString('latin1', s.start + 4, s.start + 4 + header.length) === header;
  const kept = segments.filter((s) => !isApp1(s, JPEG_XMP_HEADER) && !isApp1(s, JPEG_EXT_HEADER));
  // Exif first (after SOI and JFIF), then XMP: after the Exif segment if there is one, else after leading APP0s.
  let at = kept.findIndex((s) => isApp1(s, EXIF_HEADER)) + 1;
  if (at === 0) while (at < kept.length && kept[at]!.marker === 0xe0) at++;
  const parts: Buffer[] = [b.subarray(0, 2)];
  kept.forEach((s, i) => {
    if (i === at) parts.push(...ours);
    parts.push(s.marker === 0xda ? b.subarray(s.start) : b.subarray(s.start, s.end));
  });
  return Buffer.concat(parts);
}

function riffChunks(b: Buffer): Chunk[] {
  const out: Chunk[] = [];
  const riffEnd = Math.min(b.length, 8 + b.readUInt32LE(4));
  for (let off = 12; off + 8 <= riffEnd; ) {
    const length = b.readUInt32LE(off + 4);
    const end = off + 8 + length + (length & 1);
    if (off + 8 + length > b.length) throw bad('the WebP ends inside a chunk');
    out.push({ type: b.toString('latin1', off, off + 4), start: off, dataStart: off + 8, length, end: Math.min(end, b.length) });
    off = end;
  }
  return out;
}

function riffChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.write(type, 0, 'latin1');
  head.writeUInt32LE(data.length, 4);
  return Buffer.concat([head, data, data.length & 1 ? Buffer.alloc(1) : Buffer.alloc(0)]);
}

function writeWebp(b: Buffer, xmp: string): Buffer {
  const chunks = riffChunks(b);
  const first = chunks[0];
  if (!first) throw bad('the WebP has no chunks');
  const body: Buffer[] = [];
  if (first.type === 'VP8X') {
    const vp8x = Buffer.from(b.subarray(first.start, first.end));
    vp8x[8] = vp8x[8]! | 0x04; // XMP present
    body.push(vp8x);
    for (const c of chunks.slice(1)) if (c.type !== 'XMP ') body.push(b.subarray(c.start, c.end));
  } else {
    // A simple (VP8 / VP8L) file: give it a VP8X header that announces the XMP chunk.
    let width: number;
    let height: number;
    let alpha = false;
    const d = first.dataStart;
    if (first.type === 'VP8 ') {
      width = b.readUInt16LE(d + 6) & 0x3fff;
      height = b.readUInt16LE(d + 8) & 0x3fff;
    } else if (first.type === 'VP8L') {
      const bits = b.readUInt32LE(d + 1);
      width = (bits & 0x3fff) + 1;
      height = ((bits >>> 14) & 0x3fff) + 1;
      alpha = ((bits >>> 28) & 1) === 1;
    } else {
      throw bad(`the WebP starts with an unknown chunk ${first.type}`);
    }
    const data = Buffer.alloc(10);
    data[0] = 0x04 | (alpha ? 0x10 : 0);
    data.writeUIntLE(width - 1, 4, 3);
    data.writeUIntLE(height - 1, 7, 3);
    body.push(riffChunk('VP8X', data));
    for (const c of chunks) if (c.type !== 'XMP ') body.push(b.subarray(c.start, c.end));
  }
  body.push(riffChunk('XMP ', Buffer.from(xmp, 'utf8')));
  const payload = Buffer.concat(body);
  const head = Buffer.alloc(12);
  head.write('RIFF', 0, 'latin1');
  head.writeUInt32LE(payload.length + 4, 4);
  head.write('WEBP', 8, 'latin1');
  return Buffer.concat([head, payload]);
}
