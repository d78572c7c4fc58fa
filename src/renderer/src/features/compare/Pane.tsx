import { useEffect, useRef, useState, type CSSProperties, type ReactNode } from 'react';
import { matchScale, panBy, resolve, wheelFactor, zoomAt, type Size, type ViewState } from '@shared/compare-view';

/** One image layer of a pane: its pixel size and what to draw. */
export interface Layer {
  key: string;
  src: string;
  alt: string;
  size: Size;
  /** Extra style on the layer's wrapper (the slider's clip). */
  wrapStyle?: CSSProperties;
  hidden?: boolean;
}

interface PaneProps {
  layers: Layer[];
  /** The size every image is matched to (the first image of the set). */
  reference: Size;
  view: ViewState;
  onView(view: ViewState): void;
  label: string;
  /** Drawn on top (the slider's divider). */
  overlay?: ReactNode;
  className?: string;
}

/** The pane's size in CSS px, followed with a ResizeObserver. */
function usePaneSize(ref: React.RefObject<HTMLDivElement | null>): Size {
  const [size, setSize] = useState<Size>({ width: 0, height: 0 });
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const ro = new ResizeObserver(([entry]) => {
      if (entry) setSize({ width: entry.contentRect.width, height: entry.contentRect.height });
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, [ref]);
  return size;
}

/**
 * A pane of the compare view: every layer drawn with the one shared zoom and pan (wheel zooms at the cursor, drag
 * pans), each image scaled to the reference image's footprint so different pixel sizes line up.
 */
export function Pane({ layers, reference, view, onView, label, overlay, className }: PaneProps) {
  const ref = useRef<HTMLDivElement>(null);
  const pane = usePaneSize(ref);
  const drag = useRef<{ x: number; y: number; id: number } | null>(null);
  const latest = useRef({ view, pane, reference, onView });
  useEffect(() => {
    latest.current = { view, pane, reference, onView };
  });

  // Wheel needs a non-passive listener to keep the page from scrolling.
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const onWheel = (e: WheelEvent): void => {
      e.preventDefault();
      const { view: v, pane: p, reference: r, onView: set } = latest.current;
      const box = el.getBoundingClientRect();
      const at = { x: e.clientX - box.left - box.width / 2, y: e.clientY - box.top - box.height / 2 };
      set(zoomAt(v, r, p, wheelFactor(e.deltaMode === 1 ? e.deltaY * 33 : e.deltaY), at));
    };
    el.addEventListener('wheel', onWheel, { passive: false });
    return () => el.removeEventListener('wheel', onWheel);
  }, []);

  const v = resolve(view, reference, pane);
  return (
    <div
      ref={ref}
      className={`cmp-pane${className ? ` ${className}` : ''}`}
      role="img"
      aria-label={label}
      data-zoom={v.zoom.toFixed(4)}
      data-pan={`${v.panX.toFixed(1)},${v.panY.toFixed(1)}`}
      onPointerDown={(e) => {
        if (e.button !== 0) return;
        e.currentTarget.setPointerCapture(e.pointerId);
        drag.current = { x: e.clientX, y: e.clientY, id: e.pointerId };
      }}
      onPointerMove={(e) => {
        const d = drag.current;
        if (!d || d.id !== e.pointerId) return;
        const dx = e.clientX - d.x;
        const dy = e.clientY - d.y;
        if (dx === 0 && dy === 0) return;
        drag.current = { ...d, x: e.clientX, y: e.clientY };
        onView(panBy(view, reference, pane, dx, dy));
      }}
      onPointerUp={() => (drag.current = null)}
      onPointerCancel={() => (drag.current = null)}
    >
      {pane.width > 0
        ? layers.map((l) => {
            const s = v.zoom * matchScale(reference, l.size);
            return (
              <div key={l.key} className="cmp-layer" style={{ ...l.wrapStyle, visibility: l.hidden ? 'hidden' : undefined }}>
                <img
                  src={l.src}
                  alt={l.alt}
                  draggable={false}
                  className="cmp-img"
                  width={l.size.width}
                  height={l.size.height}
                  style={{
                    marginLeft: -l.size.width / 2,
                    marginTop: -l.size.height / 2,
                    transform: `translate(${round(v.panX)}px, ${round(v.panY)}px) scale(${round(s)})`,
                    imageRendering: s >= 2 ? 'pixelated' : 'auto',
                  }}
                />
              </div>
            );
          })
        : null}
      {overlay}
    </div>
  );
}

const round = (n: number): number => Math.round(n * 1000) / 1000;
