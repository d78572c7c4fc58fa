import { useMemo } from 'react';
import { create } from 'zustand';
import {
  PROVIDER_IDS,
  capabilityOf,
  carryParams,
  isCustomModel,
  modelsOf,
  type CustomModelId,
  type ModelCapability,
  type ModelId,
  type ProviderId,
} from '@shared/capabilities';
import type { JobView, StagedReference } from '@shared/domain';
import { AppError, type AppErrorShape } from '@shared/errors';
import { errorShape } from '../i18n/format';
import { loadPref, savePref } from '../lib/persist';
import { call, getTransport } from '../transport';
import { eventMark, useJobs } from './jobs';
import { editFields, useChainUi } from '../features/chains/store';

/** A reference image in the composer: staging (no `staged` yet) or ready. */
export interface RefItem {
  key: string;
  name: string;
  /** Object URL of the local file, shown until the chip is removed. */
  previewUrl: string | null;
  staged: StagedReference | null;
}

/** Why a file did not make it into the composer, shown next to the drop zone. */
export type RefError =
  | { key: string; name: string; kind: 'error'; error: AppErrorShape }
  | { key: string; name: string; kind: 'tooMany'; max: number };

interface ComposerState {
  provider: ProviderId;
  model: ModelId;
  prompt: string;
  params: Record<string, unknown>;
  references: RefItem[];
  refErrors: RefError[];
  submitting: boolean;
  submitError: AppErrorShape | null;
  /** `customModels`: the names given for an OpenAI-compatible server (from its settings). */
  setProvider(provider: ProviderId, customModels?: readonly CustomModelId[]): void;
  setModel(model: ModelId): void;
  setPrompt(prompt: string): void;
  setParam(name: string, value: unknown): void;
  addFiles(files: readonly File[]): Promise<void>;
  moveRef(from: number, to: number): void;
  removeRef(key: string): void;
  dismissRefError(key: string): void;
  clearSubmitError(): void;
  /** `overrideBudget`: the user confirmed passing the project's budget (after a `budget_exceeded` refusal). */
  submit(folderId: string, opts?: { overrideBudget?: boolean }): Promise<JobView | null>;
}

let keySeq = 0;
const newKey = (): string => `ref-${Date.now().toString(36)}-${(keySeq++).toString(36)}`;

/**
 * The capability of the composer's provider and model. Not for zustand selectors: for an OpenAI-compatible
 * server the table builds a new object per call; components use {@link useCapability}.
 */
export function currentCapability(s: Pick<ComposerState, 'provider' | 'model'>): ModelCapability {
  const cap = capabilityOf(s.provider, s.model);
  if (!cap) throw new Error(`no capability for ${s.provider}/${s.model}`);
  return cap;
}

function initial(): Pick<ComposerState, 'provider' | 'model' | 'params' | 'prompt'> {
  const saved = loadPref<{ provider?: unknown; model?: unknown; params?: unknown; prompt?: unknown }>('composer', {});
  const provider: ProviderId = PROVIDER_IDS.includes(saved.provider as ProviderId) ? (saved.provider as ProviderId) : 'sandbox';
  const models = modelsOf(provider);
  // A model named for an OpenAI-compatible server is not in the list until Settings are read: keep it.
  const keep =
    models.includes(saved.model as ModelId) ||
    (typeof saved.model === 'string' && isCustomModel(saved.model) && capabilityOf(provider, saved.model) !== undefined);
  const model: ModelId = keep ? (saved.model as ModelId) : models[0]!;
  const cap = capabilityOf(provider, model)!;
  const prev = saved.params && typeof saved.params === 'object' ? (saved.params as Record<string, unknown>) : {};
  return { provider, model, params: carryParams(cap, prev), prompt: typeof saved.prompt === 'string' ? saved.prompt : '' };
}

