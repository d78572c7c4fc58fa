import { BookImage, ImagePlus, Images, Pencil, Plus, Trash2 } from 'lucide-react';
import { useEffect, useId, useRef, useState, type DragEvent, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { KitView } from '@shared/contracts/kits';
import type { AppErrorShape } from '@shared/errors';
import { errorShape } from '../../i18n/format';
import { useComposer } from '../../store/composer';
import { useToasts } from '../../store/toasts';
import { useViewer } from '../../store/viewer';
import { call, getTransport } from '../../transport';
import { ErrorText } from '../../ui/ErrorText';
import { IconButton } from '../../ui/IconButton';
import { MediaImg } from '../../ui/MediaImg';
import { Modal } from '../../ui/Modal';
import { NameDialog } from '../folders/NameDialog';
import { addKitToComposer, useKits } from './actions';
import './kits.css';

type Dialog = { kind: 'new' } | { kind: 'rename' | 'delete' | 'images'; kit: KitView } | null;

/**
 * The reference kits in the composer's references area: each with its images, "used in N generations", Add (its
 * images become staged references in one action), the images those generations made, Rename and Delete (asked
 * first); New kit… makes one from files.
 */
export function KitShelf() {
  const { t } = useTranslation();
  const id = useId();
  const kits = useKits((s) => s.kits);
  const load = useKits((s) => s.load);
  const [dialog, setDialog] = useState<Dialog>(null);
  // Read once, and again when a job ends (a use may have been added).
  const jobs = useComposer((s) => s.submitting);
  useEffect(() => {
    void load();
  }, [load, jobs]);
  const close = (open: boolean): void => {
    if (!open) setDialog(null);
  };
  return (
    <section className="kit-shelf" aria-labelledby={`${id}-h`}>
      <div className="kit-shelf-head">
        <h3 id={`${id}-h`} className="field-label">
          <BookImage size={14} aria-hidden="true" /> {t('kits.title')}
        </h3>
        <IconButton label={t('kits.new')} text={t('kits.new')} icon={<Plus size={14} />} variant="plain" onClick={() => setDialog({ kind: 'new' })} />
      </div>
      {kits && kits.length === 0 ? <p className="muted small">{t('kits.none')}</p> : null}
      {kits && kits.length > 0 ? (
        <ul className="kit-list" aria-label={t('kits.title')}>
          {kits.map((k) => (
            <li key={k.id} className="kit" aria-label={k.name}>
              <div className="kit-thumbs" aria-hidden="true">
                {k.items.slice(0, 3).map((i) => (
                  <MediaImg key={i.id} blobId={i.id} variant="thumb" alt="" />
                ))}
              </div>
              <div className="kit-text">
                <span className="kit-name">{k.name}</span>
                <span className="muted small">
                  {t('kits.images', { count: k.items.length })} · {t('kits.used', { count: k.usedIn })}
                </span>
              </div>
              <button type="button" className="btn btn-plain" aria-label={t('kits.add', { name: k.name })} title={t('kits.add', { name: k.name })} onClick={() => addKitToComposer(k)}>
                <ImagePlus size={14} aria-hidden="true" />
                <span>{t('kits.addShort')}</span>
              </button>
              <IconButton label={t('kits.open', { name: k.name })} icon={<Images size={14} />} disabled={k.usedIn === 0} onClick={() => setDialog({ kind: 'images', kit: k })} />
              <IconButton label={t('kits.rename', { name: k.name })} icon={<Pencil size={14} />} onClick={() => setDialog({ kind: 'rename', kit: k })} />
              <IconButton label={t('kits.delete', { name: k.name })} icon={<Trash2 size={14} />} onClick={() => setDialog({ kind: 'delete', kit: k })} />
            </li>
          ))}
        </ul>
      ) : null}

      <Modal open={dialog?.kind === 'new'} onOpenChange={close} title={t('kits.newTitle')}>
        {dialog?.kind === 'new' ? <KitEditor onDone={() => setDialog(null)} /> : null}
      </Modal>
      <NameDialog
        open={dialog?.kind === 'rename'}
        onOpenChange={close}
        title={t('kits.renameTitle', { name: dialog?.kind === 'rename' ? dialog.kit.name : '' })}
        label={t('kits.name')}
        submitLabel={t('kits.renameButton')}
        initial={dialog?.kind === 'rename' ? dialog.kit.name : ''}
        onSubmit={async (name) => {
          if (dialog?.kind !== 'rename') return;
          await call('kits.rename', { id: dialog.kit.id, name });
          await load();
        }}
      />
      <Modal
        open={dialog?.kind === 'delete'}
        onOpenChange={close}
        role="alertdialog"
        title={t('kits.deleteTitle', { name: dialog?.kind === 'delete' ? dialog.kit.name : '' })}
        description={t('kits.deleteText')}
      >
        <div className="form-actions">
          <button type="button" className="btn btn-plain" onClick={() => setDialog(null)}>
            {t('app.cancel')}
          </button>
          <button
            type="button"
            className="btn btn-danger"
            onClick={() => {
              if (dialog?.kind !== 'delete') return;
              const kit = dialog.kit;
              setDialog(null);
              call('kits.delete', { id: kit.id }).then(
                () => void load(),
                (err: unknown) => useToasts.getState().error(err),
              );
            }}
          >
            {t('kits.deleteButton')}
          </button>
        </div>
      </Modal>
      <Modal open={dialog?.kind === 'images'} onOpenChange={close} title={t('kits.imagesTitle', { name: dialog?.kind === 'images' ? dialog.kit.name : '' })} className="kit-images-dialog">
        {dialog?.kind === 'images' ? <KitImages kit={dialog.kit} onOpen={() => setDialog(null)} /> : null}
      </Modal>
    </section>
  );
}

/** The images the generations that used the kit made; each opens in the viewer. */
function KitImages({ kit, onOpen }: { kit: KitView; onOpen(): void }) {
  const { t } = useTranslation();
  const [images, setImages] = useState<{ assetId: string; blobId: string; prompt: string | null }[] | null>(null);
  const [error, setError] = useState<AppErrorShape | null>(null);
  useEffect(() => {
    let live = true;
    call('kits.images', { id: kit.id }).then(
      (r) => live && setImages(r),
      (err: unknown) => live && setError(errorShape(err)),
    );
    return () => {
      live = false;
    };
  }, [kit.id]);
  return (
    <div>
      <p className="muted">{t('kits.used', { count: kit.usedIn })}</p>
      <ErrorText error={error} />
      {images ? (
        <ul className="kit-image-grid" aria-label={t('kits.imagesTitle', { name: kit.name })}>
          {images.map((img) => (
            <li key={img.assetId}>
              <button
                type="button"
                className="kit-image"
                onClick={() => {
                  onOpen();
                  useViewer.getState().open(img.assetId);
                }}
              >
                <MediaImg blobId={img.blobId} variant="thumb" alt={img.prompt ?? t('kits.image')} />
              </button>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

/** New kit from files: a name and images dropped here or chosen, staged as references are, then `kits.create`. */
function KitEditor({ onDone }: { onDone(): void }) {
  const { t } = useTranslation();
  const id = useId();
  const inputRef = useRef<HTMLInputElement>(null);
  const [name, setName] = useState('');
  const [items, setItems] = useState<{ blobId: string; name: string }[]>([]);
  const [error, setError] = useState<AppErrorShape | null>(null);
  const [busy, setBusy] = useState(false);
  const addFiles = async (files: readonly File[]): Promise<void> => {
    const { provider, model } = useComposer.getState();
    setBusy(true);
    setError(null);
    try {
      for (const file of files) {
        const source = await getTransport().fileSource(file);
        const staged = await call('references.stage', { source, provider, model });
        setItems((s) => [...s, { blobId: staged.id, name: staged.name }]);
      }
    } catch (err) {
      setError(errorShape(err));
    } finally {
      setBusy(false);
    }
  };
  const onDrop = (e: DragEvent<HTMLDivElement>): void => {
    if (!Array.from(e.dataTransfer.types).includes('Files')) return;
    e.preventDefault();
    void addFiles(Array.from(e.dataTransfer.files));
  };
  const save = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const kit = await call('kits.create', { name, items });
      await useKits.getState().load();
      useToasts.getState().info('kits.saved', { name: kit.name, count: kit.items.length });
      onDone();
    } catch (err) {
      setError(errorShape(err));
      setBusy(false);
    }
  };
  return (
    <form className="form" onSubmit={(e) => void save(e)}>
      <label htmlFor={`${id}-name`} className="field-label">
        {t('kits.name')}
      </label>
      <input id={`${id}-name`} className="input" value={name} maxLength={200} autoComplete="off" onChange={(e) => setName(e.target.value)} />
      <div
        className="kit-drop"
        role="group"
        aria-label={t('kits.dropLabel')}
        onDragOver={(e) => {
          if (Array.from(e.dataTransfer.types).includes('Files')) e.preventDefault();
        }}
        onDrop={onDrop}
      >
        <span className="muted">{t('kits.drop')}</span>
        <button type="button" className="btn btn-plain" onClick={() => inputRef.current?.click()}>
          {t('kits.choose')}
        </button>
        <input
          ref={inputRef}
          type="file"
          hidden
          multiple
          accept="image/png,image/jpeg,image/webp"
          onChange={(e) => {
            const files = Array.from(e.currentTarget.files ?? []);
            e.currentTarget.value = '';
            void addFiles(files);
          }}
        />
      </div>
      {items.length > 0 ? (
        <ul className="kit-editor-items" aria-label={t('kits.itemsLabel')}>
          {items.map((i) => (
            <li key={i.blobId} aria-label={i.name}>
              <MediaImg blobId={i.blobId} variant="thumb" alt="" />
              <span>{i.name}</span>
            </li>
          ))}
        </ul>
      ) : null}
      <ErrorText error={error} />
      <div className="form-actions">
        <button type="button" className="btn btn-plain" onClick={onDone}>
          {t('app.cancel')}
        </button>
        <button type="submit" className="btn btn-primary" disabled={busy || items.length === 0}>
          {t('kits.saveButton')}
        </button>
      </div>
    </form>
  );
}
