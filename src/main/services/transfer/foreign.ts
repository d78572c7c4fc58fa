/**
 * The generation metadata other tools write into their images, read at import (pure: bytes in, plain data out;
 * never throws). Each format from its public description:
 *
 * - AUTOMATIC1111 / Forge: the "infotext" in a PNG `tEXt`/`iTXt` chunk `parameters`, or in JPEG/WebP EXIF
 *   `UserComment` (8-byte `UNICODE\0` or `ASCII\0\0\0` prefix): the prompt, a line `Negative prompt: …`, and a
 *   last line `Steps: 20, Sampler: Euler a, CFG scale: 7, Seed: 1, Size: 512x768, Model: …` (the writer:
 *   https://github.com/AUTOMATIC1111/stable-diffusion-webui/blob/master/modules/processing.py
 *   `create_infotext`; the reader: modules/infotext_utils.py `parse_generation_parameters`).
 * - ComfyUI: PNG `tEXt` `prompt` (the API-format graph, `{ id: { class_type, inputs } }`, a link being
 *   `[node id, output index]`) and `workflow` (the editor's graph, `nodes` with `widgets_values` and `links`),
 *   https://docs.comfy.org/ (SaveImage writes both). The sampler (`KSampler`, `KSamplerAdvanced`,
 *   `SamplerCustom`…) gives seed, steps, cfg, sampler; its `positive`/`negative` inputs are followed back to the
 *   `CLIPTextEncode` nodes (through conditioning combiners), its `model` input to the checkpoint loader.
 * - InvokeAI: `invokeai_metadata` JSON (`positive_prompt`, `negative_prompt`, `model.name`, `seed`, `steps`,
 *   `cfg_scale`, `width`, `height`, `scheduler`), https://github.com/invoke-ai/InvokeAI (invocations/metadata.py).
 * - NovelAI: `Software` = "NovelAI", `Description` (the prompt), `Source` (the model), `Comment` JSON (`uc` the
 *   negative prompt, `steps`, `scale`, `seed`, `sampler`, `width`, `height`).
 * - Fooocus: `parameters` JSON with `fooocus_scheme` = "fooocus" (`prompt`, `negative_prompt`, `base_model`,
 *   `steps`, `guidance_scale`, `sampler`, `seed`, `resolution`, `version`), https://github.com/lllyasviel/Fooocus
 *   (modules/meta_parser.py); its older log keys ("Prompt", "Negative Prompt", "Base Model"…) too, and its
 *   `a1111` scheme (A1111's infotext with `Version: Fooocus …`).
 * - SwarmUI: `parameters` JSON `{ "sui_image_params": { prompt, negativeprompt, model, seed, steps, cfgscale,
 *   width, height, sampler, swarm_version } }`, https://github.com/mcmonkeyprojects/SwarmUI.
 * - XMP (Lightroom, Bridge, digiKam, Eagle, exiftool): `dc:title`, `dc:description`, `dc:subject` → tags,
 *   `lr:hierarchicalSubject` (`A|B|C`) and `digiKam:TagsList` (`A/B/C`) flattened into their parts as tags,
 *   `xmp:Rating` (−1 = rejected, 1–5 stars), https://developer.adobe.com/xmp/docs/ and Atelier's own namespace
 *   (the recipe and lineage of an image exported by Atelier; see xmp.ts).
 *
 * Hostile input: a text chunk over {@link MAX_TEXT_BYTES} is not read, JSON over {@link MAX_JSON_BYTES} or nested
 * deeper than {@link MAX_JSON_DEPTH} is not parsed, a ComfyUI graph walk stops after {@link MAX_GRAPH_STEPS},
 * compressed text is inflated to at most {@link MAX_TEXT_BYTES}, at most {@link MAX_TEXT_CHUNKS} text chunks and
 * {@link MAX_TOTAL_TEXT_BYTES} of text in all are looked at; a prompt is kept to {@link MAX_PROMPT_CHARS} characters. What cannot be read is listed in
 * `skipped` with a reason, and the rest is still read.
 */
import { inflateSync } from 'node:zlib';
import type { ForeignRecipe as RecipeFields, ForeignTool } from '@shared/domain';
import { parseXml, type XmlElement } from './xml';
import { readXmp } from './xmp-file';

/** Largest text chunk (or EXIF segment, XMP packet) read, bytes. */
export const MAX_TEXT_BYTES = 1024 * 1024;
/** Largest JSON text parsed, bytes. */
export const MAX_JSON_BYTES = 1024 * 1024;
/** Deepest JSON nesting parsed (objects and arrays). */
export const MAX_JSON_DEPTH = 64;
/** Most text read from one file's chunks in all, bytes (the chunks after it are skipped). */
export const MAX_TOTAL_TEXT_BYTES = 8 * 1024 * 1024;
/** Most PNG text chunks looked at in one file. */
export const MAX_TEXT_CHUNKS = 64;
/** Most nodes visited while following one ComfyUI link chain. */
export const MAX_GRAPH_STEPS = 2000;
/** Longest prompt kept, characters (the contract's prompt limit). */
export const MAX_PROMPT_CHARS = 64_000;
/** Longest short field kept (model, sampler, seed, version), characters. */
const MAX_FIELD_CHARS = 500;
/** Most tags taken from one file. */
export const MAX_TAGS = 200;

/**
 * A recipe another tool (or an Atelier export) wrote: the fields shown for it ({@link RecipeFields}: sizes in px,
 * `seed` as text, since ComfyUI seeds pass 2^53), and the source texts as found (chunk keyword → text, parsed where
 * JSON), for the record.
 */
export interface ForeignRecipe extends RecipeFields {
  raw: Record<string, unknown>;
}

/** What an Atelier export says about where the image came from (its `atelier:` properties). */
export interface AtelierOrigin {
  /** The asset the file was exported from, in the library it came from. */
  assetId: string | null;
  /** The asset it was edited from, in that library. */
  parentAssetId: string | null;
  kind: string | null;
  provider: string | null;
}

