/**
 * The OpenAI Images {@link ProviderAdapter} (also used for OpenAI-compatible servers such as LocalAI):
 * submit → `POST /images/edits` when the job has reference images, else `POST /images/generations`; both are
 * synchronous, so the submit returns the finished job with its images inline. Account → `GET /models`.
 *
 * Sources: OpenAI's API reference (https://platform.openai.com/docs/api-reference/images) and openai-node, as cited
 * in ./client.ts. Wire details, limits and the error mapping live in {@link OpenAiClient}; parameter rules and prices
 * in src/shared/providers/openai.ts.
 */
import { randomBytes } from 'node:crypto';
import { callOptionsOf, transportOptionsOf, type HttpClientOptions } from '../http';
import { AppError } from '@shared/errors';
import { isCustomModel, wireModelName, type ModelId } from '@shared/capabilities';
import {
  costFromUsage,
  isOpenAiImageModel,
  type OpenAiImageModel,
  type OpenAiImageUsage,
} from '@shared/providers/openai';
import { DEFAULT_PRICES, type PriceTable } from '@shared/pricing';
import type {
  ProviderAdapter,
  ProviderContext,
  ReferenceInput,
  RemoteOutput,
  RemoteStatus,
  SubmitRequest,
  SubmitResult,
  UploadedReference,
} from '../types';
import {
  OpenAiClient,
  buildEditForm,
  buildGenerationsBody,
  buildResponsesBody,
  usageOf,
  type OpenAiImagesResult,
} from './client';
import { readImageHeader } from '../../library/inspect';
import { offersResponses } from '@shared/contracts/chains';

/**
 * Partial previews asked for in a streamed call (`partial_images`, 0–3). Each costs 100 image output tokens more
 * (OpenAI's image-generation guide, https://developers.openai.com/api/docs/guides/image-generation), reported in
 * the final event's `usage` and priced with it; two show the image taking shape without much extra cost.
 */
const OPENAI_PARTIAL_IMAGES = 2;

/** The two provider ids this adapter serves (not yet in the shared `PROVIDER_IDS`). */
export type OpenAiProviderId = 'openai' | 'openai-compatible';

/**
 * The completed status of an OpenAI submit: the engine's `completed` status plus what the call cost.
 * - `outputs`: the images inline (`{ bytes }`), or `{ url }` where a compatible server answered with URLs.
 * - `credits`: always null (OpenAI bills USD, not credits).
 * - `usage`: the reply's token usage (tokens), or null when the server sent none.
 * - `usd`: {@link costFromUsage} of `usage` (USD, with the table of the `prices` option; published: third-party prices as of `PRICES_TAKEN`), or null when there is
 *   no usage, the model has no prices (gpt-image-1-mini), or the endpoint is an OpenAI-compatible server.
 * - `size`, `quality`, `background`, `output_format`: what the API says it produced (may resolve `auto`), or null.
 */
export interface OpenAiCompletedStatus {
  state: 'completed';
  outputs: RemoteOutput[];
  credits: null;
  usage: OpenAiImageUsage | null;
  usd: number | null;
  size: string | null;
  quality: string | null;
  background: string | null;
  output_format: string | null;
  /**
   * Responses API steps only: the mainline model's own `usage` (text tokens), kept for the
   * record but left out of `usd` — its prices are not in Atelier's table. `usage`/`usd` there are the tool's
   * image-model usage (`tool_usage.image_gen`) when the reply reports it, else null.
   */
  mainlineUsage?: unknown;
}

/** What {@link OpenAiAdapter.submit} returns: a local id (the API has none) and the finished status. */
export interface OpenAiSubmitResult extends SubmitResult {
  /** `oai_<created epoch s>_<16 hex>`; local only, nothing on OpenAI's side can be looked up with it. */
  remoteId: string;
  status: OpenAiCompletedStatus;
}

/** The adapter: a {@link ProviderAdapter} with its own id type and the richer submit result. */
export type OpenAiAdapter = Omit<ProviderAdapter, 'id' | 'submit'> & {
  readonly id: OpenAiProviderId;
  submit(req: SubmitRequest, ctx: ProviderContext): Promise<OpenAiSubmitResult>;
};

/** Options of {@link createOpenAiAdapter}. Durations in ms, sizes in bytes. */
/**
 * The transport knobs of {@link HttpClientOptions} (per-request timeout default 300 000 ms, 5 min; retries),
 * forwarded to {@link OpenAiClient}, plus the OpenAI adapter's own.
 */
export interface OpenAiAdapterOptions extends Omit<HttpClientOptions, 'userAgent'> {
  /** `openai` (api.openai.com, key required) or `openai-compatible` (any server speaking the same wire). */
  id: OpenAiProviderId;
  /**
   * The `model` value sent for each Atelier model, for compatible servers with their own names (e.g.
   * `{ 'gpt-image-1': 'sd-3.5-large' }`). The parameters are still checked with the Atelier model's rules.
   * Default: the Atelier model id.
   */
  modelNames?: Partial<Record<ModelId, string>>;
  maxResponseBytes?: number;
  /** Clock for the local id, epoch ms; default Date.now. */
  now?: () => number;
  /**
   * The price table in force, read at each completed call to price its `usage` (USD; Settings → Prices).
   * Default: the published {@link DEFAULT_PRICES}.
   */
  prices?: () => PriceTable;
}

