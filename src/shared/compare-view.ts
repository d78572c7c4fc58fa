/**
 * The compare view's synchronised view state, pure (in shared/ so the renderer and the unit tests use one
 * module): one zoom and one pan shared by every pane, so zooming or dragging one image moves the others alike.
 *
 * Units: `zoom` is screen px per image px (1 = 1:1 pixels). `panX`/`panY` are the offset, in screen px, of the
 * image's centre from the pane's centre. Every pane has the same size (the panes of a row are equal) and images
 * are compared at the scale of the first (reference) image, so one state maps every pane. `mode` `fit` means
 * the zoom follows the pane size (the image fits, centred); any wheel or drag switches to `free`.
 */

/** Pane size in CSS px. */
export interface Size {
  width: number;
  height: number;
}

/** The state every pane shares. */
export interface ViewState {
  mode: 'fit' | 'free';
  zoom: number;
  panX: number;
  panY: number;
}

/** Zoom limits: 1/32 to 32 screen px per image px. */
export const MIN_ZOOM = 1 / 32;
export const MAX_ZOOM = 32;
/** Zoom factor of one wheel notch (deltaY of 100). */
export const WHEEL_STEP = 1.2;

/** The starting state: fit. */
export const initialView = (): ViewState => ({ mode: 'fit', zoom: 1, panX: 0, panY: 0 });

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

/**
 * The zoom at which `image` fits inside `pane` (never above 1: small images are shown at 1:1, not blown up).
 * @returns screen px per image px; 1 when either size is empty
 */
export function fitZoom(image: Size, pane: Size): number {
  if (image.width <= 0 || image.height <= 0 || pane.width <= 0 || pane.height <= 0) return 1;
  return Math.min(1, pane.width / image.width, pane.height / image.height);
}

/** The state once `mode` is resolved: fit gives the fit zoom and no pan. */
export function resolve(view: ViewState, image: Size, pane: Size): ViewState {
  return view.mode === 'fit' ? { mode: 'fit', zoom: fitZoom(image, pane), panX: 0, panY: 0 } : view;
}

/**
 * Keeps the image from leaving the pane: the pan is limited so that at least the middle of the pane still shows
 * some image (a pan beyond the image's half size plus the pane's half size is clamped).
 */
export function clampPan(view: ViewState, image: Size, pane: Size): ViewState {
  const maxX = (image.width * view.zoom) / 2 + pane.width / 2 - 16;
  const maxY = (image.height * view.zoom) / 2 + pane.height / 2 - 16;
  return { ...view, panX: clamp(view.panX, -Math.max(0, maxX), Math.max(0, maxX)), panY: clamp(view.panY, -Math.max(0, maxY), Math.max(0, maxY)) };
}

/**
 * Zooms by `factor` keeping the image point under the cursor where it is.
 * @param at cursor position relative to the pane's centre, screen px
 */
export function zoomAt(view: ViewState, image: Size, pane: Size, factor: number, at: { x: number; y: number }): ViewState {
  const cur = resolve(view, image, pane);
  const zoom = clamp(cur.zoom * factor, MIN_ZOOM, MAX_ZOOM);
  const k = zoom / cur.zoom;
  // The image point under the cursor is (at − pan) / zoom; keep it under the cursor after zooming.
  const next: ViewState = { mode: 'free', zoom, panX: at.x - (at.x - cur.panX) * k, panY: at.y - (at.y - cur.panY) * k };
  return clampPan(next, image, pane);
}

/** The zoom factor of a wheel event (`deltaY` in px; negative zooms in). */
export const wheelFactor = (deltaY: number): number => Math.pow(WHEEL_STEP, -deltaY / 100);

/** Moves the image by a drag of (dx, dy) screen px. */
export function panBy(view: ViewState, image: Size, pane: Size, dx: number, dy: number): ViewState {
  const cur = resolve(view, image, pane);
  return clampPan({ ...cur, mode: 'free', panX: cur.panX + dx, panY: cur.panY + dy }, image, pane);
}

/**
 * 1:1 pixels, keeping the image point at the pane's centre where it is (what was in the middle stays there).
 */
export function actualSize(view: ViewState, image: Size, pane: Size): ViewState {
  const cur = resolve(view, image, pane);
  return zoomAt(cur, image, pane, 1 / cur.zoom, { x: 0, y: 0 });
}

/**
 * The CSS transform of an image of `image` px in a pane, centred by the pane (the element is laid out at its
 * natural size with its centre at the pane's centre): `translate(panX, panY) scale(zoom)`.
 */
export function transformOf(view: ViewState, image: Size, pane: Size): string {
  const v = resolve(view, image, pane);
  const r = (n: number): number => Math.round(n * 1000) / 1000;
  return `translate(${r(v.panX)}px, ${r(v.panY)}px) scale(${r(v.zoom)})`;
}

/**
 * The scale of another image so that it covers the reference image's footprint: images of different pixel
 * sizes are compared at the same on-screen size (a 2048 px and a 1024 px render of the same scene line up).
 * @returns factor applied on top of the shared zoom for `other` (1 when sizes match)
 */
export function matchScale(reference: Size, other: Size): number {
  if (other.width <= 0 || other.height <= 0 || reference.width <= 0 || reference.height <= 0) return 1;
  return Math.min(reference.width / other.width, reference.height / other.height);
}

/** Zoom as a percentage for display, e.g. 0.5 → 50. */
export const zoomPercent = (view: ViewState, image: Size, pane: Size): number => Math.round(resolve(view, image, pane).zoom * 100);
