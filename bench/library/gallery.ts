/**
 * The gallery in Debian Chromium through the local web host (out/main/web-host.js, the same build a user gets):
 * - open: from a click on the big project (the small one on screen before) to the first screen of thumbnails
 *   decoded (every image intersecting the grid's viewport complete), measured in the page;
 * - cold: from navigation start to the same, on a fresh page that opens straight on the big project;
 * - scroll: the grid scrolled from the top, BENCH_SCROLL_STEP px per frame (default 400), pages fetched as it goes, to its end
 *   or for at most BENCH_SCROLL_FRAMES frames (default 3,600: a minute at 60 Hz, 1.4 million px, about 50,000 images;
 *   a million-image grid would take 40 minutes to the end), frame times from requestAnimationFrame deltas in the
 *   page (p50/p95/max);
 * - memory: the renderer's JS heap after the scroll (CDP `Performance.getMetrics` JSHeapUsedSize).
 */
import type { Page } from 'playwright-core';
import { launchBrowser, startHost } from '../../tests/e2e/harness';
import { type BenchContext, type SectionResult, percentile } from './context';

/** Pixels scrolled per frame (24,000 px/s at 60 Hz: a hard fling, sustained). */
const STEP_PX = Number(process.env['BENCH_SCROLL_STEP'] ?? 400);
/** Frames scrolled at most per pass. */
const MAX_FRAMES = Number(process.env['BENCH_SCROLL_FRAMES'] ?? 3600);

/** Resolves with ms from `start` (page clock) until the first screen of thumbnails in `projectName` is decoded. */
function firstScreen(page: Page, projectName: string, clickFirst: boolean): Promise<number> {
  return page.evaluate(
    ({ name, click }) =>
      new Promise<number>((resolve, reject) => {
        let t0 = 0;
        if (click) {
          const item = [...document.querySelectorAll<HTMLElement>('[role="treeitem"]')].find((e) => e.textContent?.includes(name));
          if (!item) return reject(new Error(`no tree item ${name}`));
          t0 = performance.now();
          item.click();
        }
        const deadline = performance.now() + 60_000;
        const check = (): void => {
          const title = document.querySelector('.gallery-title')?.textContent ?? '';
          const scroller = document.querySelector('.grid-scroll');
          if (title.includes(name) && scroller) {
            const r = scroller.getBoundingClientRect();
            const imgs = [...scroller.querySelectorAll('img')].filter((i) => {
              const b = i.getBoundingClientRect();
              return b.bottom > r.top && b.top < r.bottom;
            });
            if (imgs.length >= 8 && imgs.every((i) => i.complete && i.naturalWidth > 0)) return resolve(performance.now() - t0);
          }
          if (performance.now() > deadline) {
            const imgs = [...document.querySelectorAll('.grid-scroll img')] as HTMLImageElement[];
            return reject(new Error(`first screen never completed: title "${title}", ${imgs.length} images, ${imgs.filter((i) => i.complete && i.naturalWidth > 0).length} decoded`));
          }
          requestAnimationFrame(check);
        };
        requestAnimationFrame(check);
      }),
    { name: projectName, click: clickFirst },
  );
}

/**
 * Scrolls the grid to its real end (every page loaded; a capped total, "10,000+", is not the end) or for `max`
 * frames; returns rAF deltas in ms and the last position reached.
 */
