import { useTranslation } from 'react-i18next';
import type { ContentCredentials } from '@shared/provenance';
import { digitalSourceTypeCode } from '@shared/provenance';
import { formatDateTime } from '../../i18n/format';
import './content-credentials.css';

const KNOWN_ACTIONS = ['c2pa.created', 'c2pa.edited', 'c2pa.opened', 'c2pa.converted', 'c2pa.placed', 'c2pa.resized', 'c2pa.color_adjustments', 'c2pa.cropped'];
const KNOWN_SOURCES = ['trainedAlgorithmicMedia', 'compositeWithTrainedAlgorithmicMedia', 'algorithmicMedia', 'digitalCapture', 'composite'];

/**
 * The C2PA Content Credentials of the image in the viewer's recipe panel: validation state (with the reasons of an
 * invalid one), issuer, claim generator, signing time and the manifest's actions. Renders nothing when the file
 * carries none.
 */
export function ContentCredentialsSection({ credentials: c }: { credentials: ContentCredentials | null | undefined }) {
  const { t, i18n } = useTranslation();
  if (!c) return null;
  const unknown = <span className="muted">{t('viewer.unknown')}</span>;
  return (
    <section className="credentials" aria-label={t('credentials.title')}>
      <h3 className="credentials-title">{t('credentials.title')}</h3>
      <dl className="recipe-list">
        <dt>{t('credentials.state')}</dt>
        <dd>
          <span className={`credentials-state credentials-${c.state}`}>{t(`credentials.states.${c.state}`)}</span>
          {c.state === 'invalid' && c.reasons.length > 0 ? (
            <ul className="credentials-reasons">
              {c.reasons
                .filter((r) => r.code !== 'signingCredential.untrusted')
                .map((r, i) => (
                  <li key={`${r.code}-${i}`}>
                    <span className="mono">{r.code}</span>
                    {r.explanation ? ` — ${r.explanation}` : null}
                  </li>
                ))}
            </ul>
          ) : null}
        </dd>
        <dt>{t('credentials.issuer')}</dt>
        <dd>{c.issuer ?? unknown}</dd>
        <dt>{t('credentials.claimGenerator')}</dt>
        <dd>{c.claimGenerator ?? unknown}</dd>
        {c.signedAt ? (
          <>
            <dt>{t('credentials.signedAt')}</dt>
            <dd>{Number.isNaN(Date.parse(c.signedAt)) ? c.signedAt : formatDateTime(Date.parse(c.signedAt), i18n.language)}</dd>
          </>
        ) : null}
        <dt>{t('credentials.actions')}</dt>
        <dd>
          {c.actions.length === 0 ? (
            unknown
          ) : (
            <ul className="credentials-actions">
              {c.actions.map((a, i) => {
                const source = a.digitalSourceType ? digitalSourceTypeCode(a.digitalSourceType) : null;
                return (
                  <li key={`${a.action}-${i}`}>
                    {KNOWN_ACTIONS.includes(a.action) ? t(`credentials.actionNames.${a.action.replace('c2pa.', '')}`) : a.action}
                    {source ? (
                      <span className="muted" title={a.digitalSourceType ?? undefined}>
                        {' · '}
                        {KNOWN_SOURCES.includes(source) ? t(`credentials.sources.${source}`) : source}
                      </span>
                    ) : null}
                    {a.softwareAgent ? <span className="muted">{` · ${a.softwareAgent}`}</span> : null}
                  </li>
                );
              })}
            </ul>
          )}
        </dd>
      </dl>
    </section>
  );
}
