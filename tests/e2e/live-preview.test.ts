/**
 * Live previews (issue 13), as a person sees them: the built app in the local web host, Debian Chromium, and the
 * OpenAI test server streaming partial images (https://platform.openai.com/docs/api-reference/images-streaming) at
 * a pace a person can see. The OpenAI key goes in through Settings, where Live previews is on by default; a
 * generation shows a partial image in its tile, marked as a preview, before the final image takes its place; the
 * library then holds the final image only. Screenshot: live-preview.png.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SCREENSHOTS } from '../helpers/paths';
import { useWebApp } from './harness';
import { startOpenAiTestServer, type OpenAiTestServer } from '../servers/openai/server';

const KEY = 'sk-e2e-live-preview-0042';
const PROMPT = 'A paper lantern festival over a river at night, warm light';

describe('live previews, as a person sees them', () => {
  let oa: OpenAiTestServer;
  const app = useWebApp('atelier-e2e-preview-', async (_dir, closeAfter) => {
    // Two partials 1.5 s apart, the final 2 s after the last: slow enough to be seen, and to be asserted on.
    oa = closeAfter(await startOpenAiTestServer({ keys: [KEY], maxRenderEdge: 512, partialDelayMs: 1500, processingDelayMs: 2000 }));
    return { ATELIER_OPENAI_BASE_URL: oa.baseUrl };
  });

  it('shows a partial image in the tile, marked as a preview, before the final image', async () => {
    const { page, errors, dir } = app;
    // The key, in Settings; Live previews is on by default there.
    await page.getByRole('button', { name: 'Settings' }).click();
    const settings = page.getByRole('dialog', { name: 'Settings' });
    await settings.getByRole('tab', { name: 'OpenAI', exact: true }).click();
    const openai = settings.getByRole('region', { name: 'OpenAI', exact: true });
    await openai.getByRole('textbox', { name: 'API key' }).fill(KEY);
    await openai.getByRole('button', { name: 'Save key' }).click();
    await expect.poll(() => openai.textContent(), { timeout: 10_000 }).toContain('…0042');
    const live = openai.getByRole('checkbox', { name: 'Live previews' });
    expect(await live.isChecked()).toBe(true);
    await page.keyboard.press('Escape');
    await settings.waitFor({ state: 'hidden' });

    await page.getByRole('button', { name: 'New project' }).click();
    await page.getByRole('textbox', { name: 'Project name' }).fill('Lanterns');
    await page.getByRole('button', { name: 'Create' }).click();
    const project = page.getByRole('treeitem', { name: 'Lanterns' });
    await project.waitFor();
    await project.click();

    await page.getByRole('combobox', { name: 'Provider' }).selectOption('openai');
    await page.getByRole('combobox', { name: 'Model' }).selectOption('gpt-image-1.5');
    await page.getByRole('combobox', { name: 'Quality' }).selectOption('low');
    await page.getByRole('textbox', { name: 'Prompt' }).fill(PROMPT);
    const generate = page.getByRole('button', { name: 'Generate', exact: true });
    await expect.poll(() => generate.isEnabled(), { timeout: 10_000 }).toBe(true);
    await generate.click();

    // The partial fills the job's tile, named as a preview, with its badge.
    const gallery = page.getByRole('region', { name: 'Gallery' });
    const preview = gallery.getByRole('img', { name: 'Live preview, not the final image' });
    await preview.waitFor({ state: 'visible', timeout: 30_000 });
    const final = gallery.getByRole('img', { name: PROMPT });
    expect(await final.count()).toBe(0);
    const tile = gallery.locator('.job-tile.has-preview');
    expect(await tile.getByText('Preview', { exact: true }).isVisible()).toBe(true);
    const src = await preview.getAttribute('src');
    expect(src?.startsWith('data:image/webp;base64,')).toBe(true);
    // The preview is shown at its size: a small picture, drawn (not a broken image).
    expect(await preview.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0 && img.naturalWidth <= 256)).toBe(true);
    expect(oa.state.streamsCompleted).toBe(0);
    await page.screenshot({ path: join(SCREENSHOTS, 'live-preview.png') });

    // The final image takes the tile's place; the preview is gone.
    await final.waitFor({ state: 'visible', timeout: 30_000 });
    await expect.poll(() => preview.count(), { timeout: 10_000 }).toBe(0);
    expect(oa.state.partialsSent).toBe(2);
    expect(oa.state.streamsCompleted).toBe(1);
    const body = oa.state.requestsTo('generations')[0]!.body as Record<string, unknown>;
    expect(body).toMatchObject({ stream: true, partial_images: 2 });

    // The library holds the final image only: no file for a partial.
    const objects = (await readdir(join(dir, 'objects'), { recursive: true, withFileTypes: true })).filter((e) => e.isFile());
    expect(objects).toHaveLength(1);
    expect(errors).toEqual([]);
  });

  it('with Live previews turned off in Settings, no preview shows and no stream is asked for', async () => {
    const { page, errors } = app;
    await page.getByRole('button', { name: 'Settings' }).click();
    const settings = page.getByRole('dialog', { name: 'Settings' });
    await settings.getByRole('tab', { name: 'OpenAI', exact: true }).click();
    const openai = settings.getByRole('region', { name: 'OpenAI', exact: true });
    await openai.getByRole('checkbox', { name: 'Live previews' }).uncheck();
    await openai.getByRole('status').filter({ hasText: 'Live previews are off.' }).waitFor({ timeout: 10_000 });
    expect(await openai.getByRole('checkbox', { name: 'Live previews' }).isChecked()).toBe(false);
    await page.keyboard.press('Escape');
    await settings.waitFor({ state: 'hidden' });

    // Watch the page for any preview image from here on.
    await page.evaluate(() => {
      const w = window as unknown as { previewSeen: boolean };
      w.previewSeen = false;
      new MutationObserver(() => {
        if (document.querySelector('img.job-tile-preview')) w.previewSeen = true;
      }).observe(document.body, { subtree: true, childList: true });
    });
    const prompt = 'Lanterns without a preview';
    await page.getByRole('textbox', { name: 'Prompt' }).fill(prompt);
    await page.getByRole('button', { name: 'Generate', exact: true }).click();
    await page.getByRole('region', { name: 'Gallery' }).getByRole('img', { name: prompt }).waitFor({ state: 'visible', timeout: 30_000 });
    expect(await page.evaluate(() => (window as unknown as { previewSeen: boolean }).previewSeen)).toBe(false);
    const body = oa.state.requestsTo('generations').at(-1)!.body as Record<string, unknown>;
    expect(body).not.toHaveProperty('stream');
    expect(oa.state.streamsStarted).toBe(1);
    expect(errors).toEqual([]);
  });
});
