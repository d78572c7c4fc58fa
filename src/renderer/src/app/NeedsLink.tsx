import { useTranslation } from 'react-i18next';

/**
 * What the web page shows without a session: the launch link it was opened on was already used (or is not this
 * host's), and no stored session is good. A new link comes from the terminal (a new start, or SIGUSR1).
 */
export function NeedsLink() {
  const { t } = useTranslation();
  return (
    <main className="needs-link" style={{ padding: '3rem', maxWidth: '40rem' }}>
      <h1 style={{ fontWeight: 500 }}>{t('session.needsLink.title')}</h1>
      <p>{t('session.needsLink.body')}</p>
    </main>
  );
}
