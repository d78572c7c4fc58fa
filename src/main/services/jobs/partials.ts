/**
 * Live previews of a job being made: the partial images a streaming provider sends before the final one (OpenAI
 * `image_generation.partial_image`, https://platform.openai.com/docs/api-reference/images-streaming), turned into
 * small WebP data URLs (long edge at most {@link PREVIEW_LONG_EDGE} px) and sent to the window as `job.partial`
 * events, in the order they arrived. They are never written anywhere: no blob, no asset, no journal row; once
 * the submit is over ({@link PartialPreviews.close}) nothing more is sent, and the window drops what it shows when
 * the job ends (the final image, stored as always, takes the tile's place). The submit's result (the paid image)
 * never waits for a preview: partials still being converted or queued when the submit ends are dropped, and a
 * conversion that fails or stalls only loses its preview.
 *
 * The job engine is not involved: {@link withPartialPreviews} wraps a streaming adapter's `submit`, so the journal's
 * rules for a submit (journalled before the POST, a non-idempotent submit never resent, a broken reply failing the
 * job with its charge unknown) hold for a streamed submit exactly as for any other. The previews are made by the
 * image pool (library/image-pool.ts, an export conversion to WebP), never on the service thread.
 */
import type { EventBus } from '../../dispatcher';
import type { ImageWork } from '../library/image-pool';
import type { PartialImage, ProviderAdapter } from '../providers/types';

/** Long edge of a preview, px. */
const PREVIEW_LONG_EDGE = 256;
/** WebP quality of a preview (0–100): a glimpse, kept to a few KB. */
const PREVIEW_QUALITY = 60;
/** Largest partial decoded, px (OpenAI's largest output is 3840×2160). */
const MAX_PARTIAL_PIXELS = 8_294_400 * 4;

/** What makes the previews: the image pool's conversion (library/image-pool.ts; `inlineImageWork` in tools). */
export type PreviewImages = Pick<ImageWork, 'convert'>;

/**
 * A partial image as a `data:image/webp;base64,…` URL, resized to fit {@link PREVIEW_LONG_EDGE} px (never enlarged),
 * converted by `images`.
 * @throws whatever the conversion throws for bytes it cannot decode
 */
async function previewDataUrl(bytes: Uint8Array, images: PreviewImages): Promise<string> {
  const webp = await images.convert({ bytes, limitInputPixels: MAX_PARTIAL_PIXELS, format: 'webp', quality: PREVIEW_QUALITY, longEdge: PREVIEW_LONG_EDGE });
  return `data:image/webp;base64,${webp.toString('base64')}`;
}

/**
 * The previews of one submit: {@link push} each partial, {@link close} when the submit is over. Conversions run one
 * at a time, in the order the partials came; none is started, and none is sent, once the submit is over.
 */
class PartialPreviews {
  private chain: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly jobId: string,
    private readonly bus: EventBus,
    private readonly images: PreviewImages,
    private readonly log?: (msg: string, err?: unknown) => void,
  ) {}

  /**
   * Queues one partial: converted after those before it and sent unless the submit ended first. A preview that
   * fails is skipped (logged); nothing here throws to the caller (the stream's parser) or rejects.
   */
  readonly push = (partial: PartialImage): void => {
    if (this.closed) return;
    this.chain = this.chain.then(async () => {
      if (this.closed) return;
      try {
        const image = await previewDataUrl(partial.bytes, this.images);
        if (this.closed) return;
        this.bus.emit('job.partial', { jobId: this.jobId, index: partial.index, image });
      } catch (err) {
        try {
          this.log?.(`job ${this.jobId}: partial ${partial.index} could not be previewed`, err);
        } catch {
          // A preview is never worth a failure, not even the log's.
        }
      }
    });
  };

  /**
   * Ends the previews at once, without waiting for any: a conversion under way finishes in the pool and is
   * dropped, the partials queued behind it are never converted, and no `job.partial` is sent from now on.
   */
  close(): void {
    this.closed = true;
  }
}

/** What {@link withPartialPreviews} needs from the app. */
export interface PartialPreviewOptions {
  bus: EventBus;
  images: PreviewImages;
  /** The job a submit belongs to, from the idempotency key it carries (the journal's), or null. */
  jobIdOf(idempotencyKey: string): string | null;
  /** The user's setting for this provider, read at each submit (Settings → the provider → Live previews). */
  enabled(): boolean;
  log?: (msg: string, err?: unknown) => void;
}

/**
 * `adapter` with live previews: where it {@link ProviderAdapter.streamsPartials} and `enabled()` says so, each
 * submit gets an `onPartial` (SubmitRequest) that sends `job.partial` events for its job; everything else is the
 * adapter's own. A submit with previews off, or one whose job is unknown, goes out exactly as before (no `stream`).
 * The wrapped submit settles as soon as the adapter's does, with its result or error, whatever the previews are
 * doing: previews not yet sent by then are dropped (see {@link PartialPreviews.close}).
 */
export function withPartialPreviews<A extends ProviderAdapter>(adapter: A, opts: PartialPreviewOptions): A {
  if (!adapter.streamsPartials) return adapter;
  const submit: ProviderAdapter['submit'] = async (req, ctx) => {
    const jobId = req.body === undefined && opts.enabled() ? opts.jobIdOf(req.idempotencyKey) : null;
    if (!jobId) return adapter.submit(req, ctx);
    const previews = new PartialPreviews(jobId, opts.bus, opts.images, opts.log);
    try {
      return await adapter.submit({ ...req, onPartial: previews.push }, ctx);
    } finally {
      // The result (a paid image) goes to the engine now; previews not yet sent are no longer wanted.
      previews.close();
    }
  };
  return { ...adapter, submit } as A;
}

/**
 * Where a provider that makes its previews itself (the sandbox) hands them: each becomes a `job.partial` event for
 * the job of `idempotencyKey`, as {@link PartialPreviews} sends them, while that job is still on its way.
 */
export function partialSink(opts: {
  bus: EventBus;
  images: PreviewImages;
  jobIdOf(idempotencyKey: string): string | null;
  /** Whether the job is still on its way (queued, submitting, running or downloading). */
  isActive(jobId: string): boolean;
  log?: (msg: string, err?: unknown) => void;
}): (idempotencyKey: string, partial: PartialImage) => void {
  return (key, partial) => {
    const jobId = opts.jobIdOf(key);
    if (!jobId || !opts.isActive(jobId)) return;
    void previewDataUrl(partial.bytes, opts.images)
      .then((image) => {
        if (opts.isActive(jobId)) opts.bus.emit('job.partial', { jobId, index: partial.index, image });
      })
      .catch((err: unknown) => opts.log?.(`job ${jobId}: partial ${partial.index} could not be previewed`, err));
  };
}
