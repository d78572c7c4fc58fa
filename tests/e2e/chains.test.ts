/**
 * Issue 4, end to end in Debian Chromium against the built web host, all on the offline sandbox provider (its
 * gpt-image-1.5 for the replay): astronaut photo → "add a winter coat" → "add a scarf" → branch from the first edit
 * with "make it a raincoat" → the tree shows four nodes in two branches → replay the scarf step on gpt-image-1.5 →
 * compare it with its parent with the slider. Then the mask editor (OpenAI gpt-image-1.5 takes a mask).
 * Screenshots: docs/screenshots/chain-view.png, mask-editor.png.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GOOD_IMAGES, SCREENSHOTS } from '../helpers/paths';
import { dropFiles, newProject, useWebApp } from './harness';

const SHOTS = SCREENSHOTS;

describe('edit chains', () => {
  const app = useWebApp('atelier-e2e-chains-', { ATELIER_SANDBOX_JOB_MS: '600' });

  const gallery = () => app.page.getByRole('region', { name: 'Gallery' });
  const generate = async (prompt: string): Promise<void> => {
    await app.page.getByRole('textbox', { name: 'Prompt' }).fill(prompt);
    await app.page.getByRole('button', { name: 'Generate', exact: true }).click();
    await gallery().getByRole('img', { name: prompt, exact: true }).waitFor({ timeout: 30_000 });
  };
  /** Opens the image in the viewer and presses Edit there: it becomes the composer's input. */
  const editImage = async (prompt: string): Promise<void> => {
    await gallery().getByRole('img', { name: prompt, exact: true }).dblclick();
    const viewer = app.page.getByRole('dialog', { name: 'Image viewer' });
    await viewer.getByRole('button', { name: 'Edit', exact: true }).click();
    await viewer.waitFor({ state: 'hidden' });
    const bar = app.page.getByRole('group', { name: 'Editing' });
    await expect.poll(() => bar.textContent()).toContain(prompt);
  };

  it('continues, branches, replays on gpt-image-1.5 and compares with the parent', async () => {
    await newProject(app.page, 'Astronaut');
    await app.page.getByRole('combobox', { name: 'Provider' }).selectOption('sandbox');
    await app.page.getByRole('combobox', { name: 'Model' }).selectOption('gpt-image-2');

    // The astronaut photo, into the library through the sandbox.
    const bytes = await readFile(join(GOOD_IMAGES, 'astronaut.png'));
    await dropFiles(app.page, app.page.getByRole('group', { name: 'Reference images' }), [{ name: 'astronaut.png', mime: 'image/png', bytes }]);
    await app.page.getByRole('list', { name: 'Staged reference images' }).getByRole('listitem', { name: 'astronaut.png' }).waitFor();
    await generate('astronaut photo');
    await app.page.getByRole('button', { name: 'Remove astronaut.png' }).click();

    await editImage('astronaut photo');
    await generate('add a winter coat');
    await editImage('add a winter coat');
    await generate('add a scarf');
    // Branch: edit the first edit again.
    await editImage('add a winter coat');
    await generate('make it a raincoat');

    // The chain view from the viewer.
    await gallery().getByRole('img', { name: 'make it a raincoat', exact: true }).dblclick();
    await app.page.getByRole('dialog', { name: 'Image viewer' }).getByRole('button', { name: 'Versions' }).click();
    const view = app.page.getByRole('dialog', { name: 'Versions' });
    const tree = view.getByRole('tree', { name: 'Version tree' });
    const items = tree.getByRole('treeitem');
    await expect.poll(() => items.count(), { timeout: 10_000 }).toBe(4);
    // Each node is named by its content; its prompt (with "(chosen)" for screen readers) comes first.
    const promptOf = (el: Element): string | undefined => el.querySelector('.chain-prompt')?.textContent?.trim();
    const levels = await items.evaluateAll(
      (els) => els.map((e) => [e.querySelector('.chain-prompt')?.textContent?.trim(), e.getAttribute('aria-level')]),
    );
    expect(levels).toEqual([
      ['astronaut photo', '1'],
      ['add a winter coat', '2'],
      ['add a scarf', '3'],
      ['make it a raincoat', '3'],
    ]);
    // Two branches under the first edit.
    expect(await tree.getByRole('treeitem', { name: 'add a winter coat' }).getAttribute('aria-expanded')).toBe('true');

    // Keyboard: arrows move between nodes.
    const raincoat = tree.getByRole('treeitem', { name: 'make it a raincoat' });
    expect(await raincoat.getAttribute('aria-selected')).toBe('true');
    await raincoat.focus();
    await app.page.keyboard.press('ArrowUp');
    const scarf = tree.getByRole('treeitem', { name: 'add a scarf' });
    await expect.poll(() => scarf.getAttribute('aria-selected')).toBe('true');
    await app.page.keyboard.press('ArrowLeft');
    await expect.poll(() => tree.getByRole('treeitem', { name: 'add a winter coat' }).getAttribute('aria-selected')).toBe('true');
    await scarf.click();

    // Replay the scarf step on gpt-image-1.5.
    await view.getByRole('combobox', { name: 'Replay provider' }).selectOption('sandbox');
    await view.getByRole('combobox', { name: 'Replay model' }).selectOption('gpt-image-1.5');
    await view.getByRole('button', { name: 'Replay step' }).click();
    await expect.poll(() => items.count(), { timeout: 30_000 }).toBe(5);
    const replay = items.nth(4);
    expect(await replay.evaluate(promptOf)).toBe('add a scarf');
    expect(await replay.getAttribute('aria-level')).toBe('3');
    expect(await replay.textContent()).toContain('GPT Image 1.5');
    await replay.click();

    // Compare it with its parent: the slider moves the divider.
    await view.getByRole('button', { name: 'Compare with parent' }).click();
    const slider = view.getByRole('slider', { name: 'Compare position' });
    await slider.focus();
    for (let i = 0; i < 20; i++) await app.page.keyboard.press('ArrowLeft');
    expect(await slider.getAttribute('aria-valuenow')).toBe('30');
    await expect.poll(() => view.locator('.compare-after').evaluate((e) => (e as HTMLElement).style.clipPath)).toBe('inset(0px 0px 0px 30%)');
    await view.getByRole('img', { name: 'add a winter coat' }).waitFor();
    await app.page.waitForFunction(() => Array.from(document.querySelectorAll('.compare img')).every((i) => (i as HTMLImageElement).complete));
    await app.page.screenshot({ path: join(SHOTS, 'chain-view.png') });

    // Mark it chosen; continue from it.
    await view.getByRole('button', { name: 'Mark as chosen' }).click();
    await expect.poll(() => replay.evaluate(promptOf)).toBe('add a scarf (chosen)');
    await view.getByRole('button', { name: 'Continue from here' }).click();
    await view.waitFor({ state: 'hidden' });
    await expect.poll(() => app.page.getByRole('group', { name: 'Editing' }).textContent()).toContain('add a scarf');
  });

  it('paints a mask for an OpenAI edit: brush, size, feather, invert, clear, then uses it', async () => {
    await app.page.getByRole('combobox', { name: 'Provider' }).selectOption('openai');
    await app.page.getByRole('combobox', { name: 'Model' }).selectOption('gpt-image-1.5');
    await app.page.getByRole('group', { name: 'Editing' }).getByRole('button', { name: 'Paint mask' }).click();
    const dialog = app.page.getByRole('dialog', { name: 'Mask' });
    const canvas = dialog.getByRole('img', { name: /Mask canvas/ });
    await canvas.waitFor();
    const box = (await canvas.boundingBox())!;
    const size = dialog.getByRole('slider', { name: 'Brush size' });
    await size.focus();
    for (let i = 0; i < 10; i++) await app.page.keyboard.press('ArrowRight');
    // Paint the lower third (the coat), erase a bit of it.
    await app.page.mouse.move(box.x + box.width * 0.2, box.y + box.height * 0.75);
    await app.page.mouse.down();
    for (let i = 0; i <= 12; i++) await app.page.mouse.move(box.x + box.width * (0.2 + i * 0.05), box.y + box.height * (0.75 + (i % 2) * 0.08));
    await app.page.mouse.up();
    await dialog.getByRole('button', { name: 'Eraser' }).click();
    expect(await dialog.getByRole('button', { name: 'Eraser' }).getAttribute('aria-pressed')).toBe('true');
    await app.page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.7);
    await app.page.mouse.down();
    await app.page.mouse.move(box.x + box.width * 0.55, box.y + box.height * 0.9);
    await app.page.mouse.up();
    await dialog.getByRole('button', { name: 'Brush' }).click();
    await app.page.screenshot({ path: join(SHOTS, 'mask-editor.png') });
    const painted = await canvas.evaluate((c) => {
      const cv = c as HTMLCanvasElement;
      const d = cv.getContext('2d')!.getImageData(0, 0, cv.width, cv.height).data;
      let n = 0;
      for (let i = 3; i < d.length; i += 4) if (d[i]! > 0) n++;
      return n / (cv.width * cv.height);
    });
    expect(painted).toBeGreaterThan(0.02);
    expect(painted).toBeLessThan(0.6);
    await dialog.getByRole('button', { name: 'Use mask' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await app.page.getByRole('img', { name: 'Mask preview' }).waitFor();
    expect(app.errors).toEqual([]);
  });
});
