/**
 * Canvas helpers of the mask editor. The paint canvas holds what the user painted (any colour, alpha = painted);
 * the exported mask follows OpenAI's rule (https://platform.openai.com/docs/api-reference/images/createEdit `mask`):
 * a PNG the image's size, alpha 0 where to edit,
 * opaque elsewhere.
 */

/** Replaces the painted area by its complement (painted ⇄ unpainted). */
export function invertPaint(paint: HTMLCanvasElement): void {
  const ctx = paint.getContext('2d');
  if (!ctx) return;
  const copy = document.createElement('canvas');
  copy.width = paint.width;
  copy.height = paint.height;
  copy.getContext('2d')?.drawImage(paint, 0, 0);
  ctx.save();
  ctx.globalCompositeOperation = 'source-over';
  ctx.fillStyle = 'rgb(255, 64, 64)';
  ctx.fillRect(0, 0, paint.width, paint.height);
  ctx.globalCompositeOperation = 'destination-out';
  ctx.drawImage(copy, 0, 0);
  ctx.restore();
}

/**
 * The mask as a PNG data URL: opaque black, with the painted area cut out (alpha 0), its edge blurred by
 * `featherPx` (image px) so the model blends the seam.
 */
export function exportMask(paint: HTMLCanvasElement, featherPx: number): string {
  const out = document.createElement('canvas');
  out.width = paint.width;
  out.height = paint.height;
  const ctx = out.getContext('2d');
  if (!ctx) throw new Error('no 2D canvas');
  ctx.fillStyle = '#000';
  ctx.fillRect(0, 0, out.width, out.height);
  ctx.globalCompositeOperation = 'destination-out';
  if (featherPx > 0) ctx.filter = `blur(${featherPx}px)`;
  ctx.drawImage(paint, 0, 0);
  return out.toDataURL('image/png');
}
