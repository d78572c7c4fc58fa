import * as Tabs from '@radix-ui/react-tabs';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { CompareStatRow, CompareStats } from '@shared/contracts/compare';
import type { AppErrorShape } from '@shared/errors';
import { errorShape, modelLabel, providerShortLabel } from '../../i18n/format';
import { call } from '../../transport';
import { ErrorText } from '../../ui/ErrorText';
import { Modal } from '../../ui/Modal';
import { useCompare } from './store';

/** Each model's win rate per project and per tag, with the number of votes. */
export function StatsDialog() {
  const { t } = useTranslation();
  const open = useCompare((s) => s.statsOpen);
  const setOpen = useCompare((s) => s.setStatsOpen);
  return (
    <Modal open={open} onOpenChange={setOpen} title={t('compare.statsTitle')} className="cmp-stats-dialog">
      <StatsBody />
    </Modal>
  );
}

function StatsBody() {
  const { t } = useTranslation();
  const [stats, setStats] = useState<CompareStats | null>(null);
  const [error, setError] = useState<AppErrorShape | null>(null);
  useEffect(() => {
    let live = true;
    call('compare.stats', {})
      .then((s) => live && setStats(s))
      .catch((err: unknown) => live && setError(errorShape(err)));
    return () => {
      live = false;
    };
  }, []);
  if (error) return <ErrorText error={error} />;
  if (!stats) return <p className="muted">{t('gallery.loading')}</p>;
  return (
    <Tabs.Root defaultValue="project">
      <Tabs.List className="tabs" aria-label={t('compare.statsScope')}>
        <Tabs.Trigger value="project" className="tab">
          {t('compare.byProject')}
        </Tabs.Trigger>
        <Tabs.Trigger value="tag" className="tab">
          {t('compare.byTag')}
        </Tabs.Trigger>
      </Tabs.List>
      <Tabs.Content value="project" className="tab-panel">
        <StatsTable rows={stats.byProject} scope={t('compare.project')} />
      </Tabs.Content>
      <Tabs.Content value="tag" className="tab-panel">
        {stats.byTag.length === 0 && stats.byProject.length > 0 ? (
          <p className="muted">{t('compare.noTags')}</p>
        ) : (
          <StatsTable rows={stats.byTag} scope={t('compare.tag')} />
        )}
      </Tabs.Content>
      <p className="muted small">{t('compare.statsHelp')}</p>
    </Tabs.Root>
  );
}

function StatsTable({ rows, scope }: { rows: CompareStatRow[]; scope: string }) {
  const { t, i18n } = useTranslation();
  if (rows.length === 0) return <p className="muted">{t('compare.noVotes')}</p>;
  const pct = new Intl.NumberFormat(i18n.language, { style: 'percent', maximumFractionDigits: 0 });
  return (
    <table className="cmp-stats">
      <thead>
        <tr>
          <th scope="col">{scope}</th>
          <th scope="col">{t('compare.model')}</th>
          <th scope="col">{t('compare.winRate')}</th>
          <th scope="col">{t('compare.wins')}</th>
          <th scope="col">{t('compare.votes')}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={`${r.key}/${r.provider}/${r.model}`}>
            <td>{r.label}</td>
            <th scope="row">
              {modelLabel(t, r.model)} <span className="muted">· {providerShortLabel(t, r.provider)}</span>
            </th>
            <td>
              <span className="cmp-rate">
                <span className="cmp-rate-bar" style={{ width: `${Math.round(r.winRate * 100)}%` }} aria-hidden="true" />
                <span>{pct.format(r.winRate)}</span>
              </span>
            </td>
            <td>{r.wins}</td>
            <td>
              {r.votes}
              {r.blindVotes ? <span className="muted"> ({t('compare.blindVotes', { count: r.blindVotes })})</span> : null}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
