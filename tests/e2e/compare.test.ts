/**
 * Issue 5, end to end as a person would: the built app in the local web host, Debian Chromium, the Apiframe,
 * EvoLink and OpenAI test servers. Keys set in Settings; the coffee photo as reference; "Compare models" fans the
 * prompt out to three models; the compare view zooms and pans them together; a blind vote; the win in the stats; an
 * image trashed in another tab shows as in the trash in the open view and comes back with its Restore button.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Locator } from 'playwright-core';
import { GOOD_IMAGES, SCREENSHOTS } from '../helpers/paths';
import { dropFiles, newProject, useWebApp } from './harness';
import { startApiframeTestServer, type ApiframeTestServer } from '../servers/apiframe/server';
import { startEvolinkTestServer, type EvolinkTestServer } from '../servers/evolink/server';
import { startOpenAiTestServer, type OpenAiTestServer } from '../servers/openai/server';

const KEYS = { Apiframe: 'afk_e2e_key_0005', EvoLink: 'sk-evo-e2e-key-0005', OpenAI: 'sk-e2e-openai-0005' } as const;
const PROMPT = 'The same cup of coffee as a product shot on warm linen, soft morning light';
const SHOTS = SCREENSHOTS;

describe('compare models', () => {
  let af: ApiframeTestServer;
  let ev: EvolinkTestServer;
  let oa: OpenAiTestServer;
  const app = useWebApp('atelier-e2e-compare-', async (_dir, closeAfter) => {
    af = closeAfter(await startApiframeTestServer({ keys: [KEYS.Apiframe], jobDurationMs: 1200, queueDelayMs: 100, imageLongEdge: 768 }));
    ev = closeAfter(await startEvolinkTestServer({ keys: [KEYS.EvoLink], taskDurationMs: 1500 }));
    oa = closeAfter(await startOpenAiTestServer({ keys: [KEYS.OpenAI], processingDelayMs: 800, maxRenderEdge: 768 }));
    return {
      ATELIER_APIFRAME_BASE_URL: af.url,
      ATELIER_EVOLINK_BASE_URL: ev.url,
      ATELIER_OPENAI_BASE_URL: oa.baseUrl,
    };
  });

  /** The transform of every image in the side-by-side panes. */
  const transforms = (view: Locator) => view.locator('.cmp-grid .cmp-img').evaluateAll((els) => els.map((e) => (e as HTMLElement).style.transform));
  const paneState = (view: Locator) =>
    view.locator('.cmp-grid .cmp-pane').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-zoom')}@${e.getAttribute('data-pan')}`));

  it('fans one prompt and the coffee photo out to three models, zooms them together, votes blind, and counts the win', async () => {
    // Keys, as a person sets them: one Settings tab per provider.
    await app.page.getByRole('button', { name: 'Settings' }).click();
    const settings = app.page.getByRole('dialog', { name: 'Settings' });
    for (const [name, key] of Object.entries(KEYS)) {
      const tab = settings.getByRole('tab', { name, exact: true });
      if (await tab.count()) await tab.click();
      const region = settings.getByRole('region', { name, exact: true });
      await region.getByRole('textbox', { name: 'API key' }).fill(key);
      await region.getByRole('button', { name: 'Save key' }).click();
      await expect.poll(() => region.textContent(), { timeout: 10_000 }).toContain('0005');
    }
    await app.page.keyboard.press('Escape');
    await settings.waitFor({ state: 'hidden' });

    await newProject(app.page, 'Coffee shoot');

    // The composer: Apiframe gpt-image-2 at medium quality, the coffee photo, the prompt.
    await app.page.getByRole('combobox', { name: 'Provider' }).selectOption('apiframe');
    await app.page.getByRole('combobox', { name: 'Model' }).selectOption('gpt-image-2');
    await app.page.getByRole('combobox', { name: 'Quality' }).selectOption('medium');
    const bytes = await readFile(join(GOOD_IMAGES, 'coffee.png'));
    await dropFiles(app.page, app.page.getByRole('group', { name: 'Reference images' }), [{ name: 'coffee.png', mime: 'image/png', bytes }]);
    await app.page.getByRole('list', { name: 'Staged reference images' }).getByRole('listitem', { name: 'coffee.png' }).waitFor({ timeout: 10_000 });
    await app.page.getByRole('textbox', { name: 'Prompt' }).fill(PROMPT);

    // Compare models: three runs, each starting from the composer's parameters.
    await app.page.getByRole('button', { name: 'Compare models' }).click();
    const dialog = app.page.getByRole('dialog', { name: 'Compare models' });
    const runs = dialog.getByRole('list', { name: 'Runs' });
    await dialog.getByRole('button', { name: 'Add a run' }).click();
    const run = (n: number) => runs.getByRole('listitem', { name: `Run ${n}` });
    expect(await run(1).getByRole('combobox', { name: 'Quality' }).inputValue()).toBe('medium'); // carried
    await run(2).getByRole('combobox', { name: 'Provider' }).selectOption('apiframe');
    await run(2).getByRole('combobox', { name: 'Model' }).selectOption('gpt-image-1.5');
    await run(3).getByRole('combobox', { name: 'Provider' }).selectOption('openai');
    await run(3).getByRole('combobox', { name: 'Model' }).selectOption('gpt-image-2');
    await run(3).getByRole('combobox', { name: 'Quality' }).selectOption('low');
    // The total before submit: Apiframe credits (9 + 5) and OpenAI's USD estimate.
    const total = (await dialog.locator('.cmp-total').textContent()) ?? '';
    expect(total).toContain('14 credits');
    expect(total).toMatch(/\$0\.\d+/);
    await dialog.getByRole('button', { name: 'Run 3 models' }).click();

    // The compare view, blind by default: the images arrive as they finish, labels hidden.
    const view = app.page.getByRole('dialog', { name: 'Compare images' });
    await view.waitFor();
    await expect.poll(() => view.locator('.cmp-grid .cmp-img').count(), { timeout: 60_000 }).toBe(3);
    expect(await view.getByRole('button', { name: 'Blind' }).getAttribute('aria-pressed')).toBe('true');
    const blindText = (await view.textContent()) ?? '';
    expect(blindText).toContain('Image A (hidden)');
    expect(blindText).not.toMatch(/GPT Image|Apiframe ·|OpenAI ·/);
    expect(af.state.requestsTo('generate')).toHaveLength(2);
    expect(oa.state.requestsTo('edits')).toHaveLength(1);

    // Zoom the first image with the wheel: every pane follows with the same zoom and pan.
    const fitState = await paneState(view);
    const first = view.locator('.cmp-grid .cmp-pane').first();
    const box = (await first.boundingBox())!;
    await app.page.mouse.move(box.x + box.width * 0.7, box.y + box.height * 0.4);
    await app.page.mouse.wheel(0, -300);
    await expect.poll(async () => new Set(await paneState(view)).size).toBe(1);
    const zoomed = await paneState(view);
    expect(zoomed[0]).not.toBe(fitState[0]);
    expect(Number(zoomed[0]!.split('@')[0])).toBeGreaterThan(Number(fitState[0]!.split('@')[0]));
    const t1 = await transforms(view);
    const translate = (t: string) => /translate\([^)]*\)/.exec(t)?.[0];
    expect(new Set(t1.map(translate)).size).toBe(1);
    expect(translate(t1[0]!)).not.toBe('translate(0px, 0px)');
    // Drag the third: the others move with it.
    const third = view.locator('.cmp-grid .cmp-pane').nth(2);
    const b3 = (await third.boundingBox())!;
    await app.page.mouse.move(b3.x + b3.width / 2, b3.y + b3.height / 2);
    await app.page.mouse.down();
    await app.page.mouse.move(b3.x + b3.width / 2 - 40, b3.y + b3.height / 2 + 25, { steps: 4 });
    await app.page.mouse.up();
    const t2 = await transforms(view);
    expect(new Set(t2.map(translate)).size).toBe(1);
    expect(translate(t2[0]!)).not.toBe(translate(t1[0]!));
    // Z = 1:1 pixels, F = fit.
    await app.page.keyboard.press('z');
    await expect.poll(async () => (await paneState(view))[0]!.split('@')[0]).toBe('1.0000');
    await app.page.keyboard.press('f');
    await expect.poll(() => paneState(view)).toEqual(fitState);

    // Vote blind: key 2 picks image B. The labels appear and B is the winner.
    await app.page.keyboard.press('2');
    const captionB = view.locator('.cmp-caption[data-slot="1"]');
    await expect.poll(() => captionB.textContent(), { timeout: 10_000 }).toContain('Winner');
    const winnerText = (await captionB.textContent()) ?? '';
    const winnerModel = /GPT Image 1\.5/.test(winnerText) ? 'GPT Image 1.5' : 'GPT Image 2';
    const winnerProvider = /OpenAI/.test(winnerText) ? 'OpenAI' : 'Apiframe';
    expect((await view.textContent()) ?? '').not.toContain('(hidden)');

    // Screenshots: side by side (labels shown after the verdict), at fit; then the slider on the pair A/B.
    await app.page.screenshot({ path: join(SHOTS, 'compare-side-by-side.png') });
    // Arrows step the focused image (the drag above focused C); the pair is the focused image and the next.
    await app.page.keyboard.press('ArrowRight');
    expect(await view.locator('.cmp-cell[aria-current="true"] .cmp-cell-letter').textContent()).toBe('A');
    await view.getByRole('button', { name: 'Slider' }).click();
    const slider = view.getByRole('slider', { name: /A\/B slider/ });
    await slider.waitFor();
    await slider.focus();
    for (let i = 0; i < 12; i++) await app.page.keyboard.press('ArrowLeft');
    expect(await slider.getAttribute('aria-valuenow')).toBe('38');
    await app.page.screenshot({ path: join(SHOTS, 'compare-slider.png') });
    await view.getByRole('button', { name: 'Side by side' }).click();

    // The stats: that model won its one vote in this project.
    await view.getByRole('button', { name: 'Stats' }).click();
    const stats = app.page.getByRole('dialog', { name: 'Model win rates' });
    const table = stats.getByRole('table');
    await table.waitFor();
    const row = table.getByRole('row').filter({ hasText: winnerModel }).filter({ hasText: winnerProvider });
    const cells = await row.getByRole('cell').allTextContents();
    expect(cells[0]).toBe('Coffee shoot');
    expect(cells[1]).toBe('100%');
    expect(cells[2]).toBe('1');
    expect(cells[3]).toMatch(/^1/);
    expect(await table.getByRole('row').count()).toBe(4); // header + three models
    await app.page.keyboard.press('Escape');
    await stats.waitFor({ state: 'hidden' });

    // One of the three images moved to the trash in a second tab: the open view no longer shows it as an image of
    // the set but as in the trash, with a Restore button that brings it back.
    const other = await app.page.context().newPage();
    await other.goto(app.host.origin + '/');
    await other.getByRole('treeitem', { name: 'Coffee shoot' }).click();
    const gallery = other.getByRole('region', { name: 'Gallery' });
    await expect.poll(() => gallery.getByRole('img', { name: PROMPT }).count(), { timeout: 20_000 }).toBe(3);
    await gallery.getByRole('img', { name: PROMPT }).first().click({ button: 'right' });
    await other.getByRole('menu').getByRole('menuitem', { name: 'Move to trash' }).click();
    await expect.poll(() => gallery.getByRole('img', { name: PROMPT }).count(), { timeout: 20_000 }).toBe(2);
    const images = view.getByRole('list', { name: 'Images' });
    await expect.poll(() => view.locator('.cmp-grid .cmp-img').count(), { timeout: 20_000 }).toBe(2);
    const restore = images.getByRole('button', { name: /^Restore image [ABC]$/ });
    expect(await restore.count()).toBe(1);
    const trashedCell = images.getByRole('listitem').filter({ has: app.page.getByRole('button', { name: /^Restore image [ABC]$/ }) });
    expect(await trashedCell.textContent()).toContain('In the trash');
    await app.page.screenshot({ path: join(SHOTS, 'compare-in-trash.png') });
    await other.close();
    await restore.click();
    await expect.poll(() => view.locator('.cmp-grid .cmp-img').count(), { timeout: 20_000 }).toBe(3);
    expect(await images.getByRole('button', { name: /^Restore image/ }).count()).toBe(0);
    expect((await view.textContent()) ?? '').not.toContain('In the trash');

    await app.page.keyboard.press('Escape');
    await view.waitFor({ state: 'hidden' });
    expect(app.errors.filter((e) => !/favicon/.test(e))).toEqual([]);
  });
});
