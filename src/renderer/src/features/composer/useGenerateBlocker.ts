import type { TFunction } from 'i18next';
import { KEYED_PROVIDERS, promptLength, type KeyedProviderId, type ModelCapability } from '../../../../shared/capabilities';
import { providerShortLabel } from '../../i18n/format';
import { useComposer } from '../../store/composer';
import { useSettings } from '../../store/settings';

export type Blocker =
  | { kind: 'noFolder' }
  | { kind: 'noKey'; provider: KeyedProviderId }
  | { kind: 'emptyPrompt' }
  | { kind: 'tooLong'; length: number; max: number }
  | { kind: 'staging' }
  | { kind: 'badParams' };

const isKeyed = (p: string): p is KeyedProviderId => (KEYED_PROVIDERS as readonly string[]).includes(p);
/** A local OpenAI-compatible server often needs no key, so a missing one does not block Generate there. */
const KEY_OPTIONAL: readonly string[] = ['openai-compatible'];

/** Why Generate cannot run right now (first reason only), or null when it can. */
export function useGenerateBlocker(folderId: string | null, cap: ModelCapability): Blocker | null {
  const provider = useComposer((s) => s.provider);
  const prompt = useComposer((s) => s.prompt);
  const params = useComposer((s) => s.params);
  const staging = useComposer((s) => s.references.some((r) => r.staged === null));
  const keySet = useSettings((s) => (isKeyed(provider) ? s.providers[provider]?.keySet : true));
  if (!folderId) return { kind: 'noFolder' };
  if (isKeyed(provider) && keySet === false && !KEY_OPTIONAL.includes(provider)) return { kind: 'noKey', provider };
  if (prompt.trim().length === 0) return { kind: 'emptyPrompt' };
  const length = promptLength(cap, prompt);
  if (length > cap.maxPromptChars) return { kind: 'tooLong', length, max: cap.maxPromptChars };
  if (staging) return { kind: 'staging' };
  if (!cap.params.safeParse(params).success) return { kind: 'badParams' };
  return null;
}

export function blockerText(t: TFunction, b: Blocker): string {
  switch (b.kind) {
    case 'noFolder':
      return t('composer.reasonNoFolder');
    case 'noKey':
      return t('composer.reasonNoKey', { provider: providerShortLabel(t, b.provider) });
    case 'emptyPrompt':
      return t('composer.reasonEmptyPrompt');
    case 'tooLong':
      return t('composer.reasonTooLong', { max: b.max });
    case 'staging':
      return t('composer.reasonStaging');
    case 'badParams':
      return t('composer.reasonBadParams');
  }
}
