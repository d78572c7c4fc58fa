/**
 * C2PA Content Credentials of stored images, read with `@contentauth/c2pa-wasm` (c2pa-rs compiled to WebAssembly:
 * one platform-independent .wasm inside the npm package, no install step). The C2PA Technical Specification:
 * https://spec.c2pa.org/specifications/specifications/2.2/specs/C2PA_Specification.html
 *
 * Reading is offline: remote manifests and OCSP are never fetched. A signer is `valid` only when its chain ends at
 * a trust anchor Atelier was given (the PEM file named by `ATELIER_C2PA_TRUST_ANCHORS`, see
 * {@link trustAnchorsFromEnv}); without one every well-formed manifest reads `untrusted`.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { ContentCredentials, type CredentialsAction, type CredentialsReason, type CredentialsState } from '@shared/provenance';
import { AppError } from '@shared/errors';
import { BlobsRepository } from '../repositories/blobs';
import type { Db } from './db';

type C2paModule = typeof import('@contentauth/c2pa-wasm');

let loading: Promise<C2paModule> | null = null;

/** Loads and instantiates the WebAssembly module once per process (about 9 MB, ~100 ms). */
function c2pa(): Promise<C2paModule> {
  loading ??= (async () => {
    const mod = await import('@contentauth/c2pa-wasm');
    const wasm = readFileSync(createRequire(import.meta.url).resolve('@contentauth/c2pa-wasm/c2pa.wasm'));
    mod.initSync({ module: wasm });
    return mod;
  })();
  return loading;
}

/** Status code c2pa-rs gives a signing certificate that chains to no known trust anchor. */
const UNTRUSTED = 'signingCredential.untrusted';

interface StatusEntry {
  code?: unknown;
  explanation?: unknown;
}

interface ManifestJson {
  claim_generator?: unknown;
  claim_generator_info?: { name?: unknown; version?: unknown }[];
  title?: unknown;
  assertions?: { label?: unknown; data?: unknown }[];
  signature_info?: { issuer?: unknown; common_name?: unknown; time?: unknown };
}

interface StoreJson {
  active_manifest?: unknown;
  manifests?: Record<string, ManifestJson>;
  validation_state?: unknown;
  validation_status?: StatusEntry[];
  validation_results?: { activeManifest?: { failure?: StatusEntry[] } };
}

const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);

/** True when the bytes look like they carry a C2PA manifest store (a JUMBF box labelled c2pa). */
function mayCarryManifest(bytes: Uint8Array): boolean {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return buf.includes('jumb') && buf.includes('c2pa');
}

/**
 * Reads the Content Credentials of one file's bytes and summarises its active manifest.
 * @param bytes the whole file
 * @param mime its MIME type (`image/png`, `image/jpeg`, `image/webp`)
 * @param trustAnchorsPem PEM certificates whose chains count as trusted; none: every signer is `untrusted`
 * @param now clock for `readAt`, epoch ms
 * @returns null when the file carries no manifest; a summary with `state` `invalid` and the reasons when the
 *   manifest fails validation or cannot be parsed. Never throws for what a file contains.
 */
export async function readContentCredentials(
  bytes: Uint8Array,
  mime: string,
  trustAnchorsPem: string | null = null,
  now: () => number = Date.now,
): Promise<ContentCredentials | null> {
  // Most images carry none: they are passed over without loading the reader.
  if (!mayCarryManifest(bytes)) return null;
  const { WasmReader } = await c2pa();
  const settings = {
    verify: { remote_manifest_fetch: false, ocsp_fetch: false },
    ...(trustAnchorsPem ? { trust: { trust_anchors: trustAnchorsPem } } : {}),
  };
  let store: StoreJson;
  try {
    const reader = await WasmReader.fromBytes(mime, bytes, JSON.stringify(settings));
    try {
      store = reader.manifestStore() as StoreJson;
    } finally {
      reader.free();
    }
  } catch (err) {
    // No JUMBF, an unsupported format, or an image the reader cannot parse: only a file that does carry a
    // manifest store reads as invalid.
    if (/JumbfNotFound|UnsupportedType/.test(String(err))) return null;
    return {
      state: 'invalid',
      reasons: [{ code: 'manifest.unreadable', explanation: String(err) }],
      issuer: null,
      signer: null,
      signedAt: null,
      claimGenerator: null,
      title: null,
      actions: [],
      manifestCount: 0,
      readAt: now(),
    };
  }
  return summarise(store, now());
}

