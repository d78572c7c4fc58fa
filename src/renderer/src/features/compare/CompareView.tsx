import * as Dialog from '@radix-ui/react-dialog';
import * as Slider from '@radix-ui/react-slider';
import { BarChart3, EyeOff, X } from 'lucide-react';
import { useEffect, useMemo, useState, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { actualSize, initialView, type Size } from '@shared/compare-view';
import type { CompareItemView } from '@shared/contracts/compare';
import { describeError } from '../../i18n/format';
import { call, mediaUrl } from '../../transport';
import { ErrorText } from '../../ui/ErrorText';
import { Caption } from './Caption';
import { slotLetter } from './labels';
import { Pane, type Layer } from './Pane';
import { useCompare, type CompareMode } from './store';
import './compare.css';
import { ariaShortcut, matchesShortcut } from '../../lib/keys';

const MODES: CompareMode[] = ['side', 'slider', 'diff', 'blink'];
const BLINK_OPTIONS = [300, 600, 1000, 2000];

const sizeOf = (item: CompareItemView | undefined): Size =>
  item?.blob ? { width: item.blob.width, height: item.blob.height } : { width: 1, height: 1 };

/**
 * The compare view (full window): 2–4 images side by side with one zoom and pan, an A/B slider, |A−B| and
 * blink for a pair; blind mode hides labels (and keeps the seeded shuffle) until a winner is picked.
 */
export function CompareView() {
  const { t } = useTranslation();
  const setId = useCompare((s) => s.setId);
  const set = useCompare((s) => s.set);
  const error = useCompare((s) => s.error);
  const mode = useCompare((s) => s.mode);
  const view = useCompare((s) => s.view);
  const focus = useCompare((s) => s.focus);
  const busy = useCompare((s) => s.busy);
  const st = useCompare.getState;

  const items = useMemo(() => set?.items ?? [], [set]);
  const hidden = set?.labelsHidden ?? false;
  const reference = sizeOf(items.find((i) => i.blob));
  const a = items[focus];
  const b = items.length > 1 ? items[(focus + 1) % items.length] : undefined;

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>): void => {
    const target = e.target as HTMLElement;
    if (target.closest('input, select, textarea, [role="slider"]') || e.ctrlKey || e.metaKey || e.altKey) return;
    const k = e.key;
    if (matchesShortcut(e, 'compareNext')) st().setFocus(focus + 1);
    else if (matchesShortcut(e, 'comparePrevious')) st().setFocus(focus - 1);
    else if (matchesShortcut(e, 'comparePick') && Number(k) <= items.length) void st().pick(Number(k) - 1);
    else if (matchesShortcut(e, 'compareBlind')) void st().toggleBlind();
    else if (matchesShortcut(e, 'compareActualSize')) st().setView(actualSize(view, reference, paneGuess()));
    else if (matchesShortcut(e, 'compareFit')) st().setView(initialView());
    else return;
    e.preventDefault();
  };

  return (
    <Dialog.Root open={setId !== null} onOpenChange={(o) => !o && st().close()}>
      <Dialog.Portal>
        <Dialog.Content className="cmp" onKeyDown={onKeyDown} aria-describedby="cmp-hint">
          <Dialog.Title className="sr-only">{t('compare.title')}</Dialog.Title>
          <div className="cmp-bar">
            <div className="segmented" role="group" aria-label={t('compare.modeLabel')}>
              {MODES.map((m) => (
                <button
                  key={m}
                  type="button"
                  className="btn btn-ghost"
                  aria-pressed={mode === m}
                  disabled={m !== 'side' && items.length < 2}
                  onClick={() => st().setMode(m)}
                >
                  {t(`compare.mode.${m}`)}
                </button>
              ))}
            </div>
            <div className="segmented" role="group" aria-label={t('viewer.zoom')}>
              <button
                type="button"
                className="btn btn-ghost"
                aria-pressed={view.mode === 'fit'}
                aria-keyshortcuts={ariaShortcut('compareFit')}
                onClick={() => st().setView(initialView())}
              >
                {t('viewer.fit')}
              </button>
              <button
                type="button"
                className="btn btn-ghost"
                aria-keyshortcuts={ariaShortcut('compareActualSize')}
                aria-pressed={view.mode === 'free' && Math.abs(view.zoom - 1) < 1e-9}
                onClick={() => st().setView(actualSize(view, reference, paneGuess()))}
              >
                {t('viewer.actual')}
              </button>
            </div>
            {mode === 'blink' ? (
              <label className="cmp-blink">
                <span>{t('compare.blinkEvery')}</span>
                <select
                  className="select"
                  value={useCompare.getState().blinkMs}
                  onChange={(e) => st().setBlinkMs(Number(e.target.value))}
                >
                  {BLINK_OPTIONS.map((ms) => (
                    <option key={ms} value={ms}>
                      {t('compare.ms', { ms })}
                    </option>
                  ))}
                </select>
              </label>
            ) : null}
            <div className="spacer" />
            <button
              type="button"
              className="btn btn-ghost"
              aria-pressed={set?.blind ?? false}
              aria-keyshortcuts={ariaShortcut('compareBlind')}
              disabled={!set || busy}
              onClick={() => void st().toggleBlind()}
            >
              <EyeOff size={16} aria-hidden="true" /> <span>{t('compare.blind')}</span>
            </button>
            <button type="button" className="btn btn-ghost" onClick={() => st().setStatsOpen(true)}>
              <BarChart3 size={16} aria-hidden="true" /> <span>{t('compare.stats')}</span>
            </button>
            <Dialog.Close asChild>
              <button type="button" className="btn btn-ghost btn-icon" aria-label={t('compare.close')}>
                <X size={18} aria-hidden="true" />
              </button>
            </Dialog.Close>
          </div>

          {set?.prompt ? <p className="cmp-prompt">{set.prompt}</p> : null}
          {hidden ? <p className="cmp-blind-note">{t('compare.blindNote')}</p> : null}
          <ErrorText error={error} />

          {set ? (
            mode === 'side' || items.length < 2 ? (
              <SideBySide items={items} focus={focus} hidden={hidden} reference={reference} />
            ) : (
              <PairView mode={mode} a={a!} b={b!} reference={reference} hidden={hidden} />
            )
          ) : (
            <div className="cmp-loading muted">{t('gallery.loading')}</div>
          )}

          {set ? (
            <div className={`cmp-captions cols-${mode === 'side' ? Math.min(items.length, items.length === 4 ? 4 : 3) : 2}`}>
              {(mode === 'side' || items.length < 2 ? items : [a!, b!]).map((item) => (
                <Caption key={item.id} item={item} hidden={hidden} busy={busy} onPick={() => void st().pick(item.slot)} />
              ))}
            </div>
          ) : null}
          <p id="cmp-hint" className="cmp-hint muted">
            {t('compare.shortcuts')}
          </p>
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
}

/** The size of the first pane, for 1:1 about the centre (the math needs it only to resolve `fit`). */
function paneGuess(): Size {
  const el = document.querySelector('.cmp-pane');
  const r = el?.getBoundingClientRect();
  return r ? { width: r.width, height: r.height } : { width: 800, height: 600 };
}

function SideBySide({ items, focus, hidden, reference }: { items: CompareItemView[]; focus: number; hidden: boolean; reference: Size }) {
  const { t } = useTranslation();
  const view = useCompare((s) => s.view);
  const setView = useCompare((s) => s.setView);
  const setFocus = useCompare((s) => s.setFocus);
  const restore = useCompare((s) => s.restore);
  const busy = useCompare((s) => s.busy);
  return (
    <div className={`cmp-grid n-${items.length}`} role="list" aria-label={t('compare.images')}>
      {items.map((item) => {
        const letter = slotLetter(item.slot);
        const name = hidden || !item.details?.model ? t('compare.imageLabel', { letter }) : `${letter}: ${item.details.model}`;
        return (
          <div
            key={item.id}
            role="listitem"
            className={`cmp-cell${item.slot === focus ? ' is-focus' : ''}`}
            aria-current={item.slot === focus ? 'true' : undefined}
            onPointerDown={() => setFocus(item.slot)}
          >
            <span className="cmp-cell-letter" aria-hidden="true">
              {letter}
            </span>
            {item.blob ? (
              <Pane
                label={name}
                reference={reference}
                view={view}
                onView={setView}
                layers={[{ key: item.id, src: mediaUrl(item.blob.id, 'original'), alt: name, size: sizeOf(item) }]}
              />
            ) : item.trashedAssetId ? (
              <div className="cmp-pane cmp-pending cmp-trashed" role="group" aria-label={name}>
                <span className="muted">{t('compare.inTrash')}</span>
                <button type="button" className="btn btn-plain btn-small" disabled={busy} onClick={() => void restore(item.slot)}>
                  {t('compare.restoreImage', { letter })}
                </button>
              </div>
            ) : (
              <div className="cmp-pane cmp-pending" role="img" aria-label={name}>
                {item.error ? (
                  <span className="error-text">{describeError(t, item.error)}</span>
                ) : (
                  <span className="muted">
                    {item.state ? t(`jobState.${item.state}`) : ''}
                    {item.progress !== null ? ` · ${item.progress}%` : ''}
                  </span>
                )}
              </div>
            )}
          </div>
        );
      })}
    </div>
  );
}

function PairView({ mode, a, b, reference, hidden }: { mode: CompareMode; a: CompareItemView; b: CompareItemView; reference: Size; hidden: boolean }) {
  const { t } = useTranslation();
  const view = useCompare((s) => s.view);
  const setView = useCompare((s) => s.setView);
  const blinkMs = useCompare((s) => s.blinkMs);
  const [split, setSplit] = useState(50);
  const [showB, setShowB] = useState(false);
  const [diff, setDiff] = useState<{ key: string; dataUrl: string; mean: number; share: number } | { key: string; error: string } | null>(null);
  const la = slotLetter(a.slot);
  const lb = slotLetter(b.slot);
  const nameOf = (item: CompareItemView, l: string): string =>
    hidden || !item.details?.model ? t('compare.imageLabel', { letter: l }) : `${l}: ${item.details.model}`;
  const diffKey = a.blob && b.blob ? `${a.blob.id}:${b.blob.id}` : null;

  useEffect(() => {
    if (mode !== 'blink') return;
    const timer = window.setInterval(() => setShowB((v) => !v), blinkMs);
    return () => window.clearInterval(timer);
  }, [mode, blinkMs]);

  useEffect(() => {
    if (mode !== 'diff' || !diffKey || !a.blob || !b.blob) return;
    let live = true;
    call('compare.diff', { a: a.blob.id, b: b.blob.id, gain: 4 })
      .then((r) => live && setDiff({ key: diffKey, dataUrl: r.dataUrl, mean: r.meanDelta, share: r.changedShare }))
      .catch((err: unknown) => live && setDiff({ key: diffKey, error: describeError(t, err) }));
    return () => {
      live = false;
    };
  }, [mode, diffKey, a.blob, b.blob, t]);

  if (!a.blob || !b.blob) return <div className="cmp-loading muted">{t('compare.pairNotReady')}</div>;
  const layerA: Layer = { key: `a-${a.id}`, src: mediaUrl(a.blob.id, 'original'), alt: nameOf(a, la), size: sizeOf(a) };
  const layerB: Layer = { key: `b-${b.id}`, src: mediaUrl(b.blob.id, 'original'), alt: nameOf(b, lb), size: sizeOf(b) };

  if (mode === 'slider') {
    return (
      <div className="cmp-single">
        <Pane
          label={t('compare.sliderPane', { a: la, b: lb })}
          reference={reference}
          view={view}
          onView={setView}
          layers={[layerB, { ...layerA, wrapStyle: { clipPath: `inset(0 ${100 - split}% 0 0)` } }]}
          overlay={<div className="cmp-divider" style={{ left: `${split}%` }} aria-hidden="true" />}
        />
        <div className="cmp-slider-row">
          <span aria-hidden="true">{la}</span>
          <Slider.Root className="slider cmp-slider" min={0} max={100} step={1} value={[split]} onValueChange={(v) => setSplit(v[0] ?? 50)}>
            <Slider.Track className="slider-track">
              <Slider.Range className="slider-range" />
            </Slider.Track>
            <Slider.Thumb className="slider-thumb" aria-label={t('compare.sliderLabel', { a: la, b: lb })} />
          </Slider.Root>
          <span aria-hidden="true">{lb}</span>
        </div>
      </div>
    );
  }
  if (mode === 'diff') {
    const d = diff && diff.key === diffKey ? diff : null;
    return (
      <div className="cmp-single">
        {d && 'dataUrl' in d ? (
          <>
            <Pane
              label={t('compare.diffPane', { a: la, b: lb })}
              reference={reference}
              view={view}
              onView={setView}
              layers={[{ key: 'diff', src: d.dataUrl, alt: t('compare.diffPane', { a: la, b: lb }), size: sizeOf(a) }]}
            />
            <p className="muted cmp-diff-stats">
              {t('compare.diffStats', { mean: d.mean.toFixed(1), share: Math.round(d.share * 100) })}
            </p>
          </>
        ) : d && 'error' in d ? (
          <p className="error-text">{d.error}</p>
        ) : (
          <div className="cmp-loading muted">{t('compare.diffLoading')}</div>
        )}
      </div>
    );
  }
  return (
    <div className="cmp-single">
      <Pane
        label={t('compare.blinkPane', { a: la, b: lb })}
        reference={reference}
        view={view}
        onView={setView}
        layers={[layerA, { ...layerB, hidden: !showB }]}
        overlay={
          <span className="cmp-blink-badge" aria-live="off">
            {showB ? lb : la}
          </span>
        }
      />
    </div>
  );
}
