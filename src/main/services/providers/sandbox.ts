/**
 * The sandbox provider: offline, free, and the default while no key is set. It follows the same lifecycle as a
 * remote provider (queued, running with progress, completed after a short delay) and renders its images locally
 * with sharp from the prompt, the model, the quality, the reference images and a mask (see
 * {@link renderSandboxImage}), stamped "SANDBOX" so they are never mistaken for a model's work. Its state is derived from the remote id (`sbx_<idempotencyKey>_<submittedAtMs>`) and the clock, so a job
 * survives a restart exactly like a remote one.
 */
import { createHash } from 'node:crypto';
import sharp, { type OverlayOptions, type Sharp } from 'sharp';
import { AppError } from '@shared/errors';
import type { PartialImage, ProviderAdapter, RemoteOutput, RemoteStatus } from './types';

/** What the sandbox needs to render a job's outputs. */
export interface SandboxJobSpec {
  prompt: string;
  params: Record<string, unknown>;
  /** Reference image bytes, in order (for an edit, the parent first). */
  references: Uint8Array[];
  /** The model the job asked for (`gpt-image-2` default, `gpt-image-1.5`): each has its own palette and pattern. */
  model?: string;
  /**
   * A PNG mask for the first reference, as OpenAI takes one (alpha 0 where to edit, 255 where to keep,
   * https://platform.openai.com/docs/api-reference/images/createEdit), the size of that reference. With a mask the
   * output is the reference's size and changes only inside it.
   */
  mask?: Uint8Array | null;
}

export interface SandboxOptions {
  /**
   * Looks up the job by its idempotency key (the engine's journal), null if it is gone. With `images: false` (a poll,
   * which needs only the params) `references` may be empty and `mask` absent: nothing is read from the store.
   */
  resolve(idempotencyKey: string, images?: boolean): Promise<SandboxJobSpec | null>;
  now?: () => number;
  /** Simulated run time, in ms (default 2500). */
  durationMs?: number;
  /**
   * Live previews offline: called with each partial preview of a job's first image, {@link SANDBOX_PARTIALS} of
   * them, evenly spread over its run time after the submit (a blurred, smaller rendering of the final picture), as
   * OpenAI streams them. Absent: none. Never after a restart (previews are not part of the job).
   */
  onPartial?: (idempotencyKey: string, partial: PartialImage) => void;
}

/** Partial previews per sandbox job (as OpenAI's `partial_images` Atelier asks for). */
const SANDBOX_PARTIALS = 2;

const DIMENSIONS: Record<string, [number, number]> = {
  '1:1': [768, 768],
  '3:2': [768, 512],
  '2:3': [512, 768],
};

/** The output size of a job without a mask, px: its `aspect_ratio`'s (1:1 where it has none we know). */
function dimensionsOf(spec: SandboxJobSpec): [number, number] {
  return DIMENSIONS[String(spec.params['aspect_ratio'] ?? '1:1')] ?? [768, 768];
}

/** Height of the caption bar at the bottom of a sandbox image, px. */
const BAR_PX = 64;

/**
 * How each quality renders: the shapes drawn (detail) and the factor the picture is drawn smaller by and then
 * enlarged with nearest-neighbour (coarse blocks at low, none at high). `auto` renders as medium.
 */
const QUALITY_LOOK: Record<string, { shapes: number; block: number; grain: boolean }> = {
  low: { shapes: 3, block: 8, grain: false },
  medium: { shapes: 9, block: 3, grain: false },
  high: { shapes: 24, block: 1, grain: true },
  auto: { shapes: 9, block: 3, grain: false },
};

