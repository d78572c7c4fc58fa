/**
 * Issue 13, "a batch from a pasted table in three languages", end to end as a person would: the built app in the
 * local web host, Debian Chromium, the Apiframe test server. A key set in Settings; a poster template with a
 * headline variable and two colour alternatives; a table of the headline in English, Korean and Japanese pasted
 * from the clipboard (tab-separated, as a spreadsheet copies it); the preview refuses a row with an empty value,
 * shows the expanded prompts, their count and the total estimate; submitted, the queue shows the batch's progress
 * "n of 6 done"; the batch view lists the rows with their values and images. Screenshots: batch-preview.png,
 * batch.png.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PRICES, priceOf } from '../../src/shared/pricing';
import { SCREENSHOTS } from '../helpers/paths';
import { useWebApp } from './harness';
import { startApiframeTestServer, type ApiframeTestServer } from '../servers/apiframe/server';

const KEY = 'afk_e2e_key_0013';
const TEMPLATE = 'A bold poster that reads "{headline}", {warm|cool} colours';
const HEADLINES = ['Summer sale', '여름 세일', '夏のセール'];
/** axe-core, run on the dialog and the batch view (WCAG 2.0–2.2, A and AA; serious and critical violations). */
const AXE_SOURCE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22a', 'wcag22aa'];
/** What a spreadsheet puts on the clipboard: tab-separated, CRLF line ends; the last row has no headline yet. */
const PASTED = ['headline\tlang', `${HEADLINES[0]}\ten`, `${HEADLINES[1]}\tko`, `${HEADLINES[2]}\tja`, '\tfr', ''].join('\r\n');

