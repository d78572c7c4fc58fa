import { Layers } from 'lucide-react';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AssetDetail } from '@shared/domain';
import type { AppErrorShape } from '@shared/errors';
import { errorShape, formatDateTime } from '../../i18n/format';
import { call } from '../../transport';
import { ErrorText } from '../../ui/ErrorText';
import { MediaImg } from '../../ui/MediaImg';
import { Modal } from '../../ui/Modal';
import { unstack, useStackUi } from './store';
import './stacks.css';

/** The open stack's images (cover first) with their thumbnails, and Unstack. Opened from a stack tile. */
export function StackDialog() {
  const { t } = useTranslation();
  const openId = useStackUi((s) => s.openId);
  const close = useStackUi((s) => s.close);
  return (
    <Modal open={openId !== null} onOpenChange={(o) => !o && close()} title={t('stacks.title')} className="stack-modal">
      {openId ? <StackMembers stackId={openId} onDone={close} /> : null}
    </Modal>
  );
}

function StackMembers({ stackId, onDone }: { stackId: string; onDone(): void }) {
  const { t, i18n } = useTranslation();
  const [members, setMembers] = useState<AssetDetail[] | null>(null);
  const [error, setError] = useState<AppErrorShape | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let live = true;
    call('stacks.members', { stackId })
      .then((ids) => Promise.all(ids.map((id) => call('assets.get', { id }))))
      .then((m) => live && setMembers(m))
      .catch((err: unknown) => live && setError(errorShape(err)));
    return () => {
      live = false;
    };
  }, [stackId]);

  const dissolve = async (): Promise<void> => {
    setBusy(true);
    if (await unstack(stackId)) onDone();
    else setBusy(false);
  };

  return (
    <div className="stack-body" aria-busy={members === null}>
      {members ? (
        <>
          <p className="muted">{t('stacks.count', { count: members.length })}</p>
          <ul className="stack-members" aria-label={t('stacks.members')}>
            {members.map((m, i) => {
              const name = m.prompt?.trim() || t('gallery.untitled', { date: formatDateTime(m.createdAt, i18n.language) });
              return (
                <li key={m.id} className="stack-member">
                  <span className="stack-member-frame">
                    <MediaImg blobId={m.blob.id} variant="thumb" alt={name} loading="lazy" decoding="async" draggable={false} />
                  </span>
                  <span className="stack-member-caption">
                    {i === 0 ? (
                      <span className="badge stack-cover-badge">
                        <Layers size={10} aria-hidden="true" /> {t('stacks.cover')}
                      </span>
                    ) : null}
                    <span className="muted">{`${m.blob.width}×${m.blob.height}`}</span>
                  </span>
                </li>
              );
            })}
          </ul>
        </>
      ) : error ? null : (
        <p className="muted">{t('stacks.loading')}</p>
      )}
      <ErrorText error={error} />
      <div className="form-actions">
        <button type="button" className="btn btn-plain" onClick={onDone}>
          {t('app.close')}
        </button>
        <button type="button" className="btn btn-primary" disabled={busy || members === null} onClick={() => void dissolve()}>
          {t('stacks.unstack')}
        </button>
      </div>
    </div>
  );
}
