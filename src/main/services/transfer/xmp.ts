/**
 * The recipe as XMP: building the packet, writing it into PNG, JPEG and WebP files *without re-encoding* (the
 * pixel data stays byte for byte as stored), and reading it back.
 *
 * Where it goes: PNG an `iTXt` chunk with keyword `XML:com.adobe.xmp` right after IHDR; JPEG an APP1 segment
 * with the `http://ns.adobe.com/xap/1.0/` header after SOI (and after JFIF's APP0); WebP an `XMP ` chunk at the
 * end of an extended (VP8X) file, a simple file being turned into an extended one. Any XMP already there is
 * replaced. Properties: `dc:description` (the prompt, the field most tools show) and `atelier:*` for the rest.
 */
import { crc32, inflateSync } from 'node:zlib';
import { AppError } from '../../../shared/errors';
import type { MetadataLevel } from '../../../shared/contracts/transfer';

/** The recipe written into exports (XMP and JSON sidecar). Times epoch ms; money in credits and USD. */
export interface ExportRecipe {
  assetId: string;
  kind: 'generated' | 'edited' | 'imported';
  prompt: string | null;
  provider: string | null;
  model: string | null;
  params: Record<string, unknown> | null;
  /** Reference images in order (name, blob id) and the asset an edit continued, if any. */
  lineage: { references: Array<{ name: string; blobId: string }>; parentAssetId: string | null; jobId: string | null };
  cost: { credits: number | null; usd: number | null; usdEstimate: number | null };
  /** The imported file's own name, when imported. */
  originalName: string | null;
  createdAt: number;
  width: number;
  height: number;
}

const NS_ATELIER = 'https://atelier.invalid/ns/recipe/1.0/';
const PNG_KEYWORD = 'XML:com.adobe.xmp';
const JPEG_XMP_HEADER = 'http://ns.adobe.com/xap/1.0/\0';

const esc = (s: string): string =>
  s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    // XML 1.0 has no place for most control characters.
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');

/**
 * The XMP packet for a recipe at a metadata level (`none` gives null). `prompt` carries only `dc:description`
 * and `atelier:Prompt`; `full` adds provider, model, parameters, lineage and cost (JSON values).
 */
export function buildXmp(recipe: ExportRecipe, level: MetadataLevel): string | null {
  if (level === 'none') return null;
  const props: string[] = [];
  if (recipe.prompt !== null) {
    props.push(`<dc:description><rdf:Alt><rdf:li xml:lang="x-default">${esc(recipe.prompt)}</rdf:li></rdf:Alt></dc:description>`);
    props.push(`<atelier:Prompt>${esc(recipe.prompt)}</atelier:Prompt>`);
  }
  if (level === 'full') {
    props.push('<xmp:CreatorTool>Atelier</xmp:CreatorTool>');
    const add = (name: string, v: unknown) => {
      if (v === null || v === undefined) return;
      props.push(`<atelier:${name}>${esc(typeof v === 'string' ? v : JSON.stringify(v))}</atelier:${name}>`);
    };
    add('Kind', recipe.kind);
    add('Provider', recipe.provider);
    add('Model', recipe.model);
    add('Parameters', recipe.params);
    add('Lineage', recipe.lineage);
    add('Cost', recipe.cost);
    add('OriginalName', recipe.originalName);
    add('Created', new Date(recipe.createdAt).toISOString());
  }
  return (
    '<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>\n' +
    '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n' +
    ' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n' +
    `  <rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:atelier="${NS_ATELIER}">\n` +
    props.map((p) => `   ${p}\n`).join('') +
    '  </rdf:Description>\n' +
    ' </rdf:RDF>\n' +
    '</x:xmpmeta>\n' +
    '<?xpacket end="w"?>'
  );
}

/**
 * A copy of `bytes` with `xmp` as its XMP packet (replacing any), the image data untouched.
 * @throws AppError `validation` (`field: 'xmp'`) when the file's structure is not what its type says, or the
 *   packet is over JPEG's 64 KB segment limit
 */
export function injectXmp(bytes: Uint8Array, mime: string, xmp: string): Buffer {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (mime) {
    case 'image/png':
      return injectPng(b, xmp);
    case 'image/jpeg':
      return injectJpeg(b, xmp);
    case 'image/webp':
      return injectWebp(b, xmp);
    default:
      throw bad(`cannot write XMP into ${mime}`);
  }
}