export const useComposer = create<ComposerState>()((set, get) => {
  const persist = (): void => {
    const { provider, model, params, prompt } = get();
    savePref('composer', { provider, model, params, prompt });
  };
  const pushError = (e: RefError): void => set((s) => ({ refErrors: [...s.refErrors, e] }));

  return {
    ...initial(),
    references: [],
    refErrors: [],
    submitting: false,
    submitError: null,

    setProvider(provider, customModels = []) {
      const models = modelsOf(provider, customModels);
      const model = models.includes(get().model) ? get().model : models[0]!;
      set({ provider, model, params: carryParams(currentCapability({ provider, model }), get().params), submitError: null });
      persist();
    },

    setModel(model) {
      const { provider } = get();
      set({ model, params: carryParams(currentCapability({ provider, model }), get().params), submitError: null });
      persist();
    },

    setPrompt(prompt) {
      set({ prompt });
      if (get().submitError?.code === 'prompt_too_long') set({ submitError: null });
      persist();
    },

    setParam(name, value) {
      set((s) => ({ params: { ...s.params, [name]: value } }));
      persist();
    },

    async addFiles(files) {
      const transport = getTransport();
      for (const file of files) {
        const { provider, model } = get();
        const cap = currentCapability(get());
        if (get().references.length >= cap.maxReferenceImages) {
          pushError({ key: newKey(), name: file.name, kind: 'tooMany', max: cap.maxReferenceImages });
          continue;
        }
        // Refuse what is too large before reading a byte of it.
        if (file.size > cap.maxReferenceBytes) {
          const err = new AppError('bad_file', `${file.name} is larger than the limit`, {
            params: { name: file.name, reason: 'too_large', maxBytes: cap.maxReferenceBytes },
          });
          pushError({ key: newKey(), name: file.name, kind: 'error', error: err.toShape() });
          continue;
        }
        const key = newKey();
        const previewUrl = file.type.startsWith('image/') ? URL.createObjectURL(file) : null;
        set((s) => ({ references: [...s.references, { key, name: file.name, previewUrl, staged: null }] }));
        try {
          const source = await transport.fileSource(file);
          const staged = await call('references.stage', { source, provider, model });
          // The user may have removed the chip meanwhile.
          set((s) => ({ references: s.references.map((r) => (r.key === key ? { ...r, staged } : r)) }));
        } catch (err) {
          if (previewUrl) URL.revokeObjectURL(previewUrl);
          set((s) => ({ references: s.references.filter((r) => r.key !== key) }));
          pushError({ key, name: file.name, kind: 'error', error: errorShape(err) });
        }
      }
    },

    moveRef(from, to) {
      set((s) => {
        if (from === to || from < 0 || to < 0 || from >= s.references.length || to >= s.references.length) return s;
        const references = [...s.references];
        const [item] = references.splice(from, 1);
        references.splice(to, 0, item!);
        return { references };
      });
    },

    removeRef(key) {
      const item = get().references.find((r) => r.key === key);
      if (item?.previewUrl) URL.revokeObjectURL(item.previewUrl);
      set((s) => ({ references: s.references.filter((r) => r.key !== key) }));
    },

    dismissRefError: (key) => set((s) => ({ refErrors: s.refErrors.filter((e) => e.key !== key) })),
    clearSubmitError: () => set({ submitError: null }),

    async submit(folderId, opts = {}) {
      const { provider, model, prompt, params, references, submitting } = get();
      if (submitting) return null;
      const ready = references.filter((r): r is RefItem & { staged: StagedReference } => r.staged !== null);
      set({ submitting: true, submitError: null });
      const mark = eventMark();
      try {
        const job = await call('jobs.submit', {
          folderId,
          provider,
          model,
          prompt,
          params: currentCapability({ provider, model }).params.parse(params),
          references: ready.map((r) => ({ blobId: r.staged.id, name: r.name })),
          // An edit: the image being edited goes first, with its mask where the model takes one.
          ...editFields(currentCapability({ provider, model }).takesMask === true, { provider, model }),
          ...(opts.overrideBudget === true ? { overrideBudget: true } : {}),
        });
        useChainUi.getState().clearMask();
        useJobs.getState().applyReply(job, mark);
        set({ submitting: false });
        return job;
      } catch (err) {
        set({
          submitting: false,
          submitError:
            err instanceof Error && err.name === 'ZodError'
              ? { code: 'validation', message: err.message, retryable: false }
              : errorShape(err),
        });
        return null;
      }
    },
  };
});

/** The composer's current capability, stable while provider and model stay the same. */
export function useCapability(): ModelCapability {
  const provider = useComposer((s) => s.provider);
  const model = useComposer((s) => s.model);
  return useMemo(() => currentCapability({ provider, model }), [provider, model]);
}
