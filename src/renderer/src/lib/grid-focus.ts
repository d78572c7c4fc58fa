/**
 * The grid's tab stop, for focus that lost its place: the tile holding it (`[data-tile-index]` with `tabindex` 0,
 * see features/gallery/Grid.tsx), or the grid's scroller when that tile is scrolled out of the DOM; null when no
 * grid is on screen.
 */
export function gridTabStop(): HTMLElement | null {
  const grid = document.querySelector<HTMLElement>('.grid-scroll');
  const tile = grid?.querySelector<HTMLElement>('[data-tile-index][tabindex="0"]');
  return tile ?? (grid?.tabIndex === 0 ? grid : null);
}
