/**
 * Issue 6 end to end, as a person would: the built app in the local web host, Debian Chromium, images made with the
 * offline sandbox provider. Multi-select, tag with a Korean and a Japanese tag, rate, find them by each tag, save
 * the search as a smart collection and see it (with its live count) in the sidebar; trash, restore, empty the trash.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SCREENSHOTS } from '../helpers/paths';
import { newProject, useWebApp } from './harness';

const SHOTS = SCREENSHOTS;
const HARBOUR = 'Misty harbour at dawn, fishing boats, soft film grain';
const BICYCLE = 'A red bicycle leaning on a cobbled street wall';

describe('organise and find', () => {
  const app = useWebApp('atelier-e2e-organise-', { ATELIER_SANDBOX_JOB_MS: '400' });

  const generate = async (prompt: string, count: number): Promise<void> => {
    await app.page.getByRole('combobox', { name: 'Provider' }).selectOption('sandbox');
    await app.page.getByRole('spinbutton', { name: 'Number of images' }).fill(String(count));
    await app.page.getByRole('textbox', { name: 'Prompt' }).fill(prompt);
    await app.page.getByRole('button', { name: 'Generate', exact: true }).click();
    await expect.poll(() => app.page.getByRole('region', { name: 'Gallery' }).getByRole('img', { name: prompt }).count(), { timeout: 30_000 }).toBe(count);
  };

  it('tags, rates, finds by Korean and Japanese tags, saves a smart collection, trashes and restores', async () => {
    await newProject(app.page, 'Moodboard');
    await generate(HARBOUR, 3);
    await generate(BICYCLE, 1);

    const gallery = app.page.getByRole('region', { name: 'Gallery' });
    const images = gallery.getByRole('list', { name: 'Images' });
    // Select: one by its checkbox, then Shift-click extends to the third harbour image.
    await images.getByRole('checkbox', { name: `Select ${HARBOUR}` }).nth(0).check();
    await gallery.getByRole('img', { name: HARBOUR }).nth(2).click({ modifiers: ['Shift'] });
    const bar = app.page.getByRole('toolbar', { name: 'Selection' });
    await expect.poll(() => bar.textContent()).toContain('3 selected');
    // Ctrl-click toggles one off and on again.
    await gallery.getByRole('img', { name: HARBOUR }).nth(1).click({ modifiers: ['Control'] });
    await expect.poll(() => bar.textContent()).toContain('2 selected');
    await gallery.getByRole('img', { name: HARBOUR }).nth(1).click({ modifiers: ['Control'] });
    await expect.poll(() => bar.textContent()).toContain('3 selected');

    // Tag with a Korean and a Japanese tag, then rate 4 stars.
    await bar.getByRole('button', { name: 'Tag…' }).click();
    const tagDialog = app.page.getByRole('dialog', { name: 'Add tags' });
    const tagBox = tagDialog.getByRole('combobox', { name: 'Tag' });
    await tagBox.fill('바다');
    await tagBox.press('Enter');
    await tagBox.fill('桜');
    await tagBox.press('Enter');
    await tagDialog.getByRole('button', { name: 'Add tags' }).click();
    await tagDialog.waitFor({ state: 'hidden' });
    await bar.getByRole('button', { name: 'Rate 4 stars' }).click();
    await expect.poll(() => gallery.getByText('4', { exact: true }).count()).toBe(3);
    // Escape in the grid clears the selection.
    await images.locator('button.thumb', { has: app.page.getByRole('img', { name: BICYCLE }) }).focus();
    await app.page.keyboard.press('Escape');
    await bar.waitFor({ state: 'hidden' });

    // Autocomplete offers the tag from its first syllable.
    await gallery.getByRole('checkbox', { name: `Select ${BICYCLE}` }).check();
    await bar.getByRole('button', { name: 'Tag…' }).click();
    const box2 = app.page.getByRole('dialog', { name: 'Add tags' }).getByRole('combobox', { name: 'Tag' });
    await box2.fill('바');
    await expect.poll(() => app.page.locator('datalist option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value))).toEqual(['바다']);
    await app.page.keyboard.press('Escape');
    await app.page.keyboard.press('Escape');

    // Find by the Korean tag (two characters), then by the Japanese one.
    const search = gallery.getByRole('searchbox', { name: 'Search' });
    await search.fill('바다');
    await expect.poll(() => gallery.textContent(), { timeout: 10_000 }).toContain('3 matches');
    expect(await gallery.getByRole('img', { name: BICYCLE }).count()).toBe(0);
    await app.page.screenshot({ path: join(SHOTS, 'library-search.png') });
    await search.fill('桜');
    await expect.poll(() => gallery.textContent(), { timeout: 10_000 }).toContain('3 matches');
    await search.fill('bicycle');
    await expect.poll(() => gallery.textContent(), { timeout: 10_000 }).toContain('1 match');

    // Save "바다" as a smart collection; it appears in the sidebar with its count.
    await search.fill('바다');
    await expect.poll(() => gallery.textContent(), { timeout: 10_000 }).toContain('3 matches');
    await gallery.getByRole('button', { name: 'Save search as smart collection' }).click();
    const save = app.page.getByRole('dialog', { name: 'Save as smart collection' });
    await save.getByRole('textbox', { name: 'Smart collection name' }).fill('바다 (sea)');
    await save.getByRole('button', { name: 'Save' }).click();
    const sidebar = app.page.getByRole('navigation');
    const smart = sidebar.getByRole('list', { name: 'Smart collections' }).getByRole('button', { name: /^바다 \(sea\)/ });
    await expect.poll(() => smart.textContent(), { timeout: 10_000 }).toContain('3');
    await search.fill('');
    // The cleared search re-runs 200 ms after typing stops: let it show the whole project before opening the
    // collection, or its late re-read would replace the collection's view (and clear a selection made in it).
    await expect.poll(() => images.getByRole('listitem').count(), { timeout: 10_000 }).toBe(4);
    await smart.click();
    await expect.poll(() => gallery.getByRole('img', { name: HARBOUR }).count(), { timeout: 10_000 }).toBe(3);
    await expect.poll(() => gallery.getByRole('heading', { level: 2 }).textContent()).toBe('바다 (sea)');
    await expect.poll(() => gallery.textContent()).toContain('3 images');
    await app.page.mouse.move(700, 500);
    await app.page.screenshot({ path: join(SHOTS, 'smart-collection.png') });

    // Trash one from the collection: the smart count follows; restore it from the Trash view.
    await images.getByRole('checkbox', { name: `Select ${HARBOUR}` }).nth(0).check();
    await bar.getByRole('button', { name: 'Move to trash' }).click();
    await expect.poll(() => smart.textContent(), { timeout: 10_000 }).toMatch(/2$/);
    const trash = sidebar.getByRole('button', { name: /^Trash/ });
    await expect.poll(() => trash.textContent()).toMatch(/1$/);
    await trash.click();
    await expect.poll(() => gallery.getByRole('img', { name: HARBOUR }).count(), { timeout: 10_000 }).toBe(1);
    await images.getByRole('checkbox', { name: `Select ${HARBOUR}` }).check();
    await bar.getByRole('button', { name: 'Restore' }).click();
    await expect.poll(() => smart.textContent(), { timeout: 10_000 }).toMatch(/3$/);
    await expect.poll(() => trash.textContent()).toMatch(/0$/);

    // Trash the bicycle and empty the trash, after the confirmation.
    await app.page.getByRole('treeitem', { name: 'Moodboard' }).click();
    await gallery.getByRole('checkbox', { name: `Select ${BICYCLE}` }).check();
    await app.page.keyboard.press('Delete');
    await expect.poll(() => trash.textContent(), { timeout: 10_000 }).toMatch(/1$/);
    await trash.click();
    await gallery.getByRole('button', { name: 'Empty trash' }).click();
    const confirm = app.page.getByRole('alertdialog', { name: 'Empty the trash?' });
    await confirm.getByRole('button', { name: 'Delete for good' }).click();
    await expect.poll(() => trash.textContent(), { timeout: 10_000 }).toMatch(/0$/);
    await app.page.getByRole('treeitem', { name: 'Moodboard' }).click();
    await expect.poll(() => gallery.getByRole('img', { name: HARBOUR }).count(), { timeout: 10_000 }).toBe(3);
    expect(app.errors.filter((e) => !/favicon/.test(e))).toEqual([]);
  });
});