/** One source of metadata that was present but not read, and why. */
export interface SkippedMetadata {
  /** Where it was: `png:parameters`, `exif:UserComment`, `xmp`, `comfyui:prompt`… */
  source: string;
  /** `too_large`, `too_deep`, `malformed`, `unrecognised`. */
  reason: string;
  /** In English, for the import report. */
  message: string;
}

/** Everything read from one file. */
export interface ForeignMetadata {
  recipe: ForeignRecipe | null;
  title: string | null;
  /** A caption (XMP `dc:description`) that is not the recipe's prompt. */
  description: string | null;
  tags: string[];
  /** 0 (none) – 5 stars; null when the file says nothing. */
  rating: number | null;
  /** -1 rejected, 1 picked, null when the file says nothing. */
  flag: -1 | 1 | null;
  atelier: AtelierOrigin | null;
  /** Sources that were read, e.g. `['png:parameters', 'xmp']`. */
  read: string[];
  skipped: SkippedMetadata[];
}

/** Atelier's XMP namespace (as xmp.ts writes it). */
const NS_ATELIER = 'https://atelier.invalid/ns/recipe/1.0/';
const NS_RDF = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#';
const NS_DC = 'http://purl.org/dc/elements/1.1/';
const NS_XMP = 'http://ns.adobe.com/xap/1.0/';
const NS_LR = 'http://ns.adobe.com/lightroom/1.0/';
const NS_DIGIKAM = 'http://www.digikam.org/ns/1.0/';

class Skip extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Reads the generation metadata and the XMP of a PNG, JPEG or WebP file, and of its XMP sidecar file when one was
 * found beside it (`photo.xmp` as Lightroom and Bridge write it, `photo.jpg.xmp` as darktable and digiKam do; its
 * text, at most {@link MAX_TEXT_BYTES} × 4 bytes). A property in the sidecar wins over the same property embedded
 * in the file (the sidecar is what the photo tool wrote last); the rest of the embedded packet still counts; `read`
 * lists `xmp-sidecar`. Never throws: what cannot be read is in `skipped` (`xmp-sidecar` as its source).
 */
export function readForeignMetadata(bytes: Uint8Array, sidecarXmp: string | null = null): ForeignMetadata {
  const out: ForeignMetadata = { recipe: null, title: null, description: null, tags: [], rating: null, flag: null, atelier: null, read: [], skipped: [] };
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const attempt = (source: string, fn: () => void): void => {
    try {
      fn();
    } catch (err) {
      if (err instanceof Skip) out.skipped.push({ source, reason: err.reason, message: err.message });
      else out.skipped.push({ source, reason: 'malformed', message: `cannot be read (${(err as Error).message})` });
    }
  };
  let texts: Map<string, string> = new Map();
  attempt('file', () => {
    texts = textEntries(b, out.skipped);
  });
  attempt('recipe', () => {
    out.recipe = recipeFromTexts(texts, out);
  });
  let sidecar: string[] = [];
  if (sidecarXmp !== null) {
    attempt('xmp-sidecar', () => {
      if (Buffer.byteLength(sidecarXmp, 'utf8') > MAX_TEXT_BYTES * 4) throw new Skip('too_large', `the XMP sidecar is over ${MAX_TEXT_BYTES * 4} bytes`);
      parseXml(sidecarXmp); // a malformed sidecar is skipped alone; the file's own packet is still read
      sidecar = [sidecarXmp];
    });
  }
  let embedded: string[] = [];
  attempt('xmp', () => {
    const x = readXmp(b);
    const packets = [x.standard, x.extended].filter((p): p is string => p !== null);
    for (const p of packets) {
      if (Buffer.byteLength(p, 'utf8') > MAX_TEXT_BYTES * 4) throw new Skip('too_large', `the XMP packet is over ${MAX_TEXT_BYTES * 4} bytes`);
      parseXml(p);
    }
    embedded = packets;
  });
  attempt(sidecar.length > 0 ? 'xmp-sidecar' : 'xmp', () => {
    if (readXmpPackets([...sidecar, ...embedded], out)) {
      if (sidecar.length > 0) out.read.push('xmp-sidecar');
      if (embedded.length > 0) out.read.push('xmp');
    }
  });
  if (out.recipe) {
    out.recipe.prompt = clip(out.recipe.prompt, MAX_PROMPT_CHARS);
    out.recipe.negativePrompt = clip(out.recipe.negativePrompt, MAX_PROMPT_CHARS);
    if (out.description !== null && out.recipe.prompt !== null && out.description.trim() === out.recipe.prompt.trim()) out.description = null;
  }
  return out;
}

// ── the texts a file carries ────────────────────────────────────────────────────────────────────────────────

/**
 * Keyword → text of the PNG text chunks (`tEXt`, `zTXt`, `iTXt`; the first of each keyword), or, for JPEG and
 * WebP, `exif:UserComment` (and a JPEG's `COM` comment as `jpeg:comment`).
 */
