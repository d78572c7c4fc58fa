/**
 * Managing what a professional expects to manage (issue 12 §2: contract calls given their UI), end to end in the
 * built web host and Debian Chromium: take images out of a manual collection from the selection bar
 * (`collections.remove`), rename a collection from the sidebar by keyboard (`collections.update`), delete it after
 * its confirmation (`collections.delete`; its images stay), and delete an export preset after its confirmation in
 * the export dialog (`export.deletePreset`; the last preset cannot be deleted). Controls found by role and name.
 */
import { describe, expect, it } from 'vitest';
import { focusInside, newProject, useWebApp } from './harness';

const PROMPT = 'A paper lantern over a quiet canal at dusk';

describe('collections and export presets: remove, rename, delete', () => {
  const app = useWebApp('atelier-e2e-manage-', { ATELIER_SANDBOX_JOB_MS: '300' });

  it('removes images from a collection, renames and deletes it by keyboard, and deletes an export preset', async () => {
    await newProject(app.page, 'Canal');
    await app.page.getByRole('combobox', { name: 'Provider' }).selectOption('sandbox');
    await app.page.getByRole('spinbutton', { name: 'Number of images' }).fill('3');
    await app.page.getByRole('textbox', { name: 'Prompt' }).fill(PROMPT);
    await app.page.getByRole('button', { name: 'Generate', exact: true }).click();
    const gallery = app.page.getByRole('region', { name: 'Gallery' });
    const images = gallery.getByRole('list', { name: 'Images' });
    await expect.poll(() => gallery.getByRole('img', { name: PROMPT }).count(), { timeout: 60_000 }).toBe(3);

    // The three into a new manual collection.
    for (let i = 0; i < 3; i++) await images.getByRole('checkbox', { name: `Select ${PROMPT}` }).nth(i).check();
    const bar = app.page.getByRole('toolbar', { name: 'Selection' });
    await expect.poll(() => bar.textContent()).toContain('3 selected');
    await bar.getByRole('button', { name: 'Add to collection…' }).click();
    const collect = app.page.getByRole('dialog', { name: 'Add 3 images to a collection' });
    await collect.getByRole('textbox', { name: 'Collection name' }).fill('Selects');
    await collect.getByRole('button', { name: 'Add', exact: true }).click();
    await collect.waitFor({ state: 'hidden' });
    const collections = app.page.getByRole('navigation').getByRole('list', { name: 'Collections' });
    const selects = collections.getByRole('button', { name: /^Selects/ });
    await expect.poll(() => selects.textContent(), { timeout: 15_000 }).toMatch(/3$/);

    // In the collection, one image out through the selection bar: it leaves the grid, the count follows.
    await selects.click();
    await expect.poll(() => gallery.getByRole('heading', { level: 2 }).textContent(), { timeout: 15_000 }).toBe('Selects');
    await expect.poll(() => images.getByRole('listitem').count(), { timeout: 15_000 }).toBe(3);
    await images.getByRole('checkbox', { name: `Select ${PROMPT}` }).nth(0).check();
    await expect.poll(() => bar.textContent()).toContain('1 selected');
    await bar.getByRole('button', { name: 'Remove from “Selects”' }).click();
    await expect.poll(() => app.page.getByRole('status').filter({ hasText: '1 image removed from “Selects”.' }).count(), { timeout: 15_000 }).toBe(1);
    await expect.poll(() => images.getByRole('listitem').count(), { timeout: 15_000 }).toBe(2);
    await expect.poll(() => selects.textContent(), { timeout: 15_000 }).toMatch(/2$/);
    await bar.waitFor({ state: 'hidden' });
    // Outside a collection (the project itself) the bar has no such button; the image is still in the library.
    await app.page.getByRole('treeitem', { name: 'Canal' }).click();
    await expect.poll(() => images.getByRole('listitem').count(), { timeout: 15_000 }).toBe(3);
    await images.getByRole('checkbox', { name: `Select ${PROMPT}` }).nth(0).check();
    await expect.poll(() => bar.getByRole('button', { name: 'Add to collection…' }).count()).toBe(1);
    expect(await bar.getByRole('button', { name: /^Remove from/ }).count()).toBe(0);
    await bar.getByRole('button', { name: 'Clear selection' }).click();

    // Rename by keyboard: Tab from the collection reaches its Rename button; Enter opens the dialog, Enter saves.
    await selects.focus();
    await app.page.keyboard.press('Tab');
    await expect.poll(() => app.page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Rename collection Selects');
    await app.page.keyboard.press('Enter');
    const rename = app.page.getByRole('dialog', { name: 'Rename “Selects”' });
    const nameBox = rename.getByRole('textbox', { name: 'Collection name' });
    await expect.poll(() => nameBox.inputValue()).toBe('Selects');
    await nameBox.fill('Client selects');
    await nameBox.press('Enter');
    await rename.waitFor({ state: 'hidden' });
    const renamed = collections.getByRole('button', { name: /^Client selects/ });
    await expect.poll(() => renamed.textContent(), { timeout: 15_000 }).toMatch(/2$/);
    expect(await collections.getByRole('button', { name: /^Selects/ }).count()).toBe(0);
    // An empty name is refused in the dialog, and nothing changes.
    await collections.getByRole('button', { name: 'Rename collection Client selects' }).focus();
    await app.page.keyboard.press('Enter');
    const again = app.page.getByRole('dialog', { name: 'Rename “Client selects”' });
    await again.getByRole('textbox', { name: 'Collection name' }).fill('   ');
    await again.getByRole('button', { name: 'Rename' }).click();
    await expect.poll(() => again.getByRole('alert').textContent()).toBe('Enter a name.');
    await app.page.keyboard.press('Escape');
    await again.waitFor({ state: 'hidden' });
    expect(await renamed.count()).toBe(1);

    // Delete by keyboard, after the confirmation: Escape keeps it, the confirm button deletes it; its images stay.
    await renamed.focus();
    await app.page.keyboard.press('Tab');
    await app.page.keyboard.press('Tab');
    await expect.poll(() => app.page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Delete collection Client selects');
    await app.page.keyboard.press('Enter');
    const confirmDelete = app.page.getByRole('alertdialog', { name: 'Delete “Client selects”?' });
    await confirmDelete.waitFor();
    await focusInside(confirmDelete);
    await app.page.keyboard.press('Escape');
    await confirmDelete.waitFor({ state: 'hidden' });
    expect(await renamed.count()).toBe(1);
    await collections.getByRole('button', { name: 'Delete collection Client selects' }).focus();
    await app.page.keyboard.press('Enter');
    await confirmDelete.getByRole('button', { name: 'Delete collection' }).click();
    await confirmDelete.waitFor({ state: 'hidden' });
    await expect.poll(() => app.page.getByRole('navigation').getByRole('button', { name: /^Client selects/ }).count(), { timeout: 15_000 }).toBe(0);
    await app.page.getByRole('treeitem', { name: 'Canal' }).click();
    await expect.poll(() => images.getByRole('listitem').count(), { timeout: 15_000 }).toBe(3);

    // Delete an export preset, after its confirmation; the last one left cannot be deleted.
    await app.page.getByRole('button', { name: 'Export', exact: true }).click();
    const exportDialog = app.page.getByRole('dialog', { name: 'Export images' });
    const preset = exportDialog.getByRole('combobox', { name: 'Preset' });
    const optionNames = () => preset.locator('option').allTextContents();
    await expect.poll(optionNames, { timeout: 15_000 }).toEqual(['JPEG with recipe', 'Original files']);
    await preset.selectOption('preset-originals');
    const deleteButton = exportDialog.getByRole('button', { name: 'Delete preset' });
    await deleteButton.click();
    const confirmPreset = app.page.getByRole('alertdialog', { name: 'Delete preset “Original files”?' });
    await confirmPreset.waitFor();
    await focusInside(confirmPreset);
    await app.page.keyboard.press('Escape');
    await confirmPreset.waitFor({ state: 'hidden' });
    expect(await optionNames()).toEqual(['JPEG with recipe', 'Original files']);
    await deleteButton.focus();
    await app.page.keyboard.press('Enter');
    await confirmPreset.getByRole('button', { name: 'Delete preset' }).click();
    await confirmPreset.waitFor({ state: 'hidden' });
    await expect.poll(optionNames, { timeout: 15_000 }).toEqual(['JPEG with recipe']);
    expect(await preset.inputValue()).toBe('preset-jpeg-recipe');
    expect(await deleteButton.isDisabled()).toBe(true);
    await app.page.keyboard.press('Escape');
    await exportDialog.waitFor({ state: 'hidden' });
    // Gone from the library, not only from the dialog.
    await app.page.getByRole('button', { name: 'Export', exact: true }).click();
    await expect.poll(() => app.page.getByRole('dialog', { name: 'Export images' }).getByRole('combobox', { name: 'Preset' }).locator('option').allTextContents(), { timeout: 15_000 }).toEqual([
      'JPEG with recipe',
    ]);
    await app.page.keyboard.press('Escape');

    expect(app.errors).toEqual([]);
  }, 240_000);
});