function parseRemoteId(remoteId: string): { key: string; submittedAt: number } {
  const m = /^sbx_([0-9a-f-]{36})_(\d+)$/.exec(remoteId);
  if (!m) throw new AppError('provider_not_found', `not a sandbox job id: ${remoteId}`);
  return { key: m[1]!, submittedAt: Number(m[2]) };
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/**
 * The picture part of a sandbox image as SVG, `w`×`h` px: per model its own palette and pattern — gpt-image-2 a
 * saturated diagonal gradient with soft discs, gpt-image-1.5 a muted radial gradient with diamonds and stripes —
 * with as many shapes as the quality's detail calls for, placed from the prompt's hash (so the same prompt, index,
 * model and quality draw the same picture).
 */
function artSvg(w: number, h: number, hash: Buffer, model: string, look: { shapes: number; grain: boolean }): string {
  const byte = (i: number): number => hash[i % hash.length]!;
  const hue = (byte(0) * 360) / 256;
  const hue2 = (hue + 40 + (byte(1) % 80)) % 360;
  const r = Math.min(w, h);
  const shapes: string[] = [];
  const older = model === 'gpt-image-1.5';
  for (let i = 0; i < look.shapes; i++) {
    const x = w * (0.05 + (byte(2 + i * 3) / 255) * 0.9);
    const y = h * (0.05 + (byte(3 + i * 3) / 255) * 0.9);
    const size = r * (0.04 + (byte(4 + i * 3) / 255) * (0.22 - 0.1 * Math.min(1, look.shapes / 24)));
    if (older) {
      const hx = (hue + 180 + i * 17) % 360;
      shapes.push(
        i % 2 === 0
          ? `<polygon points="${x},${y - size} ${x + size},${y} ${x},${y + size} ${x - size},${y}" fill="hsla(${hx},30%,62%,0.55)"/>`
          : `<rect x="0" y="${y}" width="${w}" height="${Math.max(2, size / 4)}" fill="hsla(${hx},25%,70%,0.35)"/>`,
      );
    } else {
      shapes.push(`<circle cx="${x}" cy="${y}" r="${size}" fill="hsla(${(hue2 + i * 23) % 360},80%,70%,0.35)"/>`);
    }
  }
  const grain = look.grain
    ? `<defs><pattern id="grain" width="6" height="6" patternUnits="userSpaceOnUse"><rect width="3" height="3" fill="rgba(255,255,255,0.10)"/><rect x="3" y="3" width="3" height="3" fill="rgba(0,0,0,0.10)"/></pattern></defs><rect width="100%" height="100%" fill="url(#grain)"/>`
    : '';
  const background = older
    ? `<defs><radialGradient id="g" cx="0.5" cy="0.45" r="0.75"><stop offset="0" stop-color="hsl(${(hue + 180) % 360},28%,58%)"/><stop offset="1" stop-color="hsl(${(hue2 + 180) % 360},22%,20%)"/></radialGradient></defs>`
    : `<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="hsl(${hue},55%,38%)"/><stop offset="1" stop-color="hsl(${hue2},60%,18%)"/></linearGradient></defs>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}">${background}<rect width="100%" height="100%" fill="url(#g)"/>${shapes.join('')}${grain}</svg>`;
}

/** The caption bar (the prompt's first words, SANDBOX, the model, the quality and the image's number) as SVG. */
function captionSvg(w: number, h: number, spec: SandboxJobSpec, model: string, quality: string, index: number): string {
  const words = escapeXml(spec.prompt.split(/\s+/).slice(0, 8).join(' '));
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}">
    <rect x="0" y="${h - BAR_PX}" width="100%" height="${BAR_PX}" fill="rgba(0,0,0,0.45)"/>
    <text x="16" y="${h - 38}" font-family="sans-serif" font-size="18" fill="#fff">${words}</text>
    <text x="16" y="${h - 14}" font-family="sans-serif" font-size="14" font-weight="bold" fill="#ffcc66">SANDBOX · ${escapeXml(model)} · ${escapeXml(quality)} · #${index + 1}</text>
  </svg>`;
}

/**
 * The new picture of one output, `w`×`h` px, as raw RGBA: the model's art drawn at the quality's detail (drawn
 * `block` times smaller and enlarged with nearest-neighbour), the first reference inset where there is one and no
 * mask, and the caption bar at full resolution.
 */
async function renderContent(spec: SandboxJobSpec, index: number, w: number, h: number, withInset: boolean): Promise<Buffer> {
  const model = spec.model ?? 'gpt-image-2';
  const quality = String(spec.params['quality'] ?? 'auto');
  const look = QUALITY_LOOK[quality] ?? QUALITY_LOOK['auto']!;
  const hash = createHash('sha256').update(`${spec.prompt}#${index}`).digest();
  const sw = Math.max(1, Math.round(w / look.block));
  const sh = Math.max(1, Math.round(h / look.block));
  const small = await sharp(Buffer.from(artSvg(sw, sh, hash, model, look))).ensureAlpha().raw().toBuffer();
  const art = sharp(small, { raw: { width: sw, height: sh, channels: 4 } }).resize(w, h, { kernel: 'nearest', fit: 'fill' });
  const layers: OverlayOptions[] = [];
  const ref = spec.references[0];
  if (ref && withInset) {
    const side = Math.round(Math.min(w, h) * 0.55);
    const inset = await sharp(ref).resize(side, side, { fit: 'cover' }).modulate({ saturation: 0.8 }).png().toBuffer();
    layers.push({ input: inset, top: Math.max(0, Math.round((h - BAR_PX - side) / 2)), left: Math.round((w - side) / 2) });
  }
  layers.push({ input: Buffer.from(captionSvg(w, h, spec, model, quality, index)), top: 0, left: 0 });
  // The enlarged picture as it is (raw RGBA, no PNG in between), then the layers over it.
  const base = await art.raw().toBuffer();
  return sharp(base, { raw: { width: w, height: h, channels: 4 } }).composite(layers).ensureAlpha().raw().toBuffer();
}

