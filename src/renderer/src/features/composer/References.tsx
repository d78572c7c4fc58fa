import { ArrowLeft, ArrowRight, ImagePlus, Loader2, X } from 'lucide-react';
import { useEffect, useRef, useState, type DragEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { describeError } from '../../i18n/format';
import { useCapability, useComposer, type RefError, type RefItem } from '../../store/composer';
import { MediaImg } from '../../ui/MediaImg';
import { ASSET_DRAG } from '../chains/store';
import { addAssetInput, isAssetDrag } from '../chains/inputs';

const REF_DRAG = 'application/x-atelier-reference';
const ACCEPT = 'image/png,image/jpeg,image/webp';

/**
 * Reference images: drop files here or pick them; each becomes a chip that can be reordered (drag, or the
 * Move left / Move right buttons) and removed. Refused files are listed here, naming the file and the reason.
 */
export function References() {
  const { t } = useTranslation();
  const references = useComposer((s) => s.references);
  const refErrors = useComposer((s) => s.refErrors);
  const cap = useCapability();
  const addFiles = useComposer((s) => s.addFiles);
  const moveRef = useComposer((s) => s.moveRef);
  const removeRef = useComposer((s) => s.removeRef);
  const dismissRefError = useComposer((s) => s.dismissRefError);
  const inputRef = useRef<HTMLInputElement>(null);
  const addRef = useRef<HTMLButtonElement>(null);
  const listRef = useRef<HTMLUListElement>(null);
  const [dropping, setDropping] = useState(false);
  const [dragFrom, setDragFrom] = useState<number | null>(null);
  const pendingFocus = useRef<{ key: string; action: string } | null>(null);

  useEffect(() => {
    const want = pendingFocus.current;
    if (!want) return;
    pendingFocus.current = null;
    const chip = listRef.current?.querySelector<HTMLElement>(`[data-ref-key="${want.key}"]`);
    const button =
      chip?.querySelector<HTMLButtonElement>(`[data-action="${want.action}"]:not(:disabled)`) ??
      chip?.querySelector<HTMLButtonElement>('button:not(:disabled)');
    (button ?? addRef.current)?.focus();
  });

  const hasFiles = (e: DragEvent): boolean => Array.from(e.dataTransfer.types).includes('Files');

  const onDrop = (e: DragEvent<HTMLDivElement>): void => {
    setDropping(false);
    // An image dragged from the gallery or the chain view: its bytes are already in the library.
    if (isAssetDrag(Array.from(e.dataTransfer.types))) {
      e.preventDefault();
      void addAssetInput(e.dataTransfer.getData(ASSET_DRAG));
      return;
    }
    if (!hasFiles(e)) return;
    e.preventDefault();
    void addFiles(Array.from(e.dataTransfer.files));
  };

  const move = (item: RefItem, from: number, to: number, action: string): void => {
    pendingFocus.current = { key: item.key, action };
    moveRef(from, to);
  };

  const remove = (index: number): void => {
    const neighbour = references[index + 1] ?? references[index - 1];
    pendingFocus.current = neighbour ? { key: neighbour.key, action: 'remove' } : null;
    removeRef(references[index]!.key);
    if (!neighbour) addRef.current?.focus();
  };

  return (
    <div
      role="group"
      aria-label={t('composer.references')}
      className={`refs${dropping ? ' is-dropping' : ''}`}
      onDragOver={(e) => {
        if (!hasFiles(e) && !isAssetDrag(Array.from(e.dataTransfer.types))) return;
        e.preventDefault();
        e.dataTransfer.dropEffect = 'copy';
        setDropping(true);
      }}
      onDragLeave={(e) => {
        if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setDropping(false);
      }}
      onDrop={onDrop}
    >
      <div className="refs-row">
        {references.length > 0 ? (
          <ul ref={listRef} className="ref-chips" aria-label={t('composer.referenceList')}>
            {references.map((item, i) => (
              <li
                key={item.key}
                data-ref-key={item.key}
                aria-label={item.name}
                className={`ref-chip${dragFrom === i ? ' is-dragging' : ''}`}
                draggable
                onDragStart={(e) => {
                  e.dataTransfer.setData(REF_DRAG, String(i));
                  e.dataTransfer.effectAllowed = 'move';
                  setDragFrom(i);
                }}
                onDragEnd={() => setDragFrom(null)}
                onDragOver={(e) => {
                  if (Array.from(e.dataTransfer.types).includes(REF_DRAG)) {
                    e.preventDefault();
                    e.dataTransfer.dropEffect = 'move';
                  }
                }}
                onDrop={(e) => {
                  const raw = e.dataTransfer.getData(REF_DRAG);
                  if (raw === '') return;
                  e.preventDefault();
                  e.stopPropagation();
                  moveRef(Number(raw), i);
                  setDragFrom(null);
                }}
              >
                {item.previewUrl || !item.staged ? (
                  <img src={item.previewUrl ?? undefined} alt={item.name} draggable={false} />
                ) : (
                  <MediaImg blobId={item.staged.id} variant="thumb" alt={item.name} draggable={false} />
                )}
                <span className="ref-name" title={item.name}>
                  {item.name}
                </span>
                {item.staged ? null : (
                  <span className="ref-staging" role="status">
                    <Loader2 size={12} className="spin" aria-hidden="true" /> {t('composer.staging')}
                  </span>
                )}
                <span className="ref-actions">
                  <button
                    type="button"
                    className="btn btn-ghost btn-icon btn-xs"
                    aria-label={t('composer.moveLeft')}
                    data-action="left"
                    disabled={i === 0}
                    onClick={() => move(item, i, i - 1, 'left')}
                  >
                    <ArrowLeft size={12} aria-hidden="true" />
                  </button>
                  <button
                    type="button"
                    className="btn btn-ghost btn-icon btn-xs"
                    aria-label={t('composer.moveRight')}
                    data-action="right"
                    disabled={i === references.length - 1}
                    onClick={() => move(item, i, i + 1, 'right')}
                  >
                    <ArrowRight size={12} aria-hidden="true" />
                  </button>
                  <button
                    type="button"
                    className="btn btn-ghost btn-icon btn-xs"
                    aria-label={t('composer.remove', { name: item.name })}
                    data-action="remove"
                    onClick={() => remove(i)}
                  >
                    <X size={12} aria-hidden="true" />
                  </button>
                </span>
              </li>
            ))}
          </ul>
        ) : null}
        <div className="dropzone">
          <span className="muted">{t('composer.dropHint')}</span>
          <button ref={addRef} type="button" className="btn btn-plain btn-sm" onClick={() => inputRef.current?.click()}>
            <ImagePlus size={14} aria-hidden="true" />
            <span>{t('composer.addReferences')}</span>
          </button>
          <span className="muted refs-count">
            {t('composer.referencesCount', { count: references.length, max: cap.maxReferenceImages })}
          </span>
          <input
            ref={inputRef}
            type="file"
            multiple
            accept={ACCEPT}
            hidden
            onChange={(e) => {
              const files = Array.from(e.target.files ?? []);
              e.target.value = '';
              if (files.length) void addFiles(files);
            }}
          />
        </div>
      </div>
      {refErrors.length > 0 ? (
        <ul className="ref-errors" aria-label={t('composer.refused')}>
          {refErrors.map((err) => (
            <li key={err.key} className="ref-error" role="alert">
              <span>{refErrorText(t, err)}</span>
              <button
                type="button"
                className="btn btn-ghost btn-icon btn-xs"
                aria-label={t('app.dismiss')}
                onClick={() => dismissRefError(err.key)}
              >
                <X size={12} aria-hidden="true" />
              </button>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

function refErrorText(t: ReturnType<typeof useTranslation>['t'], err: RefError): string {
  if (err.kind === 'tooMany') return t('composer.tooManyReferences', { name: err.name, max: err.max });
  return describeError(t, err.error, err.name);
}