function textEntries(b: Buffer, skipped: SkippedMetadata[]): Map<string, string> {
  const texts = new Map<string, string>();
  if (b.length > 8 && b.readUInt32BE(0) === 0x89504e47) {
    let seen = 0;
    let total = 0;
    for (let off = 8; off + 12 <= b.length; ) {
      const length = b.readUInt32BE(off);
      const type = b.toString('latin1', off + 4, off + 8);
      const end = off + 12 + length;
      if (end > b.length) {
        skipped.push({ source: `png:${type}`, reason: 'malformed', message: 'the PNG ends inside a chunk' });
        break;
      }
      if (type === 'IEND') break;
      if (type === 'tEXt' || type === 'zTXt' || type === 'iTXt') {
        if (++seen > MAX_TEXT_CHUNKS) {
          skipped.push({ source: `png:${type}`, reason: 'too_many', message: `more than ${MAX_TEXT_CHUNKS} text chunks; the rest were not read` });
          break;
        }
        const data = b.subarray(off + 8, off + 8 + length);
        const z0 = data.indexOf(0);
        const keyword = z0 > 0 && z0 < 80 ? data.toString('latin1', 0, z0) : null;
        if (keyword === null) {
          skipped.push({ source: `png:${type}`, reason: 'malformed', message: 'a text chunk has no keyword' });
        } else if (keyword !== 'XML:com.adobe.xmp' && !texts.has(keyword)) {
          if (length > MAX_TEXT_BYTES) {
            skipped.push({ source: `png:${keyword}`, reason: 'too_large', message: `the ${keyword} text is ${length} bytes, over the limit of ${MAX_TEXT_BYTES}` });
          } else if (total > MAX_TOTAL_TEXT_BYTES) {
            skipped.push({ source: `png:${keyword}`, reason: 'too_large', message: `the file's texts pass ${MAX_TOTAL_TEXT_BYTES} bytes in all; ${keyword} was not read` });
          } else {
            try {
              const text = pngText(type, data, z0);
              total += text.length;
              texts.set(keyword, text);
            } catch (err) {
              skipped.push({ source: `png:${keyword}`, reason: err instanceof Skip ? err.reason : 'malformed', message: (err as Error).message });
            }
          }
        }
      }
      off = end;
    }
    return texts;
  }
  if (b[0] === 0xff && b[1] === 0xd8) {
    for (let off = 2; off + 4 <= b.length; ) {
      if (b[off] !== 0xff) break;
      const marker = b[off + 1]!;
      if (marker === 0xff) {
        off++;
        continue;
      }
      if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
        off += 2;
        continue;
      }
      if (marker === 0xda || marker === 0xd9) break;
      const end = off + 2 + b.readUInt16BE(off + 2);
      if (end > b.length) break;
      const payload = b.subarray(off + 4, end);
      if (marker === 0xe1 && payload.toString('latin1', 0, 6) === 'Exif\0\0' && !texts.has('exif:UserComment')) {
        const c = userComment(payload.subarray(6));
        if (c !== null) texts.set('exif:UserComment', c);
      } else if (marker === 0xfe && !texts.has('jpeg:comment')) {
        texts.set('jpeg:comment', payload.toString('utf8'));
      }
      off = end;
    }
    return texts;
  }
  if (b.length >= 12 && b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP') {
    for (let off = 12; off + 8 <= b.length; ) {
      const type = b.toString('latin1', off, off + 4);
      const length = b.readUInt32LE(off + 4);
      if (off + 8 + length > b.length) break;
      if (type === 'EXIF') {
        if (length > MAX_TEXT_BYTES) {
          skipped.push({ source: 'exif', reason: 'too_large', message: `the EXIF chunk is ${length} bytes, over the limit of ${MAX_TEXT_BYTES}` });
        } else {
          let tiff = b.subarray(off + 8, off + 8 + length);
          if (tiff.toString('latin1', 0, 6) === 'Exif\0\0') tiff = tiff.subarray(6);
          const c = userComment(tiff);
          if (c !== null) texts.set('exif:UserComment', c);
        }
      }
      off += 8 + length + (length & 1);
    }
  }
  return texts;
}

/** The text of one PNG text chunk (`data` its payload, `z0` the NUL after the keyword). */
function pngText(type: string, data: Buffer, z0: number): string {
  if (type === 'tEXt') return latin1OrUtf8(data.subarray(z0 + 1));
  if (type === 'zTXt') return latin1OrUtf8(inflateCapped(data.subarray(z0 + 2)));
  const compressed = data[z0 + 1] === 1;
  const lang = data.indexOf(0, z0 + 3);
  const translated = lang < 0 ? -1 : data.indexOf(0, lang + 1);
  if (translated < 0) throw new Skip('malformed', 'an iTXt chunk is cut short');
  const text = data.subarray(translated + 1);
  return (compressed ? inflateCapped(text) : text).toString('utf8');
}

/**
 * tEXt/zTXt text is Latin-1 by the PNG specification, but many writers put UTF-8 there: bytes that are valid
 * UTF-8 (with some beyond ASCII) are read as UTF-8, anything else as Latin-1.
 */
function latin1OrUtf8(b: Buffer): string {
  if (!b.some((c) => c >= 0x80)) return b.toString('latin1');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(b);
  } catch {
    return b.toString('latin1');
  }
}

function inflateCapped(data: Buffer): Buffer {
  try {
    return inflateSync(data, { maxOutputLength: MAX_TEXT_BYTES });
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') throw new Skip('too_large', `the compressed text inflates to more than ${MAX_TEXT_BYTES} bytes`);
    throw new Skip('malformed', `the compressed text cannot be inflated (${(err as Error).message})`);
  }
}

/**
 * EXIF `UserComment` (tag 0x9286 in the Exif IFD) of a TIFF structure, decoded by its 8-byte character code:
 * `ASCII`, `UNICODE` (UTF-16 in the byte order of its content: A1111 writes big-endian through piexif,
 * exiftool the file's own order) or `\0`×8 (undefined, read as UTF-8). Null when absent or unreadable.
 */