/**
 * Creates the OpenAI adapter. Stateless: each call builds an {@link OpenAiClient} from the call's context.
 *
 * - `idempotentSubmit: false`: the Images API has no idempotency key, so the engine never resends a submit that
 *   may have reached OpenAI (a 429 is the exception: it certainly did not run). `uploadsReferences: false`: images
 *   travel inline in the edit.
 * - `submit(req)` with `req.chain.method: 'responses'` (`openai` only): `POST /responses` with the
 *   `image_generation` tool (https://platform.openai.com/docs/api-reference/responses), see `submitResponses`.
 * - `streamsPartials` (`openai` only): with `req.onPartial` set and one image asked for, the call streams
 *   (`stream: true`, `partial_images` {@link OPENAI_PARTIAL_IMAGES}) and each partial goes to `req.onPartial` before
 *   the submit resolves; a stream that breaks is a `network` failure, as a dropped connection.
 * - `submit(req)`: `req.references` non-empty → edit (their bytes as `image[]`, in order; `req.mask` as `mask`, a
 *   PNG the size of the first reference); otherwise generation (a `req.mask` without references is refused). Params
 *   are checked with the model's schema; the prompt is ≤ 32000 characters. Returns `{ remoteId, status }` with
 *   `status` an {@link OpenAiCompletedStatus}. `req.referenceUrls` and `req.idempotencyKey` are not used.
 * - `poll()`: always throws `provider_not_found`: the API is synchronous and keeps no job to ask about.
 * - `fetchOutput(out)`: inline bytes are checked (PNG/JPEG/WebP) and returned; a URL (compatible servers) is
 *   downloaded (≤ 64 MB).
 * - `account()`: `GET /models` (the cheapest authenticated call), `{ credits: null, email: null }`: OpenAI exposes
 *   no balance to API keys. For `openai-compatible` a 404 there counts as reachable (LocalAI-style servers may lack
 *   the route; the request still proved the server answers), a 401/403 still fails.
 *
 * @throws AppError `no_api_key` for `openai` without a key (a compatible server may need none).
 */