/** Encodes raw RGBA in the requested `output_format` (png | jpeg | webp); `lossless`: webp lossless, jpeg at 100. */
function encode(raw: Buffer, w: number, h: number, fmt: string, lossless: boolean): Promise<Buffer> {
  const img = sharp(raw, { raw: { width: w, height: h, channels: 4 } });
  if (fmt === 'jpeg') return img.flatten({ background: '#000000' }).jpeg({ quality: lossless ? 100 : 88 }).toBuffer();
  if (fmt === 'webp') return (lossless ? img.webp({ lossless: true }) : img.webp({ quality: 88 })).toBuffer();
  return img.png().toBuffer();
}

/** Mask alpha at or above this keeps the parent: outside the mask, as src/main/services/chains/mask.ts counts it. */
const KEEP_ALPHA = 128;

/**
 * The masked edit's pixels, `w`×`h` raw RGBA: `parent` (raw RGBA) where the mask alpha `keep` (raw, one byte a pixel)
 * is ≥ {@link KEEP_ALPHA}, exactly; elsewhere each of the four channels mixed straight, parent·a/128 +
 * fresh·(128 − a)/128 (`fresh` raw RGBA), within 1.5 of a unit (libvips rounds the weight and truncates the mix), so
 * alpha 0 is the new picture exactly (a weight of 0) and the feathered rim, inside the mask, fades from the parent
 * (127) to the new picture (1). Done by sharp (libvips, on its own threads) rather than pixel by pixel here: a
 * 2048×2048 reference is 4 M pixels, which a JavaScript loop held the service thread for 50 ms or more of CPU with.
 * Each step is its own pipeline (sharp runs the operations of one pipeline in an order of its own).
 * @throws whatever sharp throws (out of memory)
 */