export function userComment(tiff: Buffer): string | null {
  if (tiff.length < 8) return null;
  const order = tiff.toString('latin1', 0, 2);
  if (order !== 'II' && order !== 'MM') return null;
  const le = order === 'II';
  const u16 = (o: number): number => (o + 2 <= tiff.length ? (le ? tiff.readUInt16LE(o) : tiff.readUInt16BE(o)) : -1);
  const u32 = (o: number): number => (o + 4 <= tiff.length ? (le ? tiff.readUInt32LE(o) : tiff.readUInt32BE(o)) : -1);
  const entry = (ifd: number, tag: number): { type: number; count: number; value: number } | null => {
    const n = u16(ifd);
    if (n < 0 || n > 1000) return null;
    for (let i = 0; i < n; i++) {
      const e = ifd + 2 + i * 12;
      if (u16(e) === tag) return { type: u16(e + 2), count: u32(e + 4), value: e + 8 };
    }
    return null;
  };
  const ifd0 = u32(4);
  if (ifd0 < 8 || ifd0 >= tiff.length) return null;
  const exifPtr = entry(ifd0, 0x8769);
  if (!exifPtr) return null;
  const exifIfd = u32(exifPtr.value);
  if (exifIfd < 8 || exifIfd >= tiff.length) return null;
  const uc = entry(exifIfd, 0x9286);
  if (!uc || uc.count < 8 || uc.count > MAX_TEXT_BYTES) return null;
  const at = uc.count <= 4 ? uc.value : u32(uc.value);
  if (at < 0 || at + uc.count > tiff.length) return null;
  const raw = tiff.subarray(at, at + uc.count);
  const code = raw.toString('latin1', 0, 8).replace(/\0+$/, '');
  const body = raw.subarray(8);
  if (code === 'UNICODE') {
    const even = body.subarray(0, body.length - (body.length & 1));
    // Text mostly in the Basic Latin range has its zero bytes first in big-endian order.
    let zeroFirst = 0;
    let zeroSecond = 0;
    for (let i = 0; i + 1 < even.length && i < 4096; i += 2) {
      if (even[i] === 0) zeroFirst++;
      if (even[i + 1] === 0) zeroSecond++;
    }
    const bigEndian = zeroFirst === zeroSecond ? !le : zeroFirst > zeroSecond;
    const text = bigEndian ? Buffer.from(even).swap16().toString('utf16le') : even.toString('utf16le');
    return text.replace(/\0+$/, '');
  }
  if (code === 'ASCII') return body.toString('latin1').replace(/\0+$/, '');
  if (code === '') return body.toString('utf8').replace(/\0+$/, '');
  return null;
}

// ── recipes ─────────────────────────────────────────────────────────────────────────────────────────────────

function recipeFromTexts(texts: Map<string, string>, out: ForeignMetadata): ForeignRecipe | null {
  const tryOne = (source: string, fn: () => ForeignRecipe | null): ForeignRecipe | null => {
    try {
      const r = fn();
      if (r) out.read.push(source);
      return r;
    } catch (err) {
      if (err instanceof Skip) out.skipped.push({ source, reason: err.reason, message: err.message });
      else out.skipped.push({ source, reason: 'malformed', message: `cannot be read (${(err as Error).message})` });
      return null;
    }
  };
  const invoke = texts.get('invokeai_metadata');
  if (invoke !== undefined) {
    const r = tryOne('png:invokeai_metadata', () => invokeAi(invoke));
    if (r) return r;
  }
  const comfy = texts.get('prompt');
  const workflow = texts.get('workflow');
  if (comfy !== undefined) {
    const r = tryOne('png:prompt', () => comfyApi(comfy, workflow));
    if (r) return r;
  }
  if (workflow !== undefined) {
    const r = tryOne('png:workflow', () => comfyWorkflow(workflow));
    if (r) return r;
  }
  const params = texts.get('parameters');
  if (params !== undefined) {
    const r = tryOne('png:parameters', () => parametersText(params, texts.get('fooocus_scheme') ?? null));
    if (r) return r;
  }
  const comment = texts.get('Comment');
  if ((texts.get('Software') ?? '').startsWith('NovelAI') || (comment !== undefined && texts.has('Description') && /"uc"\s*:/.test(comment))) {
    const r = tryOne('png:Comment', () => novelAi(texts));
    if (r) return r;
  }
  const uc = texts.get('exif:UserComment');
  if (uc !== undefined && uc.trim() !== '') {
    const r = tryOne('exif:UserComment', () => parametersText(uc, null));
    if (r) return r;
  }
  const com = texts.get('jpeg:comment');
  if (com !== undefined && /(^|\n)Steps: \d/.test(com)) {
    const r = tryOne('jpeg:comment', () => parametersText(com, null));
    if (r) return r;
  }
  return null;
}

function emptyRecipe(tool: ForeignTool, raw: Record<string, unknown>): ForeignRecipe {
  return { tool, toolVersion: null, prompt: null, negativePrompt: null, model: null, seed: null, steps: null, cfg: null, sampler: null, width: null, height: null, raw };
}

/** A1111 infotext, or the JSON that Fooocus and SwarmUI put under the same keyword. */
function parametersText(text: string, fooocusScheme: string | null): ForeignRecipe | null {
  const t = text.trim();
  if (t.startsWith('{')) {
    const json = parseJson(t, 'parameters');
    if (!isObject(json)) throw new Skip('unrecognised', 'the parameters JSON is not an object');
    if (isObject(json['sui_image_params'])) return swarmUi(json);
    return fooocus(json, fooocusScheme);
  }
  const r = a1111(text);
  // Fooocus with its "a1111" metadata scheme writes A1111's infotext, naming itself in Version.
  if (r && (fooocusScheme === 'a1111' || /fooocus/i.test(r.toolVersion ?? ''))) r.tool = 'fooocus';
  return r;
}

