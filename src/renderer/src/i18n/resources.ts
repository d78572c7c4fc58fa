import type { ModelId, ProviderId } from '@shared/capabilities';
import type { JobState } from '@shared/domain';
import type { BadFileReason, ErrorCode } from '@shared/errors';
import en from './en.json';
import ja from './ja.json';
import ko from './ko.json';

/** The three translation resources (one `translation` namespace each); exported so a test can check key parity. */
export { en, ko, ja };

export const resources = {
  en: { translation: en },
  ko: { translation: ko },
  ja: { translation: ja },
} as const;

// Compile-time guards: `tsc` fails when a language lacks a key another has, or when the shared code gains an
// error code, bad-file reason, job state, model or provider that has no message.
type Underscored<S extends string> = S extends `${infer A}.${infer B}` ? Underscored<`${A}_${B}`> : S;
const parity: [typeof en, typeof en, typeof ko, typeof ja] = [ko, ja, en, en];
const covered: {
  errors: Record<ErrorCode, string>;
  badFile: Record<BadFileReason, string>;
  jobState: Record<JobState, string>;
  models: Record<Underscored<Exclude<ModelId, `custom:${string}`>>, string>;
  providers: Record<ProviderId, string>;
  providerShort: Record<ProviderId, string>;
}[] = [en, ko, ja];
void parity;
void covered;