async function blendMasked(parent: Buffer, fresh: Buffer, keep: Buffer, w: number, h: number): Promise<Buffer> {
  const raw = (channels: 1 | 3 | 4) => ({ raw: { width: w, height: h, channels } });
  const [one, three, four] = [raw(1), raw(3), raw(4)];
  // A one-band result of a one-band input stays one band (sharp would write it as sRGB); extractChannel needs none.
  const band = (img: Sharp): Promise<Buffer> => img.toColourspace('b-w').raw().toBuffer();
  const channel = (img: Buffer, n: 0 | 3): Promise<Buffer> => sharp(img, four).extractChannel(n).raw().toBuffer();
  const [kept, weight, parentRgb, freshRgb, parentAlpha, freshAlpha] = await Promise.all([
    band(sharp(keep, one).threshold(KEEP_ALPHA, { grayscale: false })), // 255 where alpha ≥ 128, else 0
    band(sharp(keep, one).linear(255 / KEEP_ALPHA, 0.5)), // the parent's weight, a/128 of 255, rounded (0 at 0)
    sharp(parent, four).removeAlpha().raw().toBuffer(),
    sharp(fresh, four).removeAlpha().raw().toBuffer(),
    channel(parent, 3),
    channel(fresh, 3),
  ]);
  // Three bands `over` laid over three bands `under` at opacity `weight`: each band's straight mix, and an alpha
  // band of 255 (the base is opaque). At a weight of 0 libvips gives `under` exactly.
  const mix = async (under: Buffer, over: Buffer): Promise<Buffer> => {
    const overlay = await sharp(over, three).joinChannel(weight, one).raw().toBuffer();
    return sharp(under, three).composite([{ input: overlay, ...four, blend: 'over' }]).raw().toBuffer();
  };
  const [colour, edited] = await Promise.all([
    mix(freshRgb, parentRgb),
    band(sharp(kept, one).negate()), // 255 where alpha < 128, else 0
  ]);
  // A compare of 4 MB (a 2048×2048 alpha) is native memcmp, well under a millisecond.
  const solid = Buffer.alloc(w * h, 255);
  let mixed = colour;
  if (!parentAlpha.equals(solid) || !freshAlpha.equals(solid)) {
    // The alpha channels mix as colours do, each repeated over three bands; the sandbox's own pictures (opaque)
    // need none of this: the mix's alpha is 255 already.
    const thrice = (b: Buffer): Promise<Buffer> => sharp(b, one).joinChannel([b, b], one).raw().toBuffer();
    const [under, over, rgb] = await Promise.all([thrice(freshAlpha), thrice(parentAlpha), sharp(colour, four).removeAlpha().raw().toBuffer()]);
    const alpha = await channel(await mix(under, over), 0);
    mixed = await sharp(rgb, three).joinChannel(alpha, one).raw().toBuffer();
  }
  // The parent where the mask keeps, the mix elsewhere: the two do not overlap, so OR puts them together.
  const [outside, inside] = await Promise.all([
    sharp(parent, four).boolean(kept, 'and', one).raw().toBuffer(),
    sharp(mixed, four).boolean(edited, 'and', one).raw().toBuffer(),
  ]);
  return sharp(outside, four).boolean(inside, 'or', four).raw().toBuffer();
}

/**
 * Renders one sandbox image, deterministically (the same prompt, index, model, quality, references and mask give
 * the same bytes):
 * - **Model**: gpt-image-2 a saturated diagonal gradient with discs, gpt-image-1.5 a muted radial gradient with
 *   diamonds and stripes (see {@link artSvg}); the caption names the model.
 * - **Quality**: low draws 3 shapes in 8 px blocks, medium 9 shapes in 3 px blocks (`auto` as medium), high 24
 *   shapes at full resolution with a fine grain — so the level of detail is visible and measurable.
 * - **References**: without a mask, the first one is inset in the middle.
 * - **Mask** (with a first reference; OpenAI's convention, alpha 0 = edit, 255 = keep): the output is the
 *   reference's size; a pixel whose mask alpha is ≥ 128 (outside the mask, as src/main/services/chains/mask.ts
 *   counts it) is the reference's exactly, one of 0 the new picture's exactly, one between fades from the reference
 *   (127) to the new picture (1), so a feathered edge stays inside the mask (webp is then written lossless, jpeg at
 *   quality 100, PNG as is), and the caption shows only where it falls inside the mask. The pixels are combined by
 *   sharp ({@link blendMasked}), off the service thread.
 * Output in the requested `output_format` (png | jpeg | webp), `aspect_ratio` 1:1 768×768, 3:2 768×512, 2:3 512×768.
 * @throws whatever sharp throws for a reference or mask it cannot decode
 */