function scrollAll(page: Page): Promise<{ deltas: number[]; items: number }> {
  return page.evaluate(
    ({ step, max }) =>
      new Promise<{ deltas: number[]; items: number }>((resolve, reject) => {
        const s = document.querySelector<HTMLElement>('.grid-scroll');
        if (!s) return reject(new Error('no grid'));
        const deltas: number[] = [];
        let last = performance.now();
        const deadline = last + 15 * 60_000;
        // The position is kept here and only written: reading scrollTop (or the cells) in every frame would force a
        // layout of the rows the grid just rendered, a cost of the measurement, not of the grid. The end is looked
        // for every 30th frame.
        let top = s.scrollTop;
        const reached = (): { pos: number; size: number; end: boolean } => {
          const row = s.querySelector('[role="list"]')?.lastElementChild;
          const lastCell = row?.lastElementChild;
          const pos = Number(lastCell?.getAttribute('aria-posinset') ?? 0);
          const size = Number(lastCell?.getAttribute('aria-setsize') ?? -1);
          return { pos, size, end: s.scrollTop + s.clientHeight >= s.scrollHeight - 2 && pos === size };
        };
        const tick = (now: number): void => {
          deltas.push(now - last);
          last = now;
          if (deltas.length % 30 === 0 || deltas.length >= max) {
            const r = reached();
            if (r.end || deltas.length >= max) return resolve({ deltas, items: r.pos });
            if (now > deadline) return reject(new Error(`scroll did not finish: ${r.pos}/${r.size}`));
            top = s.scrollTop;
          }
          top += step;
          s.scrollTop = top;
          requestAnimationFrame(tick);
        };
        requestAnimationFrame(tick);
      }),
    { step: STEP_PX, max: MAX_FRAMES },
  );
}

/** Runs the gallery measurements (closes the bench's app first: the host opens the same folder). */
export async function gallerySection(ctx: BenchContext): Promise<SectionResult> {
  await ctx.closeApp();
  const host = await startHost(ctx.dataDir, { ATELIER_LOG_LEVEL: 'error' });
  const browser = await launchBrowser();
  try {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-US', colorScheme: 'dark' });
    // tsx (esbuild keepNames) wraps named functions in __name(); the page needs it to run our evaluate callbacks.
    await context.addInitScript('window.__name = (f) => f');
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(host.url);
    // Start on the small project (a user coming from elsewhere), then open the big one.
    await page.getByRole('treeitem', { name: /Small project/ }).click();
    await page.getByRole('heading', { name: 'Small project' }).waitFor();
    await page.getByRole('img').first().waitFor();
    const openMs = await firstScreen(page, 'Bench library', true);

    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    const { deltas, items } = await scrollAll(page);
    // Second pass: every page loaded and every thumbnail cached; what is left is rendering.
    await page.evaluate(() => {
      document.querySelector('.grid-scroll')!.scrollTop = 0;
    });
    await page.waitForTimeout(300);
    const again = (await scrollAll(page)).deltas.slice(1);
    await page.waitForTimeout(500);
    const metrics = (await cdp.send('Performance.getMetrics')).metrics;
    const heap = metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? Number.NaN;
    const heapMb = heap / 1024 / 1024;

    // Cold: a fresh page that opens straight on the big project (the selection is remembered).
    const cold = await context.newPage();
    await cold.goto(host.url);
    const coldMs = await firstScreen(cold, 'Bench library', false);
    if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);

    const frames = deltas.slice(1);
    const p50 = percentile(frames, 50);
    const p95 = percentile(frames, 95);
    const long = frames.filter((f) => f > 17).length;
    return {
      table: [
        'gallery in Chromium (web host, 1440×900, 180 px thumbnails)',
        `  open project → first screen of thumbnails   ${openMs.toFixed(0)} ms   (target ≤ 500 ms)`,
        `  cold page load → first screen               ${coldMs.toFixed(0)} ms`,
        `  scroll the grid (to image ${items}, ${frames.length} frames)   frame p50 ${p50.toFixed(1)} ms   p95 ${p95.toFixed(1)} ms   max ${Math.max(...frames).toFixed(0)} ms   (target p95 ≤ 17 ms)`,
        `  frames longer than one refresh (> 17 ms)   ${long} of ${frames.length} (${((100 * long) / frames.length).toFixed(1)} %; the p95 holds below 5 %)`,
        `  scroll again (all loaded)                  frame p50 ${percentile(again, 50).toFixed(1)} ms   p95 ${percentile(again, 95).toFixed(1)} ms`,
        `  renderer JS heap after the scroll          ${heapMb.toFixed(0)} MB   (target ≤ 300 MB)`,
      ],
      line: { first_paint_ms: openMs.toFixed(0), scroll_p95_ms: p95.toFixed(1), heap_mb: heapMb.toFixed(0) },
    };
  } finally {
    await browser.close();
    await host.stop();
  }
}
