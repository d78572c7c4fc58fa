/**
 * Issue 11, undo and redo, as a person would use them: the built app in the local web host, Debian Chromium, images
 * made with the offline sandbox provider. Several organising actions (a rating of three images, a tag, a trash, a
 * folder rename) are undone and redone from the keyboard — Ctrl+Z, Shift+Ctrl+Z, Ctrl+Y — and from the toast's
 * Redo button; each toast names what was undone or redone. In a text field Ctrl+Z stays the field's own undo.
 * Controls are found by role and accessible name.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Locator } from 'playwright-core';
import { SCREENSHOTS } from '../helpers/paths';
import { newProject, useWebApp } from './harness';

const PROMPT = 'Three pears on a windowsill, morning light';

describe('undo and redo of organising actions', () => {
  const app = useWebApp('atelier-e2e-undo-', { ATELIER_SANDBOX_JOB_MS: '150' });

  const gallery = (): Locator => app.page.getByRole('region', { name: 'Gallery' });
  const composer = (): Locator => app.page.getByRole('region', { name: 'Composer' });
  const toasts = (): Locator => app.page.getByRole('region', { name: 'Notifications' });
  const tiles = (): Locator => gallery().getByRole('list', { name: 'Images' }).getByRole('img', { name: PROMPT, exact: true });
  const rated = (stars: number): Locator => gallery().getByLabel(`${stars} stars`, { exact: true });
  /** Waits for a toast saying exactly `text`. */
  const toast = (text: string): Promise<void> => toasts().getByRole('status').filter({ hasText: text }).first().waitFor({ timeout: 15_000 });
  const focusGrid = async (): Promise<void> => {
    await gallery().getByRole('list', { name: 'Images' }).locator('button.thumb').first().focus();
  };

  it('undoes and redoes a rating, a tag, a trash and a folder rename by keyboard, naming each in a toast', async () => {
    await newProject(app.page, 'Still life');
    await composer().getByRole('combobox', { name: 'Provider' }).selectOption('sandbox');
    await composer().getByRole('spinbutton', { name: 'Number of images' }).fill('3');
    await composer().getByRole('textbox', { name: 'Prompt' }).fill(PROMPT);
    await composer().getByRole('button', { name: 'Generate', exact: true }).click();
    await expect.poll(() => tiles().count(), { timeout: 30_000 }).toBe(3);

    // Rate all three ★4 (Ctrl+A, then 4 in the grid), tag them, trash one.
    await focusGrid();
    await app.page.keyboard.press('Control+a');
    await expect.poll(() => gallery().getByRole('checkbox', { name: `Select ${PROMPT}`, checked: true }).count()).toBe(3);
    await app.page.keyboard.press('4');
    await expect.poll(() => rated(4).count()).toBe(3);
    await app.page.getByRole('button', { name: 'Tag…' }).click();
    const dialog = app.page.getByRole('dialog', { name: 'Add tags' });
    await dialog.getByRole('combobox', { name: 'Tag' }).fill('pear');
    await dialog.getByRole('button', { name: 'Add tags' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await app.page.getByRole('searchbox', { name: 'Search' }).fill('pear');
    await expect.poll(() => tiles().count()).toBe(3);
    await app.page.getByRole('searchbox', { name: 'Search' }).fill('');
    await expect.poll(() => tiles().count()).toBe(3);
    await focusGrid();
    await app.page.keyboard.press('Escape');
    await app.page.keyboard.press('Space');
    await app.page.keyboard.press('Delete');
    await expect.poll(() => tiles().count()).toBe(2);

    // Ctrl+Z three times: the trash, the tag, the rating, each named.
    await focusGrid();
    await app.page.keyboard.press('Control+z');
    await toast('Undid: Move 1 image to the trash');
    await expect.poll(() => tiles().count()).toBe(3);
    await app.page.keyboard.press('Control+z');
    await toast('Undid: Tag 3 images “pear”');
    await app.page.keyboard.press('Control+z');
    await toast('Undid: Rate 3 images ★4');
    await expect.poll(() => rated(4).count()).toBe(0);
    // One undo toast at a time: the earlier ones made way for the last.
    await expect.poll(() => toasts().getByRole('status').filter({ hasText: /^Undid:/ }).count()).toBe(1);
    await app.page.screenshot({ path: join(SCREENSHOTS, 'undo-toast.png') });

    // Redo from the toast's button, then Shift+Ctrl+Z and Ctrl+Y.
    await toasts().getByRole('status').filter({ hasText: 'Undid: Rate 3 images ★4' }).getByRole('button', { name: 'Redo' }).click();
    await toast('Redid: Rate 3 images ★4');
    await expect.poll(() => rated(4).count()).toBe(3);
    await focusGrid();
    await app.page.keyboard.press('Shift+Control+z');
    await toast('Redid: Tag 3 images “pear”');
    await app.page.keyboard.press('Control+y');
    await toast('Redid: Move 1 image to the trash');
    await expect.poll(() => tiles().count()).toBe(2);
    await app.page.getByRole('searchbox', { name: 'Search' }).fill('pear');
    await expect.poll(() => tiles().count()).toBe(2);
    await app.page.getByRole('searchbox', { name: 'Search' }).fill('');

    // A folder rename, undone and redone.
    await app.page.getByRole('treeitem', { name: 'Still life' }).focus();
    await app.page.keyboard.press('F2');
    const rename = app.page.getByRole('dialog', { name: 'Rename “Still life”' }).getByRole('textbox', { name: 'Name' });
    await rename.fill('Still life, pears');
    await rename.press('Enter');
    await app.page.getByRole('treeitem', { name: 'Still life, pears' }).waitFor();
    await focusGrid();
    await app.page.keyboard.press('Control+z');
    await toast('Undid: Rename “Still life” to “Still life, pears”');
    // A tree row is named by its name and image count.
    await app.page.getByRole('treeitem', { name: /^Still life(?!, pears)/ }).waitFor();
    expect(await app.page.getByRole('treeitem', { name: /Still life, pears/ }).count()).toBe(0);
    await app.page.keyboard.press('Control+y');
    await toast('Redid: Rename “Still life” to “Still life, pears”');
    await app.page.getByRole('treeitem', { name: 'Still life, pears' }).waitFor();
  }, 120_000);

  it('in a text field, Ctrl+Z is the field’s own undo and the library is left alone', async () => {
    const search = app.page.getByRole('searchbox', { name: 'Search' });
    await search.focus();
    await search.pressSequentially('moon');
    const before = await toasts().getByRole('status').filter({ hasText: 'Undid:' }).count();
    await app.page.keyboard.press('Control+z');
    await expect.poll(() => search.inputValue()).toBe('');
    // Nothing in the library was undone: the images are as they were and no new "Undid" toast came.
    await search.blur();
    await expect.poll(() => tiles().count()).toBe(2);
    expect(await rated(4).count()).toBe(2);
    expect(await toasts().getByRole('status').filter({ hasText: 'Undid:' }).count()).toBeLessThanOrEqual(before);
    expect(app.errors).toEqual([]);
  }, 60_000);
});
