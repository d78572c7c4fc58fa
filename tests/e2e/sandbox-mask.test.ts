/**
 * A sandbox that shows every feature (issue 11), as a person uses it in Debian Chromium against the built web host:
 * an image made on the offline sandbox, then Edit → Paint mask (the brush over the middle) → a prompt → Generate
 * on the sandbox's gpt-image-1.5. The new version changes only where the mask was painted: the chain view's
 * outside-the-mask measure reads (next to) nothing changed outside, with its heat map. Screenshot: sandbox-mask.png.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SCREENSHOTS } from '../helpers/paths';
import { newProject, useWebApp } from './harness';

describe('a masked edit on the sandbox', () => {
  const app = useWebApp('atelier-e2e-sandbox-mask-', { ATELIER_SANDBOX_JOB_MS: '600' });
  const gallery = () => app.page.getByRole('region', { name: 'Gallery' });

  it('paints a mask, generates on the sandbox, and sees the change only inside it', async () => {
    const page = app.page;
    await newProject(page, 'Harbour');
    await page.getByRole('combobox', { name: 'Provider' }).selectOption('sandbox');
    await page.getByRole('combobox', { name: 'Model' }).selectOption('gpt-image-2');
    await page.getByRole('combobox', { name: 'Quality' }).selectOption('medium');
    await page.getByRole('textbox', { name: 'Prompt' }).fill('a quiet harbour at dawn');
    await page.getByRole('button', { name: 'Generate', exact: true }).click();
    const first = gallery().getByRole('img', { name: 'a quiet harbour at dawn', exact: true });
    await first.waitFor({ timeout: 30_000 });

    // Edit it: the sandbox offers the mask editor.
    await first.dblclick();
    const viewer = page.getByRole('dialog', { name: 'Image viewer' });
    await viewer.getByRole('button', { name: 'Edit', exact: true }).click();
    await viewer.waitFor({ state: 'hidden' });
    await page.getByRole('combobox', { name: 'Model' }).selectOption('gpt-image-1.5');
    const editing = page.getByRole('group', { name: 'Editing' });
    await editing.getByRole('button', { name: 'Paint mask' }).click();
    const dialog = page.getByRole('dialog', { name: 'Mask' });
    const canvas = dialog.getByRole('img', { name: /Mask canvas/ });
    await canvas.waitFor();
    const box = (await canvas.boundingBox())!;
    const size = dialog.getByRole('slider', { name: 'Brush size' });
    await size.focus();
    for (let i = 0; i < 20; i++) await page.keyboard.press('ArrowRight');
    // A few strokes across the middle.
    for (const y of [0.4, 0.5, 0.6]) {
      await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * y);
      await page.mouse.down();
      for (let i = 0; i <= 8; i++) await page.mouse.move(box.x + box.width * (0.3 + i * 0.05), box.y + box.height * y);
      await page.mouse.up();
    }
    await dialog.getByRole('button', { name: 'Use mask' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.getByRole('img', { name: 'Mask preview' }).waitFor();

    await page.getByRole('textbox', { name: 'Prompt' }).fill('a red lighthouse');
    await page.getByRole('button', { name: 'Generate', exact: true }).click();
    const edited = gallery().getByRole('img', { name: 'a red lighthouse', exact: true });
    await edited.waitFor({ timeout: 30_000 });

    // The chain view: measure the change outside the mask.
    await edited.dblclick();
    await page.getByRole('dialog', { name: 'Image viewer' }).getByRole('button', { name: 'Versions' }).click();
    const view = page.getByRole('dialog', { name: 'Versions' });
    await view.getByRole('button', { name: 'Measure change outside the mask' }).click();
    const heat = view.getByRole('img', { name: 'Heat map of changes outside the mask' });
    await heat.waitFor({ timeout: 20_000 });
    const text = (await view.getByText(/% of the pixels outside the mask changed/).textContent()) ?? '';
    const percent = Number(/([\d.]+) % of the pixels/.exec(text)?.[1]);
    // Nothing outside the mask changed: the sandbox keeps every pixel the mask keeps (alpha ≥ 128), the rim included.
    expect(percent, text).toBe(0);
    expect(text).toContain('0.00 % of the pixels outside the mask changed');
    await page.waitForFunction(() => Array.from(document.querySelectorAll('img')).every((i) => i.complete));
    await page.screenshot({ path: join(SCREENSHOTS, 'sandbox-mask.png') });
    console.log(`sandbox-mask outside_changed_percent=${percent}`);
    expect(app.errors).toEqual([]);
  });
});
