/** The compare view's synchronised zoom and pan (pure math). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_ZOOM,
  MIN_ZOOM,
  actualSize,
  clampPan,
  fitZoom,
  initialView,
  matchScale,
  panBy,
  resolve,
  transformOf,
  wheelFactor,
  zoomAt,
  type ViewState,
} from '../../src/shared/compare-view';

const IMG = { width: 1024, height: 1536 };
const PANE = { width: 400, height: 300 };

describe('compare view math', () => {
  it('fit shows the whole image, centred, never above 1:1', () => {
    expect(fitZoom(IMG, PANE)).toBeCloseTo(300 / 1536);
    expect(fitZoom({ width: 100, height: 50 }, PANE)).toBe(1);
    expect(fitZoom({ width: 0, height: 0 }, PANE)).toBe(1);
    expect(resolve(initialView(), IMG, PANE)).toEqual({ mode: 'fit', zoom: 300 / 1536, panX: 0, panY: 0 });
    expect(transformOf(initialView(), IMG, PANE)).toBe('translate(0px, 0px) scale(0.195)');
  });

  it('1:1 keeps the centre point and sets zoom to 1; fit comes back to the fit zoom', () => {
    const one = actualSize(initialView(), IMG, PANE);
    expect(one).toEqual({ mode: 'free', zoom: 1, panX: 0, panY: 0 });
    const moved = panBy(one, IMG, PANE, 50, -20);
    const z = zoomAt(moved, IMG, PANE, 0.5, { x: 0, y: 0 });
    // The image point at the centre stays at the centre through 1:1.
    const back = actualSize(z, IMG, PANE);
    expect(back.zoom).toBe(1);
    expect(back.panX).toBeCloseTo(50);
    expect(back.panY).toBeCloseTo(-20);
    expect(resolve({ ...back, mode: 'fit' }, IMG, PANE).zoom).toBeCloseTo(fitZoom(IMG, PANE));
  });

  it('zooming at a point keeps the image point under the cursor', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.05, max: 4, noNaN: true }),
        fc.double({ min: -150, max: 150, noNaN: true }),
        fc.double({ min: -150, max: 150, noNaN: true }),
        fc.double({ min: 0.5, max: 2, noNaN: true }),
        (zoom, x, y, factor) => {
          const v: ViewState = { mode: 'free', zoom, panX: 0, panY: 0 };
          const next = zoomAt(v, IMG, PANE, factor, { x, y });
          const before = { u: (x - v.panX) / v.zoom, w: (y - v.panY) / v.zoom };
          const unclamped = next.zoom === Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, zoom * factor));
          const after = { u: (x - next.panX) / next.zoom, w: (y - next.panY) / next.zoom };
          // Inside the pan limits the point does not move.
          if (unclamped && clampPan(next, IMG, PANE) === next) {
            expect(after.u).toBeCloseTo(before.u, 6);
            expect(after.w).toBeCloseTo(before.w, 6);
          }
          expect(next.zoom).toBeGreaterThanOrEqual(MIN_ZOOM);
          expect(next.zoom).toBeLessThanOrEqual(MAX_ZOOM);
        },
      ),
    );
  });

  it('wheel: a notch up zooms in by 1.2, down zooms out; zoom stays in its limits', () => {
    expect(wheelFactor(-100)).toBeCloseTo(1.2);
    expect(wheelFactor(100)).toBeCloseTo(1 / 1.2);
    let v = initialView();
    for (let i = 0; i < 100; i++) v = zoomAt(v, IMG, PANE, wheelFactor(-100), { x: 0, y: 0 });
    expect(v.zoom).toBe(MAX_ZOOM);
    for (let i = 0; i < 200; i++) v = zoomAt(v, IMG, PANE, wheelFactor(100), { x: 0, y: 0 });
    expect(v.zoom).toBe(MIN_ZOOM);
  });

  it('a drag pans, leaves fit mode, and cannot push the image out of the pane', () => {
    const v = panBy(initialView(), IMG, PANE, 10, 5);
    expect(v).toMatchObject({ mode: 'free', panX: 10, panY: 5 });
    const far = panBy(actualSize(v, IMG, PANE), IMG, PANE, 1e6, -1e6);
    expect(far.panX).toBe(512 + 200 - 16);
    expect(far.panY).toBe(-(768 + 150 - 16));
  });

  it('one state drives every pane: the same transform, scaled to the reference footprint', () => {
    const v = zoomAt(initialView(), IMG, PANE, 2, { x: 30, y: 10 });
    const t = transformOf(v, IMG, PANE);
    expect(t).toMatch(/^translate\(-?\d+(\.\d+)?px, -?\d+(\.\d+)?px\) scale\(\d+(\.\d+)?\)$/);
    expect(matchScale(IMG, { width: 2048, height: 3072 })).toBe(0.5);
    expect(matchScale(IMG, IMG)).toBe(1);
    expect(matchScale(IMG, { width: 0, height: 1 })).toBe(1);
  });
});