function summarise(store: StoreJson, readAt: number): ContentCredentials {
  const manifests = store.manifests ?? {};
  const label = str(store.active_manifest);
  const m: ManifestJson = (label ? manifests[label] : undefined) ?? {};
  const failures = store.validation_results?.activeManifest?.failure ?? store.validation_status ?? [];
  const reasons: CredentialsReason[] = failures.map((f) => ({ code: String(f.code ?? 'unknown'), explanation: str(f.explanation) }));
  const hard = reasons.filter((r) => r.code !== UNTRUSTED);
  let state: CredentialsState;
  if (store.validation_state === 'Trusted' && reasons.length === 0) state = 'valid';
  else if (hard.length > 0 || store.validation_state === 'Invalid') state = 'invalid';
  else state = 'untrusted';
  if (state === 'untrusted' && reasons.length === 0) reasons.push({ code: UNTRUSTED, explanation: 'signing certificate untrusted' });

  const info = m.claim_generator_info?.[0];
  const generator = info ? [str(info.name), str(info.version)].filter(Boolean).join(' ') || null : str(m.claim_generator);
  const actions: CredentialsAction[] = [];
  for (const a of m.assertions ?? []) {
    if (typeof a.label !== 'string' || !/^c2pa\.actions(\.v\d+)?$/.test(a.label)) continue;
    const list = (a.data as { actions?: unknown } | undefined)?.actions;
    if (!Array.isArray(list)) continue;
    for (const x of list as Record<string, unknown>[]) {
      const agent = x.softwareAgent;
      actions.push({
        action: String(x.action ?? ''),
        digitalSourceType: str(x.digitalSourceType),
        softwareAgent:
          str(agent) ??
          (agent && typeof agent === 'object'
            ? [str((agent as { name?: unknown }).name), str((agent as { version?: unknown }).version)].filter(Boolean).join(' ') || null
            : null),
      });
    }
  }
  const sig = m.signature_info ?? {};
  return ContentCredentials.parse({
    state,
    reasons: state === 'valid' ? [] : reasons,
    issuer: str(sig.issuer) ?? str(sig.common_name),
    signer: str(sig.common_name),
    signedAt: str(sig.time),
    claimGenerator: generator,
    title: str(m.title),
    actions,
    manifestCount: Object.keys(manifests).length,
    readAt,
  });
}

/** How much of a file the background read of an older library looks at for a manifest store, in bytes. */
export const BACKFILL_HEAD_BYTES = 1024 * 1024;

/** Construction options of {@link CredentialStore}. */
export interface CredentialStoreOptions {
  /** PEM trust anchors (see {@link trustAnchorsFromEnv}); default none: every signer reads `untrusted`. */
  trustAnchorsPem?: string | null;
  /** Clock for `read_at`, epoch ms. */
  now?: () => number;
}

/**
 * The trust anchors named by `ATELIER_C2PA_TRUST_ANCHORS`: the text of that PEM file (one or more certificates).
 * @returns null when the variable is unset
 * @throws AppError `validation` naming the variable when the file cannot be read or holds no certificate
 */
export function trustAnchorsFromEnv(env: Record<string, string | undefined> = process.env): string | null {
  const file = env['ATELIER_C2PA_TRUST_ANCHORS'];
  if (!file) return null;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new AppError('validation', `ATELIER_C2PA_TRUST_ANCHORS: ${file} cannot be read (${(err as Error).message})`, {
      params: { field: 'ATELIER_C2PA_TRUST_ANCHORS', reason: 'unreadable' },
    });
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----')) {
    throw new AppError('validation', `ATELIER_C2PA_TRUST_ANCHORS: ${file} holds no PEM certificate`, {
      params: { field: 'ATELIER_C2PA_TRUST_ANCHORS', reason: 'invalid' },
    });
  }
  return text;
}

