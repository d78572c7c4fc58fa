import * as Slider from '@radix-ui/react-slider';
import { Brush, Eraser, FlipHorizontal2, Trash } from 'lucide-react';
import { useCallback, useEffect, useRef, useState, type PointerEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { mediaUrl } from '../../transport';
import { Modal } from '../../ui/Modal';
import { useChainUi } from '../chains/store';
import { exportMask, invertPaint } from './paint';
import { ariaShortcut, matchesShortcut } from '../../lib/keys';
import './mask.css';

/** The mask editor dialog: paint where the model may change the image. */
export function MaskEditor() {
  const { t } = useTranslation();
  const open = useChainUi((s) => s.maskEditorOpen);
  const setOpen = useChainUi((s) => s.setMaskEditorOpen);
  return (
    <Modal open={open} onOpenChange={setOpen} title={t('mask.title')} description={t('mask.hint')} className="mask-modal">
      {open ? <MaskContent onDone={() => setOpen(false)} /> : null}
    </Modal>
  );
}

const SIZE_MIN = 4;
const SIZE_MAX = 256;

/**
 * Brush and eraser on a canvas the size of the image (its natural pixels), shown over it in translucent red;
 * size, feather (blur of the edge, px), invert, clear. Keys: B brush, E eraser, [ and ] size, I invert.
 * "Use mask" exports a PNG the image's size with alpha 0 where painted (OpenAI's rule) and stages it.
 */
function MaskContent({ onDone }: { onDone(): void }) {
  const { t } = useTranslation();
  const parent = useChainUi((s) => s.parent);
  const saveMask = useChainUi((s) => s.saveMask);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const [tool, setTool] = useState<'brush' | 'eraser'>('brush');
  const [size, setSize] = useState(48);
  const [feather, setFeather] = useState(4);
  const [saving, setSaving] = useState(false);
  const last = useRef<{ x: number; y: number } | null>(null);
  const w = parent?.blob.width ?? 1;
  const h = parent?.blob.height ?? 1;

  useEffect(() => {
    const c = canvasRef.current;
    if (c) c.getContext('2d')?.clearRect(0, 0, c.width, c.height);
  }, [parent?.id]);

  const toCanvas = (e: PointerEvent<HTMLCanvasElement>): { x: number; y: number } => {
    const r = e.currentTarget.getBoundingClientRect();
    return { x: ((e.clientX - r.left) / r.width) * w, y: ((e.clientY - r.top) / r.height) * h };
  };

  const stroke = useCallback(
    (from: { x: number; y: number }, to: { x: number; y: number }) => {
      const ctx = canvasRef.current?.getContext('2d');
      if (!ctx) return;
      ctx.globalCompositeOperation = tool === 'brush' ? 'source-over' : 'destination-out';
      ctx.strokeStyle = 'rgb(255, 64, 64)';
      ctx.lineCap = 'round';
      ctx.lineJoin = 'round';
      ctx.lineWidth = size;
      ctx.beginPath();
      ctx.moveTo(from.x, from.y);
      ctx.lineTo(to.x + 0.01, to.y);
      ctx.stroke();
    },
    [tool, size],
  );

  const clear = (): void => {
    const c = canvasRef.current;
    c?.getContext('2d')?.clearRect(0, 0, c.width, c.height);
  };
  const invert = (): void => {
    if (canvasRef.current) invertPaint(canvasRef.current);
  };

  // The keys work wherever focus is in the dialog (the canvas takes no focus: a click on it leaves focus on the
  // dialog itself), so they listen on the window while the editor is open; the dialog is modal.
  useEffect(() => {
    const onKey = (e: globalThis.KeyboardEvent): void => {
      if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
      const target = e.target instanceof HTMLElement ? e.target : null;
      if (target?.closest('input, textarea, select, [contenteditable="true"]')) return;
      const onSlider = target?.getAttribute('role') === 'slider';
      if (matchesShortcut(e, 'maskSmaller')) setSize((s) => Math.max(SIZE_MIN, s - 8));
      else if (matchesShortcut(e, 'maskLarger')) setSize((s) => Math.min(SIZE_MAX, s + 8));
      else if (onSlider) return;
      else if (matchesShortcut(e, 'maskBrush')) setTool('brush');
      else if (matchesShortcut(e, 'maskEraser')) setTool('eraser');
      else if (matchesShortcut(e, 'maskInvert') && canvasRef.current) invertPaint(canvasRef.current);
      else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const use = async (): Promise<void> => {
    const c = canvasRef.current;
    if (!c) return;
    setSaving(true);
    const dataUrl = exportMask(c, feather);
    const ok = await saveMask(dataUrl.slice(dataUrl.indexOf(',') + 1), dataUrl);
    setSaving(false);
    if (ok) onDone();
  };

  if (!parent) return <p className="muted">{t('mask.noImage')}</p>;
  return (
    <div className="mask-editor">
      <div className="mask-tools" role="toolbar" aria-label={t('mask.tools')}>
        <div className="segmented" role="group" aria-label={t('mask.tool')}>
          <button type="button" className="btn btn-ghost btn-sm" aria-pressed={tool === 'brush'} aria-keyshortcuts={ariaShortcut('maskBrush')} onClick={() => setTool('brush')}>
            <Brush size={14} aria-hidden="true" />
            <span>{t('mask.brush')}</span>
          </button>
          <button type="button" className="btn btn-ghost btn-sm" aria-pressed={tool === 'eraser'} aria-keyshortcuts={ariaShortcut('maskEraser')} onClick={() => setTool('eraser')}>
            <Eraser size={14} aria-hidden="true" />
            <span>{t('mask.eraser')}</span>
          </button>
        </div>
        <label className="mask-slider">
          <span className="field-label">{t('mask.size', { px: size })}</span>
          <Slider.Root className="slider" min={SIZE_MIN} max={SIZE_MAX} step={1} value={[size]} onValueChange={(v) => setSize(v[0] ?? size)}>
            <Slider.Track className="slider-track">
              <Slider.Range className="slider-range" />
            </Slider.Track>
            <Slider.Thumb className="slider-thumb" aria-label={t('mask.brushSize')} aria-keyshortcuts={`${ariaShortcut('maskSmaller')} ${ariaShortcut('maskLarger')}`} />
          </Slider.Root>
        </label>
        <label className="mask-slider">
          <span className="field-label">{t('mask.featherValue', { px: feather })}</span>
          <Slider.Root className="slider" min={0} max={64} step={1} value={[feather]} onValueChange={(v) => setFeather(v[0] ?? feather)}>
            <Slider.Track className="slider-track">
              <Slider.Range className="slider-range" />
            </Slider.Track>
            <Slider.Thumb className="slider-thumb" aria-label={t('mask.feather')} />
          </Slider.Root>
        </label>
        <button type="button" className="btn btn-ghost btn-sm" aria-keyshortcuts={ariaShortcut('maskInvert')} onClick={invert}>
          <FlipHorizontal2 size={14} aria-hidden="true" />
          <span>{t('mask.invert')}</span>
        </button>
        <button type="button" className="btn btn-ghost btn-sm" onClick={clear}>
          <Trash size={14} aria-hidden="true" />
          <span>{t('mask.clear')}</span>
        </button>
      </div>
      <div className="mask-stage" style={{ aspectRatio: `${w} / ${h}`, width: `min(100%, calc((100vh - 300px) * ${w / h}))` }}>
        <img src={mediaUrl(parent.blob.id, 'original')} alt={parent.prompt ?? ''} draggable={false} />
        <canvas
          ref={canvasRef}
          width={w}
          height={h}
          className={`mask-canvas tool-${tool}`}
          aria-label={t('mask.canvas')}
          role="img"
          onPointerDown={(e) => {
            e.currentTarget.setPointerCapture(e.pointerId);
            const p = toCanvas(e);
            last.current = p;
            stroke(p, p);
          }}
          onPointerMove={(e) => {
            if (!last.current) return;
            const p = toCanvas(e);
            stroke(last.current, p);
            last.current = p;
          }}
          onPointerUp={() => (last.current = null)}
          onPointerCancel={() => (last.current = null)}
        />
      </div>
      <div className="modal-foot">
        <span className="muted">{t('mask.sizeNote', { width: w, height: h })}</span>
        <button type="button" className="btn btn-primary" disabled={saving} onClick={() => void use()}>
          {t('mask.use')}
        </button>
      </div>
    </div>
  );
}
