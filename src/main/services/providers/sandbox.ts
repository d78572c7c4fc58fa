/**
 * The sandbox provider: offline, free, and the default while no key is set. It follows the same lifecycle as a
 * remote provider (queued, running with progress, completed after a short delay) and renders its images locally
 * with sharp from the prompt and the reference images, stamped "SANDBOX" so they are never mistaken for a
 * model's work. Its state is derived from the remote id (`sbx_<idempotencyKey>_<submittedAtMs>`) and the clock, so a job
 * survives a restart exactly like a remote one.
 */
import { createHash } from 'node:crypto';
import sharp, { type OverlayOptions } from 'sharp';
import { AppError } from '@shared/errors';
import type { ProviderAdapter, RemoteOutput, RemoteStatus } from './types';

/** What the sandbox needs to render a job's outputs. */
export interface SandboxJobSpec {
  prompt: string;
  params: Record<string, unknown>;
  /** Reference image bytes, in order. */
  references: Uint8Array[];
}

export interface SandboxOptions {
  /** Looks up the job by its idempotency key (the engine's journal), null if it is gone. */
  resolve(idempotencyKey: string): Promise<SandboxJobSpec | null>;
  now?: () => number;
  /** Simulated run time, in ms (default 2500). */
  durationMs?: number;
}

const DIMENSIONS: Record<string, [number, number]> = {
  '1:1': [768, 768],
  '3:2': [768, 512],
  '2:3': [512, 768],
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
 * Renders one sandbox image: a gradient coloured by the prompt's hash, the first reference image inset, and the
 * prompt's first words with a SANDBOX stamp. Output in the requested `output_format` (png | jpeg | webp).
 */
export async function renderSandboxImage(spec: SandboxJobSpec, index: number): Promise<Buffer> {
  const [w, h] = DIMENSIONS[String(spec.params['aspect_ratio'] ?? '1:1')] ?? [768, 768];
  const hash = createHash('sha256').update(`${spec.prompt}#${index}`).digest();
  const hue = (hash[0]! * 360) / 256;
  const hue2 = (hue + 40 + (hash[1]! % 80)) % 360;
  const words = escapeXml(spec.prompt.split(/\s+/).slice(0, 8).join(' '));
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}">
    <defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1">
      <stop offset="0" stop-color="hsl(${hue},55%,38%)"/><stop offset="1" stop-color="hsl(${hue2},60%,18%)"/>
    </linearGradient></defs>
    <rect width="100%" height="100%" fill="url(#g)"/>
    <circle cx="${w * (0.2 + (hash[2]! / 255) * 0.6)}" cy="${h * (0.2 + (hash[3]! / 255) * 0.6)}"
      r="${Math.min(w, h) * 0.18}" fill="hsla(${hue2},80%,70%,0.35)"/>
    <rect x="0" y="${h - 64}" width="100%" height="64" fill="rgba(0,0,0,0.45)"/>
    <text x="16" y="${h - 38}" font-family="sans-serif" font-size="18" fill="#fff">${words}</text>
    <text x="16" y="${h - 14}" font-family="sans-serif" font-size="14" font-weight="bold" fill="#ffcc66">SANDBOX · #${index + 1}</text>
  </svg>`;
  const layers: OverlayOptions[] = [];
  const ref = spec.references[0];
  if (ref) {
    const side = Math.round(Math.min(w, h) * 0.55);
    const inset = await sharp(ref).resize(side, side, { fit: 'cover' }).modulate({ saturation: 0.8 }).png().toBuffer();
    layers.push({ input: inset, top: Math.round((h - 64 - side) / 2), left: Math.round((w - side) / 2) });
  }
  let img = sharp(Buffer.from(svg)).composite(layers);
  const fmt = String(spec.params['output_format'] ?? 'png');
  img = fmt === 'jpeg' ? img.jpeg({ quality: 88 }) : fmt === 'webp' ? img.webp({ quality: 88 }) : img.png();
  return img.toBuffer();
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
      // The idempotency key is unique per job; the resolver finds the job by it.
      return { remoteId: `sbx_${req.idempotencyKey}_${now()}` };
    },
    async poll(remoteId): Promise<RemoteStatus> {
      const { key, submittedAt } = parseRemoteId(remoteId);
      const spec = await opts.resolve(key);
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
