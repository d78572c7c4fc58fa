import { useTranslation } from 'react-i18next';
import { describeError, modelLabel, providerShortLabel } from '../../i18n/format';
import { useViewer } from '../../store/viewer';
import { ErrorText } from '../../ui/ErrorText';
import { MediaImg } from '../../ui/MediaImg';
import { Modal } from '../../ui/Modal';
import { ProgressBar } from '../../ui/ProgressBar';
import { jobStateLabel } from '../jobs/labels';
import { batchName } from './BatchList';
import { useBatches } from './store';

/** The results grouped as the batch: one line per row with its values, state and images. */
export function BatchView() {
  const { t } = useTranslation();
  const openId = useBatches((s) => s.openId);
  const view = useBatches((s) => s.view);
  const error = useBatches((s) => s.viewError);
  const close = useBatches((s) => s.close);
  const columnLabel = (c: string): string => (/^\d+$/.test(c) ? t('batch.group', { n: Number(c) }) : c);
  return (
    <Modal open={openId !== null} onOpenChange={(o) => (o ? null : close())} title={t('batch.viewTitle')} className="batch-view-dialog">
      <ErrorText error={error} />
      {view ? (
        <div className="batch-view">
          <p className="batch-view-head">
            <strong title={view.template}>{batchName(view.template)}</strong>
            <span className="muted">
              {' '}
              · {modelLabel(t, view.model)} · {providerShortLabel(t, view.provider)}
            </span>
          </p>
          <ProgressBar value={view.total ? (100 * view.completed) / view.total : 0} label={t('batch.progressLabel', { name: batchName(view.template) })} />
          <p role="status" className="batch-item-status">
            {t('batch.progress', { n: view.completed, total: view.total })}
            {view.failed > 0 ? ` · ${t('batch.failedCount', { count: view.failed })}` : ''}
          </p>
          <div className="batch-table-wrap batch-view-rows">
            <table className="batch-table">
              <caption className="sr-only">{t('batch.rowsCaption', { count: view.total })}</caption>
              <thead>
                <tr>
                  <th scope="col">#</th>
                  {view.columns.map((c) => (
                    <th key={c} scope="col">
                      {columnLabel(c)}
                    </th>
                  ))}
                  <th scope="col">{t('batch.state')}</th>
                  <th scope="col">{t('batch.images')}</th>
                </tr>
              </thead>
              <tbody>
                {view.rows.map((r) => (
                  <tr key={r.position}>
                    <td>{r.position + 1}</td>
                    {view.columns.map((c) => (
                      <td key={c}>{r.values[c] ?? ''}</td>
                    ))}
                    <td>
                      <span className={`job-state state-${r.state}`}>{jobStateLabel(t, r)}</span>
                      {r.error ? <span className="error-text batch-row-error">{describeError(t, r.error)}</span> : null}
                    </td>
                    <td>
                      <div className="batch-images">
                        {r.images.map((img, i) => (
                          <button
                            key={img.assetId}
                            type="button"
                            className="batch-thumb"
                            aria-label={t('batch.openImage', { n: i + 1, prompt: r.prompt })}
                            onClick={() => useViewer.getState().open(img.assetId)}
                          >
                            <MediaImg blobId={img.blobId} variant="thumb" alt="" loading="lazy" />
                          </button>
                        ))}
                      </div>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      ) : null}
    </Modal>
  );
}