export async function renderSandboxImage(spec: SandboxJobSpec, index: number): Promise<Buffer> {
  const fmt = String(spec.params['output_format'] ?? 'png');
  const ref = spec.references[0];
  if (spec.mask && ref) {
    const parent = await sharp(ref).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    const { width: w, height: h } = parent.info;
    const keep = await sharp(spec.mask).ensureAlpha().extractChannel(3).resize(w, h, { fit: 'fill' }).raw().toBuffer();
    const fresh = await renderContent(spec, index, w, h, false);
    const out = await blendMasked(parent.data, fresh, keep, w, h);
    return encode(out, w, h, fmt, true);
  }
  const [w, h] = dimensionsOf(spec);
  return encode(await renderContent(spec, index, w, h, true), w, h, fmt, false);
}

/**
 * Partial preview `index` (0-based) of {@link SANDBOX_PARTIALS} of a job's first image: its picture at a third of
 * the size, blurred less at each step, as PNG.
 */
async function renderSandboxPartial(spec: SandboxJobSpec, index: number): Promise<Buffer> {
  const [w, h] = dimensionsOf(spec);
  const pw = Math.round(w / 3);
  const ph = Math.round(h / 3);
  const raw = await renderContent(spec, 0, pw, ph, true);
  return sharp(raw, { raw: { width: pw, height: ph, channels: 4 } })
    .blur((SANDBOX_PARTIALS - index) * 3)
    .png()
    .toBuffer();
}

/** Creates the sandbox adapter. It needs no key and no network. */
export function createSandboxAdapter(opts: SandboxOptions): ProviderAdapter {
  const now = opts.now ?? Date.now;
  const duration = opts.durationMs ?? 2500;
  return {
    id: 'sandbox',
    async uploadReferences(refs) {
      return refs.map((r) => ({ blobId: r.blobId, url: `sandbox://ref/${r.blobId}`, expiresAt: null }));
    },
    async submit(req) {
      const onPartial = opts.onPartial;
      if (onPartial) {
        for (let i = 0; i < SANDBOX_PARTIALS; i++) {
          const timer = setTimeout(() => {
            void (async () => {
              const spec = await opts.resolve(req.idempotencyKey);
              if (spec) onPartial(req.idempotencyKey, { index: i, bytes: await renderSandboxPartial(spec, i), mime: 'image/png' });
            })().catch(() => undefined); // a preview is never worth a failure (the library may have closed)
          }, (duration * (i + 1)) / (SANDBOX_PARTIALS + 1));
          timer.unref();
        }
      }
      // The idempotency key is unique per job; the resolver finds the job by it.
      return { remoteId: `sbx_${req.idempotencyKey}_${now()}` };
    },
    async poll(remoteId): Promise<RemoteStatus> {
      const { key, submittedAt } = parseRemoteId(remoteId);
      const spec = await opts.resolve(key, false);
      if (!spec) throw new AppError('provider_not_found', `sandbox job ${remoteId} is gone`);
      const elapsed = now() - submittedAt;
      // The sandbox knows its own duration, like a provider that reports an estimated time.
      if (elapsed < duration * 0.15) return { state: 'queued', progress: null, estimatedTotalMs: duration };
      if (elapsed < duration) {
        return { state: 'running', progress: Math.min(99, Math.round((elapsed / duration) * 100)), estimatedTotalMs: duration };
      }
      const n = Number(spec.params['number_of_images'] ?? 1);
      const outputs: RemoteOutput[] = Array.from({ length: n }, (_, i) => ({ url: `sandbox://${remoteId}/${i}` }));
      return { state: 'completed', outputs, credits: 0 };
    },
    async fetchOutput(output) {
      if (!('url' in output)) return output.bytes;
      const m = /^sandbox:\/\/(sbx_[^/]+)\/(\d+)$/.exec(output.url);
      if (!m) throw new AppError('provider_bad_response', `not a sandbox output: ${output.url}`);
      const { key } = parseRemoteId(m[1]!);
      const spec = await opts.resolve(key);
      if (!spec) throw new AppError('result_expired', `sandbox job ${m[1]} is gone`);
      return renderSandboxImage(spec, Number(m[2]));
    },
    async account() {
      return { credits: null, email: null };
    },
  };
}