/** Parses A1111's infotext (see the module comment). */
export function a1111(text: string): ForeignRecipe | null {
  const lines = text.replace(/\r\n?/g, '\n').trim().split('\n');
  let paramsLine = '';
  const last = lines.at(-1) ?? '';
  if (lines.length > 0 && /^\s*Steps: /.test(last)) {
    paramsLine = last;
    lines.pop();
  } else if (!/\bSteps: \d+/.test(text) && !text.includes('Negative prompt:')) {
    return null;
  }
  const prompt: string[] = [];
  const negative: string[] = [];
  let inNegative = false;
  for (const line of lines) {
    if (!inNegative && line.startsWith('Negative prompt:')) {
      inNegative = true;
      negative.push(line.slice('Negative prompt:'.length).trimStart());
    } else (inNegative ? negative : prompt).push(line);
  }
  const params: Record<string, string> = {};
  const re = /\s*([\w][\w \-/]*?):\s*("(?:\\.|[^\\"])*"|[^,]*)(?:,|$)/g;
  let m: RegExpExecArray | null;
  let guard = 0;
  while ((m = re.exec(paramsLine)) !== null && guard++ < 500) {
    if (m[0] === '') {
      re.lastIndex++;
      continue;
    }
    let v = m[2]!.trim();
    if (v.startsWith('"') && v.endsWith('"') && v.length >= 2) {
      try {
        v = String(JSON.parse(v));
      } catch {
        v = v.slice(1, -1);
      }
    }
    if (!(m[1]! in params)) params[m[1]!] = v;
  }
  const r = emptyRecipe('a1111', { parameters: text.length > MAX_PROMPT_CHARS * 2 ? text.slice(0, MAX_PROMPT_CHARS * 2) : text, fields: params });
  r.prompt = nonEmpty(prompt.join('\n'));
  r.negativePrompt = nonEmpty(negative.join('\n'));
  r.model = field(params['Model']);
  r.seed = field(params['Seed']);
  r.steps = num(params['Steps']);
  r.cfg = num(params['CFG scale']);
  r.sampler = field([params['Sampler'], params['Schedule type']].filter(Boolean).join(' · ') || null);
  const size = /^(\d{1,6})x(\d{1,6})$/.exec(params['Size'] ?? '');
  if (size) {
    r.width = Number(size[1]);
    r.height = Number(size[2]);
  }
  const version = params['Version'] ?? null;
  r.toolVersion = field(version ? (/^f\d/.test(version) ? `Forge ${version}` : version) : null);
  return r;
}

function fooocus(json: Record<string, unknown>, scheme: string | null): ForeignRecipe | null {
  const get = keyed(json);
  const prompt = get('prompt');
  const isFooocus = scheme === 'fooocus' || get('fooocus_scheme') === 'fooocus' || /fooocus/i.test(String(get('version') ?? '')) || get('base_model') !== undefined;
  if (!isFooocus && prompt === undefined) return null;
  const r = emptyRecipe('fooocus', { parameters: json, ...(scheme ? { fooocus_scheme: scheme } : {}) });
  r.prompt = str(prompt);
  r.negativePrompt = str(get('negative_prompt'));
  r.model = field(str(get('base_model')));
  r.seed = field(str(get('seed')));
  r.steps = num(get('steps'));
  r.cfg = num(get('guidance_scale'));
  r.sampler = field([str(get('sampler')), str(get('scheduler'))].filter(Boolean).join(' · ') || null);
  const res = /(\d{1,6})\D+(\d{1,6})/.exec(String(get('resolution') ?? ''));
  if (res) {
    r.width = Number(res[1]);
    r.height = Number(res[2]);
  }
  r.toolVersion = field(str(get('version')));
  return r;
}

function swarmUi(json: Record<string, unknown>): ForeignRecipe {
  const p = json['sui_image_params'] as Record<string, unknown>;
  const get = keyed(p);
  const r = emptyRecipe('swarmui', { parameters: json });
  r.prompt = str(get('prompt'));
  r.negativePrompt = str(get('negativeprompt'));
  r.model = field(str(get('model')));
  r.seed = field(str(get('seed')));
  r.steps = num(get('steps'));
  r.cfg = num(get('cfgscale'));
  r.sampler = field([str(get('sampler')), str(get('scheduler'))].filter(Boolean).join(' · ') || null);
  r.width = int(get('width'));
  r.height = int(get('height'));
  r.toolVersion = field(str(get('swarm_version')));
  return r;
}

function invokeAi(text: string): ForeignRecipe {
  const json = parseJson(text, 'invokeai_metadata');
  if (!isObject(json)) throw new Skip('unrecognised', 'invokeai_metadata is not a JSON object');
  const get = keyed(json);
  const r = emptyRecipe('invokeai', { invokeai_metadata: json });
  r.prompt = str(get('positive_prompt'));
  r.negativePrompt = str(get('negative_prompt'));
  const model = get('model');
  r.model = field(isObject(model) ? (str(model['name']) ?? str(model['model_name'])) : str(model));
  r.seed = field(str(get('seed')));
  r.steps = num(get('steps'));
  r.cfg = num(get('cfg_scale'));
  r.sampler = field(str(get('scheduler')));
  r.width = int(get('width'));
  r.height = int(get('height'));
  r.toolVersion = field(str(get('app_version')));
  return r;
}

function novelAi(texts: Map<string, string>): ForeignRecipe {
  const comment = texts.get('Comment');
  const json = comment !== undefined ? parseJson(comment, 'Comment') : {};
  if (!isObject(json)) throw new Skip('unrecognised', 'the NovelAI Comment is not a JSON object');
  const get = keyed(json);
  const r = emptyRecipe('novelai', { Comment: json, Description: texts.get('Description') ?? null, Software: texts.get('Software') ?? null, Source: texts.get('Source') ?? null });
  r.prompt = nonEmpty(texts.get('Description') ?? '') ?? str(get('prompt'));
  r.negativePrompt = str(get('uc'));
  r.model = field(texts.get('Source') ?? null);
  r.seed = field(str(get('seed')));
  r.steps = num(get('steps'));
  r.cfg = num(get('scale'));
  r.sampler = field(str(get('sampler')));
  r.width = int(get('width'));
  r.height = int(get('height'));
  return r;
}

// ComfyUI -----------------------------------------------------------------------------------------------------

type Graph = Record<string, { class_type?: unknown; inputs?: unknown }>;

const SAMPLER = /^(KSampler|KSamplerAdvanced|SamplerCustom|SamplerCustomAdvanced|KSampler \(Efficient\)|KSampler Adv\. \(Efficient\)|KSamplerSelect)$/;

