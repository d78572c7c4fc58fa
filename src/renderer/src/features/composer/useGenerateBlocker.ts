import type { TFunction } from 'i18next';
import { KEYED_PROVIDERS, promptLength, type KeyedProviderId, type ModelCapability } from '@shared/capabilities';
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

/** Why Generate cannot run right now (first reason only), or null when it can. */
export function useGenerateBlocker(folderId: string | null, cap: ModelCapability): Blocker | null {
  const provider = useComposer((s) => s.provider);
  const prompt = useComposer((s) => s.prompt);
  const params = useComposer((s) => s.params);
  const staging = useComposer((s) => s.references.some((r) => r.staged === null));
  // A missing key blocks only where the provider needs one (a local OpenAI-compatible server may not).
  const keyMissing = useSettings((s) => {
    if (!isKeyed(provider)) return false;
    const p = s.providers[provider];
    return p !== undefined && !p.keySet && !p.keyOptional;
  });
  if (!folderId) return { kind: 'noFolder' };
  if (keyMissing && isKeyed(provider)) return { kind: 'noKey', provider };
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
