import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import type { ExportReport, ImportReport, TaskView } from '@shared/contracts/transfer';
import { describeError } from '../../i18n/format';
import { useTransfer } from '../../store/transfer';
import { ProgressBar } from '../../ui/ProgressBar';
import { stackPair } from '../stacks/store';

/** The long operations started in this window: progress and Cancel while they run, their report when done. */
export function TaskPanel() {
  const { t } = useTranslation();
  const shown = useTransfer((s) => s.shown);
  const tasks = useTransfer((s) => s.tasks);
  const views = shown.map((id) => tasks[id]).filter((v): v is TaskView => !!v);
  if (views.length === 0) return null;
  return (
    <div className="task-panel" role="region" aria-label={t('transfer.tasks')}>
      {views.map((v) => (
        <TaskCard key={v.id} view={v} />
      ))}
    </div>
  );
}

function TaskCard({ view }: { view: TaskView }) {
  const { t } = useTranslation();
  const cancel = useTransfer((s) => s.cancel);
  const dismiss = useTransfer((s) => s.dismiss);
  const title = t(`transfer.taskTitle.${view.kind}`, { label: view.label });
  const pct = view.total ? (100 * view.done) / view.total : null;
  return (
    <section className="task-card" aria-label={title}>
      <div className="task-head">
        <h3 className="task-title">{title}</h3>
        <span className="muted">{t(`transfer.state.${view.state}`)}</span>
      </div>
      {view.state === 'running' ? (
        <>
          <ProgressBar value={pct} label={t('transfer.progress', { title })} />
          <p className="muted task-count">
            {view.total === null ? t('transfer.countUnknown', { done: view.done }) : t('transfer.count', { done: view.done, total: view.total })}
          </p>
          <button type="button" className="btn btn-plain" onClick={() => void cancel(view.id)}>
            {t('transfer.cancel', { title })}
          </button>
        </>
      ) : (
        <>
          {view.error ? <p className="error-text">{describeError(t, view.error)}</p> : null}
          {view.report ? <Report view={view} t={t} /> : null}
          <button type="button" className="btn btn-plain" onClick={() => dismiss(view.id)}>
            {t('app.dismiss')}
          </button>
        </>
      )}
    </section>
  );
}

/**
 * What an import read from the files' own metadata: the recipes other tools wrote (by tool), and the metadata it
 * could not read with the reason (the images themselves were imported).
 */
function ImportMetadata({ report: r, t }: { report: ImportReport; t: TFunction }) {
  const withRecipe = (r.metadata ?? []).filter((m) => m.tool !== null && m.name !== '');
  const notRead = (r.metadata ?? []).flatMap((m) => m.skipped.map((s, i) => ({ key: `${m.assetId}-${i}`, name: m.name, ...s })));
  return (
    <>
      {withRecipe.length > 0 ? (
        <details>
          <summary>{t('transfer.recipesHeading', { count: withRecipe.length })}</summary>
          <ul aria-label={t('transfer.recipesList')} className="task-list">
            {withRecipe.map((m) => (
              <li key={m.assetId}>
                <span className="task-file">{m.name}</span> — {t(`viewer.foreign.tools.${m.tool}`, { defaultValue: m.tool })}
              </li>
            ))}
          </ul>
        </details>
      ) : null}
      {notRead.length > 0 ? (
        <details open>
          <summary>{t('transfer.metadataSkippedHeading', { count: notRead.length })}</summary>
          <ul aria-label={t('transfer.metadataSkippedList')} className="task-list">
            {notRead.map((s) => (
              <li key={s.key}>
                <span className="task-file">{s.name}</span> <span className="mono">{s.source}</span> — {t(`transfer.metadataSkip.${s.reason}`, { defaultValue: s.message })}
              </li>
            ))}
          </ul>
        </details>
      ) : null}
    </>
  );
}