/** ComfyUI's API-format graph (the `prompt` text). */
function comfyApi(text: string, workflow: string | undefined): ForeignRecipe | null {
  const json = parseJson(text, 'prompt');
  if (!isObject(json)) return null;
  const graph = json as Graph;
  const ids = Object.keys(graph);
  if (ids.length === 0 || !ids.some((id) => isObject(graph[id]) && typeof graph[id]!.class_type === 'string')) return null;
  const node = (id: unknown): { class_type: string; inputs: Record<string, unknown> } | null => {
    const n = typeof id === 'string' || typeof id === 'number' ? graph[String(id)] : undefined;
    if (!isObject(n) || typeof n.class_type !== 'string') return null;
    return { class_type: n.class_type, inputs: isObject(n.inputs) ? n.inputs : {} };
  };
  const linkTarget = (v: unknown): string | null => (Array.isArray(v) && v.length === 2 && (typeof v[0] === 'string' || typeof v[0] === 'number') ? String(v[0]) : null);
  // The sampler: prefer one with positive and negative inputs, lowest id first.
  const sorted = ids.slice().sort((a, b) => Number(a) - Number(b) || a.localeCompare(b));
  const samplers = sorted.filter((id) => SAMPLER.test(node(id)?.class_type ?? ''));
  const samplerId = samplers.find((id) => 'positive' in node(id)!.inputs) ?? samplers[0] ?? null;
  const sampler = samplerId ? node(samplerId) : null;
  let steps = 0;
  /** Texts of the CLIPTextEncode nodes a conditioning input comes from (through combiners, primitives). */
  const texts = (start: unknown): string[] => {
    const found: string[] = [];
    const stack: unknown[] = [start];
    const seen = new Set<string>();
    while (stack.length > 0 && steps++ < MAX_GRAPH_STEPS) {
      const id = linkTarget(stack.pop());
      if (id === null || seen.has(id)) continue;
      seen.add(id);
      const n = node(id);
      if (!n) continue;
      const textInputs = ['text', 'text_g', 'text_l', 'prompt', 'string', 'value', 'positive', 'negative', 'conditioning', 'conditioning_1', 'conditioning_2', 'conditioning_to', 'conditioning_from', 'base_positive', 'base_negative'];
      let direct = false;
      for (const k of ['text', 'text_g', 'text_l']) {
        const v = n.inputs[k];
        if (typeof v === 'string') {
          if (v.trim() && !found.includes(v)) found.push(v);
          direct = true;
        }
      }
      if (!direct && /Primitive|String|Text/i.test(n.class_type)) {
        for (const k of ['value', 'string', 'text']) if (typeof n.inputs[k] === 'string' && (n.inputs[k] as string).trim()) found.push(n.inputs[k] as string);
      }
      // Pushed in reverse so that the first input's text comes first.
      const next = textInputs.filter((k) => linkTarget(n.inputs[k]) !== null).map((k) => n.inputs[k]);
      stack.push(...next.reverse());
    }
    return found;
  };
  const modelName = (start: unknown): string | null => {
    const stack: unknown[] = [start];
    const seen = new Set<string>();
    while (stack.length > 0 && steps++ < MAX_GRAPH_STEPS) {
      const id = linkTarget(stack.pop());
      if (id === null || seen.has(id)) continue;
      seen.add(id);
      const n = node(id);
      if (!n) continue;
      for (const k of ['ckpt_name', 'unet_name', 'model_name']) if (typeof n.inputs[k] === 'string') return n.inputs[k] as string;
      for (const k of ['model', 'model1', 'base_model']) if (linkTarget(n.inputs[k]) !== null) stack.push(n.inputs[k]);
    }
    return null;
  };
  const r = emptyRecipe('comfyui', { prompt: json, ...(workflow !== undefined ? { workflow: safeJson(workflow) } : {}) });
  if (sampler) {
    const inp = sampler.inputs;
    let guider: Record<string, unknown> | null = null;
    const g = linkTarget(inp['guider']);
    if (g !== null) guider = node(g)?.inputs ?? null;
    const pos = texts(inp['positive'] ?? guider?.['positive'] ?? guider?.['conditioning']);
    const neg = texts(inp['negative'] ?? guider?.['negative']);
    r.prompt = nonEmpty(pos.join('\n'));
    r.negativePrompt = nonEmpty(neg.join('\n'));
    r.model = field(modelName(inp['model'] ?? guider?.['model']));
    const scalar = (k: string): unknown => {
      const v = inp[k];
      if (linkTarget(v) === null) return v;
      const n = node(linkTarget(v));
      return n ? (n.inputs[k] ?? n.inputs['value'] ?? n.inputs['seed'] ?? n.inputs['noise_seed']) : undefined;
    };
    r.seed = field(str(scalar('seed') ?? scalar('noise_seed')));
    r.steps = num(scalar('steps'));
    r.cfg = num(scalar('cfg'));
    r.sampler = field([str(scalar('sampler_name')), str(scalar('scheduler'))].filter(Boolean).join(' · ') || null);
    const latent = node(linkTarget(inp['latent_image']));
    if (latent) {
      r.width = int(latent.inputs['width']);
      r.height = int(latent.inputs['height']);
    }
  }
  // Graphs without a recognised sampler: any checkpoint and any text encoder.
  if (r.model === null) for (const id of sorted) if (typeof node(id)?.inputs['ckpt_name'] === 'string') { r.model = field(node(id)!.inputs['ckpt_name'] as string); break; }
  if (r.prompt === null && !sampler) {
    const all = sorted.filter((id) => /CLIPTextEncode/.test(node(id)?.class_type ?? '')).map((id) => node(id)!.inputs['text']).filter((t): t is string => typeof t === 'string' && t.trim() !== '');
    r.prompt = nonEmpty(all.join('\n'));
  }
  if (r.width === null) {
    const latent = sorted.map(node).find((n) => n && /EmptyLatentImage|EmptySD3LatentImage/.test(n.class_type));
    if (latent) {
      r.width = int(latent.inputs['width']);
      r.height = int(latent.inputs['height']);
    }
  }
  return r;
}