export function createOpenAiAdapter(opts: OpenAiAdapterOptions): OpenAiAdapter {
  const id = opts.id;
  const label = id === 'openai' ? 'OpenAI' : 'OpenAI-compatible server';
  const now = opts.now ?? Date.now;
  const prices = opts.prices ?? ((): PriceTable => DEFAULT_PRICES);

  const clientFor = (ctx: ProviderContext): OpenAiClient => {
    if (id === 'openai' && !ctx.apiKey) {
      throw new AppError('no_api_key', 'No OpenAI API key', { params: { provider: id } });
    }
    return new OpenAiClient({
      apiKey: ctx.apiKey ? ctx.apiKey : null,
      baseUrl: ctx.baseUrl,
      label,
      allowUrlOutputs: id === 'openai-compatible',
      ...transportOptionsOf(opts),
      ...(opts.maxResponseBytes !== undefined ? { maxResponseBytes: opts.maxResponseBytes } : {}),
    });
  };
  const callOpts = callOptionsOf;

  /**
   * A chain step through the Responses API (`openai` only, models with the `image_generation`
   * tool): continues `chain.previousResponseId` (the parent, `references[0]`, is already in the model's context, so
   * only the further inputs are sent) or, without one, sends every reference as an `input_image`. The remote id is the
   * response id (`resp_…`), which the chain records for the next step.
   */
  const submitResponses = async (
    req: SubmitRequest,
    chain: NonNullable<SubmitRequest['chain']>,
    model: OpenAiImageModel,
    ctx: ProviderContext,
  ): Promise<OpenAiSubmitResult> => {
    // Partial previews of the image tool (`response.image_generation_call.partial_image`), as for the Images API.
    const onPartial = id === 'openai' ? req.onPartial : undefined;
    if (!offersResponses(id, model)) {
      throw new AppError('validation', `${label} ${model}: the Responses API image tool is not offered here`, {
        params: { field: 'chainMethod', reason: 'unsupported' },
      });
    }
    const images = (chain.previousResponseId ? req.references.slice(1) : req.references).map((r) => ({ bytes: r.bytes, mime: r.mime }));
    const body = buildResponsesBody({
      model,
      prompt: req.prompt,
      params: req.params,
      images,
      ...(req.mask ? { mask: { bytes: req.mask.bytes, mime: req.mask.mime } } : {}),
      previousResponseId: chain.previousResponseId,
      ...(onPartial ? { partialImages: OPENAI_PARTIAL_IMAGES } : {}),
    });
    const res = await clientFor(ctx).responses(body, { ...callOpts(ctx), ...(onPartial ? { onPartial } : {}) });
    const usage = usageOf({ usage: res.tool_usage?.image_gen ?? null });
    return {
      remoteId: res.id,
      status: {
        state: 'completed',
        outputs: res.outputs.map((o) => ({ bytes: o.bytes })),
        credits: null,
        usage,
        usd: usage ? costFromUsage(model, usage, prices()) : null,
        size: null,
        quality: null,
        background: null,
        output_format: null,
        mainlineUsage: res.usage ?? null,
      },
    };
  };

  return {
    id,
    idempotentSubmit: false,
    uploadsReferences: false,
    // OpenAI's Images API streams partial images (https://platform.openai.com/docs/api-reference/images-streaming);
    // a compatible server may not, so it is never asked to.
    streamsPartials: id === 'openai',

    async uploadReferences(_refs: ReferenceInput[], _ctx: ProviderContext): Promise<UploadedReference[]> {
      // uploadsReferences is false: the engine never calls this. Reaching it is a bug, not a provider failure.
      throw new AppError('internal', `${label}: reference images travel inline with the edit; there is no upload step`);
    },

    async submit(req: SubmitRequest, ctx: ProviderContext): Promise<OpenAiSubmitResult> {
      // A custom model (OpenAI-compatible servers only) speaks the gpt-image-1 parameter set under its own name.
      const custom = id === 'openai-compatible' && isCustomModel(req.model);
      const model = custom ? 'gpt-image-1' : openAiModel(req.model);
      const wireModel = custom ? wireModelName(req.model) : opts.modelNames?.[req.model];
      if (req.chain?.method === 'responses') return submitResponses(req, req.chain, model, ctx);
      // Partial previews: OpenAI itself only, one image per call (each `*.completed` event is one image; a call of
      // several is not streamed), and only where the engine asked for them (the user's setting).
      const onPartial = id === 'openai' && req.onPartial && Number(req.params['n'] ?? 1) === 1 ? req.onPartial : undefined;
      const stream = onPartial ? { partialImages: OPENAI_PARTIAL_IMAGES } : {};
      const base = { model, prompt: req.prompt, params: req.params, ...(wireModel ? { wireModel } : {}), ...stream };
      const imageOpts = { ...callOpts(ctx), ...(onPartial ? { onPartial } : {}) };
      let result: OpenAiImagesResult;
      if (req.references.length > 0) {
        const form = buildEditForm({
          ...base,
          images: req.references.map((r) => ({ bytes: r.bytes, mime: r.mime })),
          ...(req.mask ? { mask: { bytes: req.mask.bytes, mime: req.mask.mime } } : {}),
        });
        result = await clientFor(ctx).edit(form, imageOpts);
      } else {
        if (req.mask) {
          throw new AppError('validation', 'A mask needs a reference image to apply to', {
            params: { field: 'mask', reason: 'needs_reference' },
          });
        }
        result = await clientFor(ctx).generate(buildGenerationsBody(base), imageOpts);
      }
      const usage = usageOf(result);
      const usd = id === 'openai' && usage ? costFromUsage(model, usage, prices()) : null;
      const outputs: RemoteOutput[] = result.outputs.map((o) => ('url' in o ? { url: o.url } : { bytes: o.bytes }));
      return {
        remoteId: localId(result.created, now),
        status: {
          state: 'completed',
          outputs,
          credits: null,
          usage,
          usd,
          size: result.size ?? null,
          quality: result.quality ?? null,
          background: result.background ?? null,
          output_format: result.output_format ?? null,
        },
      };
    },

    async poll(remoteId: string, _ctx: ProviderContext): Promise<RemoteStatus> {
      throw new AppError(
        'provider_not_found',
        `${label} images are made synchronously: job ${remoteId} cannot be polled (its outputs came with the submit)`,
        { retryable: false },
      );
    },

    async fetchOutput(output: RemoteOutput, ctx: ProviderContext): Promise<Uint8Array> {
      if ('bytes' in output) {
        const h = readImageHeader(output.bytes);
        if (!h.ok) {
          throw new AppError('provider_bad_response', `${label} output is not a PNG, JPEG or WebP image`, {
            params: { reason: 'not_an_image' },
          });
        }
        return output.bytes;
      }
      return clientFor(ctx).download(output.url, callOpts(ctx));
    },

    async account(ctx: ProviderContext): Promise<{ credits: number | null; email: string | null }> {
      try {
        await clientFor(ctx).listModels(callOpts(ctx));
      } catch (e) {
        if (!(id === 'openai-compatible' && e instanceof AppError && e.code === 'provider_not_found')) throw e;
      }
      return { credits: null, email: null };
    },
  };
}

/** The local id of a synchronous job: `oai_<created>_<16 hex>` (created in epoch s, from the reply or the clock). */
function localId(created: number, now: () => number): string {
  const s = Number.isFinite(created) && created > 0 ? Math.floor(created) : Math.floor(now() / 1000);
  return `oai_${s}_${randomBytes(8).toString('hex')}`;
}

function openAiModel(model: ModelId): OpenAiImageModel {
  if (isOpenAiImageModel(model)) return model;
  throw new AppError('validation', `OpenAI does not serve ${String(model)}`, { params: { field: 'model', reason: 'unsupported' } });
}
