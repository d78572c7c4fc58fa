import { useTranslation } from 'react-i18next';
import type { AppErrorShape } from '@shared/errors';
import { describeError } from '../i18n/format';

/** An error in the user's language, announced when it appears. */
export function ErrorText({ error, id, className }: { error: AppErrorShape | null | undefined; id?: string; className?: string }) {
  const { t } = useTranslation();
  if (!error) return null;
  return (
    <p role="alert" id={id} className={`error-text${className ? ` ${className}` : ''}`}>
      {describeError(t, error)}
    </p>
  );
}