/** ComfyUI's editor graph (the `workflow` text), where no API graph was saved. */
function comfyWorkflow(text: string): ForeignRecipe | null {
  const json = parseJson(text, 'workflow');
  if (!isObject(json) || !Array.isArray(json['nodes'])) return null;
  const nodes = (json['nodes'] as unknown[]).filter(isObject).slice(0, 10_000);
  const byId = new Map(nodes.map((n) => [String(n['id']), n]));
  const links = new Map<string, string>(); // link id → source node id
  for (const l of Array.isArray(json['links']) ? (json['links'] as unknown[]).slice(0, 100_000) : []) {
    if (Array.isArray(l) && l.length >= 2) links.set(String(l[0]), String(l[1]));
    else if (isObject(l) && 'id' in l && 'origin_id' in l) links.set(String(l['id']), String(l['origin_id']));
  }
  const widgets = (n: Record<string, unknown> | undefined): unknown[] => (n && Array.isArray(n['widgets_values']) ? (n['widgets_values'] as unknown[]) : []);
  const inputFrom = (n: Record<string, unknown>, name: string): Record<string, unknown> | undefined => {
    const inputs = Array.isArray(n['inputs']) ? (n['inputs'] as unknown[]).filter(isObject) : [];
    const inp = inputs.find((i) => i['name'] === name);
    const src = inp && inp['link'] !== null && inp['link'] !== undefined ? links.get(String(inp['link'])) : undefined;
    return src !== undefined ? byId.get(src) : undefined;
  };
  let steps = 0;
  const textOf = (start: Record<string, unknown> | undefined): string[] => {
    const out: string[] = [];
    const stack = start ? [start] : [];
    const seen = new Set<unknown>();
    const names = ['conditioning', 'conditioning_1', 'conditioning_2', 'conditioning_to', 'conditioning_from', 'positive', 'negative'];
    while (stack.length > 0 && steps++ < MAX_GRAPH_STEPS) {
      const n = stack.pop()!;
      if (seen.has(n)) continue;
      seen.add(n);
      const type = String(n['type'] ?? '');
      if (/CLIPTextEncode/.test(type)) {
        const t = widgets(n).find((w) => typeof w === 'string' && w.trim() !== '');
        if (typeof t === 'string') out.push(t);
        continue;
      }
      const next = names.map((name) => inputFrom(n, name)).filter((x): x is Record<string, unknown> => x !== undefined);
      stack.push(...next.reverse());
    }
    return out;
  };
  const sampler = nodes.find((n) => SAMPLER.test(String(n['type'] ?? '')));
  const r = emptyRecipe('comfyui', { workflow: json });
  if (sampler) {
    r.prompt = nonEmpty(textOf(inputFrom(sampler, 'positive')).join('\n'));
    r.negativePrompt = nonEmpty(textOf(inputFrom(sampler, 'negative')).join('\n'));
    const w = widgets(sampler);
    if (String(sampler['type']) === 'KSampler') {
      r.seed = field(str(w[0]));
      r.steps = num(w[2]);
      r.cfg = num(w[3]);
      r.sampler = field([str(w[4]), str(w[5])].filter(Boolean).join(' · ') || null);
    }
    let m = inputFrom(sampler, 'model');
    for (let i = 0; m && i < 50 && !/CheckpointLoader|UNETLoader/.test(String(m['type'])); i++) m = inputFrom(m, 'model');
    if (m) r.model = field(str(widgets(m)[0]));
  }
  if (r.prompt === null) {
    const all = nodes.filter((n) => /CLIPTextEncode/.test(String(n['type'] ?? ''))).map((n) => widgets(n)[0]).filter((t): t is string => typeof t === 'string' && t.trim() !== '');
    r.prompt = nonEmpty(all.join('\n'));
  }
  if (r.model === null) {
    const ck = nodes.find((n) => /CheckpointLoader/.test(String(n['type'] ?? '')));
    if (ck) r.model = field(str(widgets(ck)[0]));
  }
  return r.prompt === null && r.model === null ? null : r;
}

// ── XMP ─────────────────────────────────────────────────────────────────────────────────────────────────────

/**
 * Reads XMP packets into `out`, the first packet's property winning over the same property in a later one (so a
 * sidecar given first wins over the file's own packet, property by property). Returns false when there is none.
 * @throws Skip `too_large` for a packet over {@link MAX_TEXT_BYTES} × 4; an XML error for a malformed one
 */