/** The `blob_credentials` table: each stored blob's Content Credentials, read once when its bytes are stored. */
export class CredentialStore {
  private readonly blobs: BlobsRepository;
  private readonly trustAnchorsPem: string | null;
  private readonly now: () => number;

  /** @param db the library database (migrated: `blob_credentials` is migration 0015's) */
  constructor(db: Db, opts: CredentialStoreOptions = {}) {
    this.blobs = BlobsRepository.of(db);
    this.trustAnchorsPem = opts.trustAnchorsPem ?? null;
    this.now = opts.now ?? Date.now;
  }

  /**
   * Reads the bytes' manifest and records it for the blob, unless the blob was read before (bytes never change).
   * @param blobId the blob's id (sha256 hex); its `blobs` row must exist
   * @throws only when the WebAssembly reader cannot be loaded (nothing is recorded then, so a later store reads again)
   */
  async record(blobId: string, bytes: Uint8Array, mime: string): Promise<void> {
    if (this.blobs.hasCredentials(blobId)) return;
    const summary = await readContentCredentials(bytes, mime, this.trustAnchorsPem, this.now);
    this.blobs.recordCredentials(blobId, summary?.state ?? 'none', summary ? JSON.stringify(summary) : null, summary?.readAt ?? this.now());
  }

  /**
   * Reads, in the background, the manifests of blobs stored before Atelier read them (a library from before
   * migration 0015): one blob at a time, yielding between blobs, until none is left. Only the first
   * {@link BACKFILL_HEAD_BYTES} of a file are read unless they show a manifest store (C2PA puts it near the start:
   * JPEG APP11 before the scan, PNG `caBX` and WebP `C2PA` chunks as c2pa-rs writes them), so a large library is
   * not read in full. A blob whose file cannot be read is passed over (not recorded: a later open tries again).
   * @param read the blob's bytes (BlobStore.read)
   * @param readHead the first bytes of the blob's file (BlobStore.readHead)
   * @returns `done`, with the number of blobs read, and `stop()`, which ends the walk and resolves when no read
   *   or write of it is under way (call before closing the database)
   */
  backfill(
    read: (blobId: string) => Promise<Uint8Array>,
    readHead: (blobId: string, length: number) => Promise<Uint8Array>,
  ): { done: Promise<number>; stop(): Promise<void> } {
    let stopped = false;
    const skip = new Set<string>();
    const done = (async () => {
      let n = 0;
      for (;;) {
        if (stopped) return n;
        const rows = this.blobs.withoutCredentials().filter((r) => !skip.has(r.id));
        if (rows.length === 0) return n;
        for (const r of rows) {
          await new Promise<void>((resolve) => setImmediate(resolve));
          if (stopped) return n;
          try {
            const head = await readHead(r.id, BACKFILL_HEAD_BYTES);
            const bytes = head.length < BACKFILL_HEAD_BYTES ? head : mayCarryManifest(head) ? await read(r.id) : null;
            if (stopped) return n;
            if (bytes) await this.record(r.id, bytes, r.mime);
            else this.blobs.recordCredentials(r.id, 'none', null, this.now());
            n++;
          } catch {
            skip.add(r.id);
          }
        }
      }
    })().catch(() => 0);
    return {
      done,
      stop: async () => {
        stopped = true;
        await done;
      },
    };
  }

  /** The blob's Content Credentials, or null when it carries none or was never read. */
  get(blobId: string): ContentCredentials | null {
    const summary = this.blobs.credentialsSummary(blobId);
    if (!summary) return null;
    const parsed = ContentCredentials.safeParse(JSON.parse(summary));
    return parsed.success ? parsed.data : null;
  }
}