/** The XMP packet of a PNG, JPEG or WebP file (decompressed where the PNG chunk is compressed), or null. */
export function extractXmp(bytes: Uint8Array): string | null {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length > 8 && b.readUInt32BE(0) === 0x89504e47) {
    for (const c of pngChunks(b)) {
      if (c.type !== 'iTXt') continue;
      const data = b.subarray(c.dataStart, c.dataStart + c.length);
      const z0 = data.indexOf(0);
      if (data.subarray(0, z0).toString('latin1') !== PNG_KEYWORD) continue;
      const compressed = data[z0 + 1] === 1;
      let i = z0 + 3;
      i = data.indexOf(0, i) + 1; // language tag
      i = data.indexOf(0, i) + 1; // translated keyword
      const text = data.subarray(i);
      return (compressed ? inflateSync(text) : text).toString('utf8');
    }
    return null;
  }
  if (b[0] === 0xff && b[1] === 0xd8) {
    for (const s of jpegSegments(b)) {
      if (s.marker !== 0xe1) continue;
      const payload = b.subarray(s.start + 4, s.end);
      if (payload.subarray(0, JPEG_XMP_HEADER.length).toString('latin1') === JPEG_XMP_HEADER) {
        return payload.subarray(JPEG_XMP_HEADER.length).toString('utf8');
      }
    }
    return null;
  }
  if (b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP') {
    for (const c of riffChunks(b)) if (c.type === 'XMP ') return b.toString('utf8', c.dataStart, c.dataStart + c.length);
    return null;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------------------------

function bad(detail: string): AppError {
  return new AppError('validation', `XMP: ${detail}`, { params: { field: 'xmp', reason: detail } });
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
    out.push({ type: b.toString('latin1', off + 4, off + 8), start: off, dataStart: off + 8, length, end });
    if (b.toString('latin1', off + 4, off + 8) === 'IEND') break;
    off = end;
  }
  return out;
}

function injectPng(b: Buffer, xmp: string): Buffer {
  const chunks = pngChunks(b);
  if (chunks[0]?.type !== 'IHDR') throw bad('the PNG does not start with IHDR');
  const data = Buffer.concat([Buffer.from(`${PNG_KEYWORD}\0\0\0\0\0`, 'latin1'), Buffer.from(xmp, 'utf8')]);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write('iTXt', 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  const parts: Buffer[] = [b.subarray(0, 8)];
  for (const c of chunks) {
    if (c.type === 'iTXt') {
      const kw = b.subarray(c.dataStart, c.dataStart + c.length);
      if (kw.subarray(0, Math.max(0, kw.indexOf(0))).toString('latin1') === PNG_KEYWORD) continue;
    }
    parts.push(b.subarray(c.start, c.end));
    if (c.type === 'IHDR') parts.push(head, data, crc);
  }
  return Buffer.concat(parts);
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
    out.push({ marker, start: off, end });
    if (marker === 0xda || marker === 0xd9) break; // start of scan: the rest is image data
    off = end;
  }
  return out;
}

function injectJpeg(b: Buffer, xmp: string): Buffer {
  const payload = Buffer.concat([Buffer.from(JPEG_XMP_HEADER, 'latin1'), Buffer.from(xmp, 'utf8')]);
  if (payload.length + 2 > 0xffff) throw bad('the recipe is too large for a JPEG XMP segment (64 KB)');
  const seg = Buffer.alloc(4);
  seg.writeUInt16BE(0xffe1, 0);
  seg.writeUInt16BE(payload.length + 2, 2);
  const segments = jpegSegments(b);
  const sos = segments.at(-1);
  if (!sos || sos.marker !== 0xda) throw bad('the JPEG has no image data');
  const parts: Buffer[] = [b.subarray(0, 2)];
  let inserted = false;
  for (const s of segments) {
    if (!inserted && s.marker !== 0xe0) {
      parts.push(seg, payload);
      inserted = true;
    }
    if (s.marker === 0xda) {
      parts.push(b.subarray(s.start));
      break;
    }
    const isXmp =
      s.marker === 0xe1 && b.subarray(s.start + 4, s.start + 4 + JPEG_XMP_HEADER.length).toString('latin1') === JPEG_XMP_HEADER;
    if (!isXmp) parts.push(b.subarray(s.start, s.end));
  }
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

function injectWebp(b: Buffer, xmp: string): Buffer {
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