describe('a batch from a pasted table', () => {
  let af: ApiframeTestServer;
  // As usual, with the page's CSP bypassed so the test can add axe's script, and the clipboard allowed.
  const app = useWebApp(
    'atelier-e2e-batch-',
    async (_dir, closeAfter) => {
      af = closeAfter(await startApiframeTestServer({ keys: [KEY], jobDurationMs: 1200, queueDelayMs: 100, imageLongEdge: 256 }));
      return { ATELIER_APIFRAME_BASE_URL: af.url };
    },
    { bypassCSP: true, permissions: ['clipboard-read', 'clipboard-write'] },
  );

  /** Serious and critical axe violations on the page as it is now: `id: targets`. */
  const axe = async (): Promise<string[]> => {
    const { page } = app;
    if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: AXE_SOURCE });
    return page.evaluate(async (tags) => {
      const w = window as unknown as {
        axe: { run(ctx: Document, opts: unknown): Promise<{ violations: Array<{ id: string; impact: string | null; nodes: Array<{ target: unknown[] }> }> }> };
      };
      const r = await w.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
      return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${JSON.stringify(v.nodes.map((n) => n.target))}`);
    }, WCAG_TAGS);
  };

  it('pastes a table in three languages, previews, estimates, queues, shows n of N and opens the batch view', async () => {
    const { page, errors } = app;
    await page.getByRole('button', { name: 'Settings' }).click();
    const settings = page.getByRole('dialog', { name: 'Settings' });
    const tab = settings.getByRole('tab', { name: 'Apiframe', exact: true });
    if (await tab.count()) await tab.click();
    const region = settings.getByRole('region', { name: 'Apiframe', exact: true });
    await region.getByRole('textbox', { name: 'API key' }).fill(KEY);
    await region.getByRole('button', { name: 'Save key' }).click();
    await expect.poll(() => region.textContent(), { timeout: 10_000 }).toContain('0013');
    await page.keyboard.press('Escape');
    await settings.waitFor({ state: 'hidden' });

    await page.getByRole('button', { name: 'New project' }).click();
    await page.getByRole('textbox', { name: 'Project name' }).fill('Posters');
    await page.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('treeitem', { name: 'Posters' }).click();
    await page.getByRole('combobox', { name: 'Provider' }).selectOption('apiframe');
    await page.getByRole('combobox', { name: 'Model' }).selectOption('gpt-image-2');
    await page.getByRole('combobox', { name: 'Quality' }).selectOption('low');

    await page.getByRole('button', { name: 'Batch…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Batch from a template' });
    await dialog.getByRole('textbox', { name: 'Template' }).fill(TEMPLATE);
    // Paste the table as a person does: from the clipboard, with the keyboard.
    const table = dialog.getByRole('textbox', { name: /^Table/ });
    await page.evaluate((text) => navigator.clipboard.writeText(text), PASTED);
    await table.focus();
    await page.keyboard.press('Control+V');
    await expect.poll(() => table.inputValue()).toBe(PASTED.replace(/\r\n/g, '\n'));

    // The row without a headline is refused with its row and reason; nothing can be queued yet.
    const preview = dialog.getByRole('region', { name: 'Preview' });
    await expect.poll(() => preview.getByRole('status').textContent()).toBe('8 prompts for GPT Image 2 on Apiframe · 2 refused');
    const refused = preview.getByRole('list', { name: 'Refused rows' });
    expect(await refused.getByRole('listitem').allTextContents()).toEqual(['Row 4: the value of “headline” is empty']);
    expect(await dialog.getByRole('button', { name: /^Queue/ }).isDisabled()).toBe(true);

    // Take the empty row out (select it with the keyboard and delete it): 3 headlines × 2 colours = 6 prompts.
    await table.focus();
    await page.keyboard.press('Control+End');
    await page.keyboard.press('Shift+ArrowUp');
    await page.keyboard.press('Shift+Home');
    await page.keyboard.press('Backspace');
    await page.keyboard.press('Backspace');
    await expect.poll(() => preview.getByRole('status').textContent()).toBe('6 prompts for GPT Image 2 on Apiframe');
    const rows = preview.getByRole('table');
    const cells = await rows.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td')).map((td) => td.textContent)));
    expect(cells.map((c) => c.slice(1))).toEqual([
      [HEADLINES[0], 'en', 'warm', `A bold poster that reads "${HEADLINES[0]}", warm colours`],
      [HEADLINES[0], 'en', 'cool', `A bold poster that reads "${HEADLINES[0]}", cool colours`],
      [HEADLINES[1], 'ko', 'warm', `A bold poster that reads "${HEADLINES[1]}", warm colours`],
      [HEADLINES[1], 'ko', 'cool', `A bold poster that reads "${HEADLINES[1]}", cool colours`],
      [HEADLINES[2], 'ja', 'warm', `A bold poster that reads "${HEADLINES[2]}", warm colours`],
      [HEADLINES[2], 'ja', 'cool', `A bold poster that reads "${HEADLINES[2]}", cool colours`],
    ]);
    // The total before submit: 6 images at Apiframe's low-quality credit price.
    const perImage = priceOf(DEFAULT_PRICES, 'apiframe', 'gpt-image-2', 'credits_per_image.low')!;
    expect(await dialog.locator('.batch-total').textContent()).toBe(`Total estimate ≈ ${6 * perImage} credits`);
    await page.screenshot({ path: join(SCREENSHOTS, 'batch-preview.png') });
    expect(await axe()).toEqual([]);
    await dialog.getByRole('button', { name: 'Queue 6 prompts' }).click();
    await dialog.waitFor({ state: 'hidden' });

    // One batch in the queue, with its progress n of N, up to 6 of 6.
    const queue = page.getByRole('complementary', { name: 'Queue' });
    const item = queue.getByRole('listitem', { name: /^Batch: A bold poster/ });
    await item.waitFor({ timeout: 20_000 });
    const seen = new Set<string>();
    await expect
      .poll(
        async () => {
          const text = (await item.locator('.batch-item-status').textContent()) ?? '';
          seen.add(text);
          return text;
        },
        { timeout: 90_000, interval: 100 },
      )
      .toBe('6 of 6 done');
    expect([...seen].some((s) => /^[0-5] of 6 done/.test(s))).toBe(true);
    expect(af.state.jobs.size).toBe(6);
    // The queue lists the batch once, not its six jobs.
    expect(await queue.getByRole('list', { name: 'Jobs' }).getByRole('listitem').count()).toBe(0);

    // The batch view: the rows with their values and images.
    await item.getByRole('button', { name: 'Open batch' }).click();
    const view = page.getByRole('dialog', { name: 'Batch' });
    await view.waitFor();
    await expect.poll(() => view.locator('.batch-thumb img').count(), { timeout: 20_000 }).toBe(6);
    await expect.poll(() => view.locator('.batch-thumb img').evaluateAll((imgs) => imgs.every((i) => (i as HTMLImageElement).naturalWidth > 0)), { timeout: 20_000 }).toBe(true);
    const viewRows = await view.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td')).slice(1, 4).map((td) => td.textContent)));
    expect(viewRows).toEqual(HEADLINES.flatMap((h, i) => ['warm', 'cool'].map((c) => [h, ['en', 'ko', 'ja'][i], c])));
    expect(await view.getByRole('status').textContent()).toBe('6 of 6 done');
    await page.screenshot({ path: join(SCREENSHOTS, 'batch.png') });
    expect(await axe()).toEqual([]);
    expect(errors).toEqual([]);
  });
});