function readXmpPackets(packets: string[], out: ForeignMetadata): boolean {
  if (packets.length === 0) return false;
  const props = new Map<string, XmlElement | string>();
  for (const p of packets) {
    if (Buffer.byteLength(p, 'utf8') > MAX_TEXT_BYTES * 4) throw new Skip('too_large', `the XMP packet is over ${MAX_TEXT_BYTES * 4} bytes`);
    const root = parseXml(p);
    const rdf = root.ns === NS_RDF && root.local === 'RDF' ? root : root.children.find((c) => c.ns === NS_RDF && c.local === 'RDF');
    if (!rdf) continue;
    for (const d of rdf.children) {
      if (d.ns !== NS_RDF || d.local !== 'Description') continue;
      for (const a of d.attrs) if (a.ns && a.ns !== NS_RDF && !props.has(a.ns + a.local)) props.set(a.ns + a.local, a.value);
      for (const c of d.children) if (c.ns && !props.has(c.ns + c.local)) props.set(c.ns + c.local, c);
    }
  }
  const text = (ns: string, local: string): string | null => {
    const v = props.get(ns + local);
    if (v === undefined) return null;
    if (typeof v === 'string') return v;
    const list = v.children.find((c) => c.ns === NS_RDF && (c.local === 'Alt' || c.local === 'Bag' || c.local === 'Seq'));
    if (!list) return v.text;
    const items = list.children.filter((c) => c.ns === NS_RDF && c.local === 'li');
    const def = items.find((i) => i.attrs.some((a) => a.name === 'xml:lang' && a.value === 'x-default')) ?? items[0];
    return def ? def.text : null;
  };
  const list = (ns: string, local: string): string[] => {
    const v = props.get(ns + local);
    if (v === undefined) return [];
    if (typeof v === 'string') return [v];
    const l = v.children.find((c) => c.ns === NS_RDF && (c.local === 'Bag' || c.local === 'Seq' || c.local === 'Alt'));
    return l ? l.children.filter((c) => c.ns === NS_RDF && c.local === 'li').map((c) => c.text) : [v.text];
  };
  out.title = nonEmpty(text(NS_DC, 'title') ?? '');
  const description = nonEmpty(text(NS_DC, 'description') ?? '');
  const tags: string[] = [...list(NS_DC, 'subject')];
  for (const h of list(NS_LR, 'hierarchicalSubject')) tags.push(...h.split('|'));
  for (const h of list(NS_DIGIKAM, 'TagsList')) tags.push(...h.split('/'));
  const seen = new Set<string>();
  for (const t of tags) {
    const name = t.normalize('NFC').trim().replace(/\s+/g, ' ');
    const key = name.toLowerCase();
    if (!name || seen.has(key)) continue;
    seen.add(key);
    out.tags.push(name);
    if (out.tags.length >= MAX_TAGS) break;
  }
  const rating = Number(text(NS_XMP, 'Rating'));
  const ratingText = text(NS_XMP, 'Rating');
  if (ratingText !== null && ratingText.trim() !== '' && Number.isFinite(rating)) {
    if (rating < 0) {
      out.flag = -1;
      out.rating = 0;
    } else out.rating = Math.min(5, Math.round(rating));
  }
  if (text(NS_ATELIER, 'Pick') === 'True' && out.flag === null) out.flag = 1;

  const kind = text(NS_ATELIER, 'Kind');
  if (kind !== null) {
    let lineage: Record<string, unknown> = {};
    let params: unknown = null;
    const lin = text(NS_ATELIER, 'Lineage');
    if (lin) lineage = (() => {
      const v = safeJson(lin);
      return isObject(v) ? v : {};
    })();
    const p = text(NS_ATELIER, 'Parameters');
    if (p) params = safeJson(p);
    out.atelier = {
      assetId: field(text(NS_ATELIER, 'AssetId')),
      parentAssetId: field(str(lineage['parentAssetId'])),
      kind,
      provider: field(text(NS_ATELIER, 'Provider')),
    };
    // Kept even for an exported photo (no prompt, no model): its AssetId lets a later child find it.
    if (!out.recipe) {
      const r = emptyRecipe('atelier', { kind, provider: out.atelier.provider, model: text(NS_ATELIER, 'Model'), parameters: params, lineage, cost: safeJson(text(NS_ATELIER, 'Cost') ?? 'null') });
      r.prompt = description;
      r.model = field(text(NS_ATELIER, 'Model'));
      r.toolVersion = field(text(NS_XMP, 'CreatorTool'));
      if (isObject(params)) {
        const size = /^(\d{1,6})x(\d{1,6})$/.exec(String(params['size'] ?? ''));
        if (size) {
          r.width = Number(size[1]);
          r.height = Number(size[2]);
        }
        r.seed = field(str(params['seed']));
      }
      out.recipe = r;
      return true;
    }
  }
  out.description = description;
  return true;
}

// ── small helpers ───────────────────────────────────────────────────────────────────────────────────────────

/**
 * JSON.parse after the size and depth checks (brackets outside strings are counted first, so a deeply nested
 * text never reaches the parser's recursion).
 * @throws Skip `too_large`, `too_deep`, `malformed`
 */
export function parseJson(text: string, what: string): unknown {
  if (Buffer.byteLength(text, 'utf8') > MAX_JSON_BYTES) throw new Skip('too_large', `the ${what} JSON is over ${MAX_JSON_BYTES} bytes`);
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > MAX_JSON_DEPTH) throw new Skip('too_deep', `the ${what} JSON is nested deeper than ${MAX_JSON_DEPTH} levels`);
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  try {
    // Some writers put NaN in (Python's json.dumps allows it): read it as null. An integer past 2^53 (ComfyUI seeds
    // go to 2^64) is kept as its digits, from the source text the reviver is given (ECMAScript JSON.parse source
    // text access, in V8 since 11.4).
    const keepDigits = (_key: string, value: unknown, context?: { source?: string }): unknown =>
      typeof value === 'number' && Number.isInteger(value) && !Number.isSafeInteger(value) && context?.source && /^-?\d+$/.test(context.source)
        ? context.source
        : value;
    return JSON.parse(text.replace(/:\s*NaN\b/g, ': null'), keepDigits as (key: string, value: unknown) => unknown) as unknown;
  } catch (err) {
    throw new Skip('malformed', `the ${what} JSON is not valid (${(err as Error).message})`);
  }
}

function safeJson(text: string): unknown {
  try {
    return parseJson(text, 'value');
  } catch {
    return text.length > MAX_FIELD_CHARS * 20 ? null : text;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Looks a key up case- and separator-insensitively ("Negative Prompt" = "negative_prompt"). */
function keyed(obj: Record<string, unknown>): (key: string) => unknown {
  const norm = (k: string): string => k.toLowerCase().replace(/[\s_-]+/g, '');
  const map = new Map<string, unknown>();
  for (const [k, v] of Object.entries(obj)) if (!map.has(norm(k))) map.set(norm(k), v);
  return (key) => map.get(norm(key));
}

function str(v: unknown): string | null {
  if (typeof v === 'string') return nonEmpty(v);
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v === 'bigint') return String(v);
  return null;
}

function num(v: unknown): number | null {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : null;
}

function int(v: unknown): number | null {
  const n = num(v);
  return n !== null && Number.isInteger(n) && n > 0 && n < 1_000_000 ? n : null;
}

function nonEmpty(s: string): string | null {
  return s.trim() === '' ? null : s.trim();
}

function field(s: string | null | undefined): string | null {
  return s === null || s === undefined ? null : clip(nonEmpty(s), MAX_FIELD_CHARS);
}

function clip(s: string | null, max: number): string | null {
  if (s === null) return null;
  return s.length > max ? s.slice(0, max) : s;
}