function Report({ view, t }: { view: TaskView; t: TFunction }) {
  const r = view.report!;
  const stopped = 'stoppedBy' in r && r.stoppedBy ? <p className="error-text" role="alert">{describeError(t, r.stoppedBy)}</p> : null;
  switch (r.kind) {
    case 'import':
      return (
        <div className="task-report" aria-label={t('transfer.importReport')} role="group">
          {stopped}
          <p>{t('transfer.importSummary', { imported: r.imported.length, skipped: r.skipped.length, duplicates: r.duplicates.length, similar: r.nearDuplicates.length })}</p>
          {r.skipped.length > 0 ? (
            <details open>
              <summary>{t('transfer.skippedHeading', { count: r.skipped.length })}</summary>
              <ul aria-label={t('transfer.skippedList')} className="task-list">
                {r.skipped.map((s) => (
                  <li key={s.name}>
                    <span className="task-file">{s.name}</span> — {t(`badFile.${s.reason}`, { defaultValue: s.message })}
                  </li>
                ))}
              </ul>
            </details>
          ) : null}
          <ImportMetadata report={r} t={t} />
          {r.duplicates.length > 0 ? (
            <details>
              <summary>{t('transfer.duplicatesHeading', { count: r.duplicates.length })}</summary>
              <ul className="task-list">{r.duplicates.map((d) => <li key={d.name}>{d.name}</li>)}</ul>
            </details>
          ) : null}
          {r.nearDuplicates.length > 0 ? (
            <details open>
              <summary>{t('transfer.similarHeading', { count: r.nearDuplicates.length })}</summary>
              <ul className="task-list" aria-label={t('stacks.similarList')}>{r.nearDuplicates.map((d) => <NearDuplicate key={d.name} item={d} t={t} />)}</ul>
            </details>
          ) : null}
        </div>
      );
    case 'export':
      return (
        <div className="task-report" role="group" aria-label={t('transfer.exportReport')}>
          {stopped}
          <p>{t('transfer.exportSummary', { written: r.written.length, renamed: r.renamed.length, failed: r.failed.length })}</p>
          <p className="muted task-file">{r.targetDir}</p>
          {r.renamed.length > 0 ? (
            <details>
              <summary>{t('transfer.renamedHeading', { count: r.renamed.length })}</summary>
              <ul className="task-list">{r.renamed.map((x) => <li key={x.file}>{x.wanted} → {x.file}</li>)}</ul>
            </details>
          ) : null}
          {notWritten(r).length > 0 ? (
            <details open>
              <summary>{t('transfer.metadataNotWrittenHeading', { count: notWritten(r).length })}</summary>
              <ul className="task-list">
                {notWritten(r).map((w) => (
                  <li key={w.file} title={w.embedded.detail ?? undefined}>
                    <span className="task-file">{w.file}</span>: {t(`transfer.embedFailure.${w.embedded.reason ?? 'write_failed'}`)}
                  </li>
                ))}
              </ul>
            </details>
          ) : null}
          {withCredentials(r, 'kept').length > 0 ? (
            <details open>
              <summary>{t('transfer.credentialsKeptHeading', { count: withCredentials(r, 'kept').length })}</summary>
              <ul className="task-list">{withCredentials(r, 'kept').map((w) => <li key={w.file} className="task-file">{w.file}</li>)}</ul>
            </details>
          ) : null}
          {withCredentials(r, 'not_carried').length > 0 ? (
            <details open>
              <summary>{t('transfer.credentialsNotCarriedHeading', { count: withCredentials(r, 'not_carried').length })}</summary>
              <ul className="task-list">{withCredentials(r, 'not_carried').map((w) => <li key={w.file} className="task-file">{w.file}</li>)}</ul>
            </details>
          ) : null}
          {r.failed.length > 0 ? <ul className="task-list">{r.failed.map((x) => <li key={x.assetId}>{x.message}</li>)}</ul> : null}
        </div>
      );
    case 'integrity':
      return (
        <div className="task-report" role="group" aria-label={t('transfer.integrityReport')}>
          <p>{r.problems.length === 0 ? t('transfer.integrityOk', { blobs: r.checkedBlobs }) : t('transfer.integrityProblems', { count: r.problems.length })}</p>
          {r.thumbnailsRebuilt > 0 ? <p>{t('transfer.thumbsRebuilt', { count: r.thumbnailsRebuilt })}</p> : null}
          {r.problems.length > 0 ? (
            <ul className="task-list">
              {r.problems.map((p, i) => (
                <li key={i}>
                  {t(`transfer.problem.${p.problem}`)}: <span className="task-file">{p.path ?? p.blobId}</span>
                  {p.action ? ` → ${t(`transfer.action.${p.action}`, { defaultValue: p.action })}` : ''}
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      );
    case 'thumbnails':
      return <p>{t('transfer.thumbsRebuilt', { count: r.rebuilt })}</p>;
    case 'backup':
      return (
        <div className="task-report">
          <p>{t('transfer.backupDone', { count: r.blobs })}</p>
          <p className="muted task-file">{r.path}</p>
        </div>
      );
  }
}

/** A near-duplicate line of an import report: its name, and "Stack them" (with the image it resembles as the cover). */
/** The files of an export whose recipe could not be written inside them (written without it). */
function notWritten(r: ExportReport): ExportReport['written'] {
  return r.written.filter((w) => w.embedded.state === 'not_written');
}

/** The files of an export whose source carried C2PA Content Credentials: kept (original bytes) or not carried (converted). */
function withCredentials(r: ExportReport, which: 'kept' | 'not_carried'): ExportReport['written'] {
  return r.written.filter((w) => w.credentials === which);
}

function NearDuplicate({ item, t }: { item: { name: string; assetId: string; similarTo: string; stacked: boolean }; t: TFunction }) {
  const [stacked, setStacked] = useState(item.stacked);
  const [busy, setBusy] = useState(false);
  return (
    <li>
      {item.name}
      {stacked ? (
        ` · ${t('transfer.stacked')}`
      ) : (
        <button
          type="button"
          className="btn btn-plain btn-xs"
          disabled={busy}
          aria-label={t('stacks.stackThemLabel', { name: item.name })}
          onClick={() => {
            setBusy(true);
            void stackPair(item.similarTo, item.assetId).then((ok) => {
              setStacked(ok);
              setBusy(false);
            });
          }}
        >
          {t('stacks.stack')}
        </button>
      )}
    </li>
  );
}
