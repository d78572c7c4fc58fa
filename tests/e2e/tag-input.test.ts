/**
 * The one tag entry (ui/TagInput) in its three places, as a person would use it: the built app in the local web
 * host, Debian Chromium, one image made with the offline sandbox provider. Enter adds a chip, Backspace in the empty
 * field takes the last chip back in the Tag dialog and in the tag filter, but never removes a tag from the images in
 * the inspector; a Backspace that deletes a typed letter removes no chip. Controls are found by role and name.
 */
import { describe, expect, it } from 'vitest';
import type { Locator } from 'playwright-core';
import { newProject, useWebApp } from './harness';

const PROMPT = 'A lighthouse on a cliff, late afternoon';

describe('tag input: Enter adds, Backspace on empty takes the last chip back where it is a draft', () => {
  const app = useWebApp('atelier-e2e-tag-input-', { ATELIER_SANDBOX_JOB_MS: '150' });
  const gallery = (): Locator => app.page.getByRole('region', { name: 'Gallery' });
  const inspector = (): Locator => app.page.getByRole('complementary', { name: 'Inspector' });

  it('in the Tag dialog: Enter adds, Backspace on the empty field removes the last chip, not before', async () => {
    await newProject(app.page, 'Coast');
    await app.page.getByRole('combobox', { name: 'Provider' }).selectOption('sandbox');
    await app.page.getByRole('textbox', { name: 'Prompt' }).fill(PROMPT);
    await app.page.getByRole('button', { name: 'Generate', exact: true }).click();
    await gallery().getByRole('img', { name: PROMPT, exact: true }).waitFor({ timeout: 30_000 });

    await gallery().getByRole('checkbox', { name: `Select ${PROMPT}` }).check();
    await app.page.getByRole('toolbar', { name: 'Selection' }).getByRole('button', { name: 'Tag…' }).click();
    const dialog = app.page.getByRole('dialog', { name: 'Add tags' });
    const box = dialog.getByRole('combobox', { name: 'Tag' });
    const chips = dialog.getByRole('list', { name: 'Tags to add' }).getByRole('listitem');
    for (const tag of ['sea', 'cliff', 'dusk']) {
      await box.fill(tag);
      await box.press('Enter');
    }
    await expect.poll(() => chips.allTextContents()).toEqual(['sea', 'cliff', 'dusk']);
    // A Backspace that deletes a letter is the field's own.
    await box.fill('x');
    await box.press('Backspace');
    expect(await box.inputValue()).toBe('');
    expect(await chips.count()).toBe(3);
    // In the empty field it takes the last chip back.
    await box.press('Backspace');
    await expect.poll(() => chips.allTextContents()).toEqual(['sea', 'cliff']);
    await dialog.getByRole('button', { name: 'Remove tag sea' }).click();
    await expect.poll(() => chips.allTextContents()).toEqual(['cliff']);
    await dialog.getByRole('button', { name: 'Add tags' }).click();
    await dialog.waitFor({ state: 'hidden' });

    // The inspector shows the tag; Backspace in its empty field leaves the image's tags alone.
    const tags = inspector().getByRole('list', { name: 'Tags' }).getByRole('listitem');
    await expect.poll(() => tags.allTextContents(), { timeout: 15_000 }).toEqual(['cliff']);
    const add = inspector().getByRole('combobox', { name: 'Add a tag' });
    await add.focus();
    await add.press('Backspace');
    await add.fill('sunset');
    await add.press('Enter');
    await expect.poll(() => tags.allTextContents(), { timeout: 15_000 }).toEqual(['cliff', 'sunset']);
    await add.press('Backspace');
    await app.page.waitForTimeout(300);
    expect(await tags.allTextContents()).toEqual(['cliff', 'sunset']);
  });

  it('in the tag filter: Enter chooses a tag, Backspace on the empty field drops the last one', async () => {
    await gallery().getByRole('button', { name: 'Filters' }).click();
    const filters = app.page.getByRole('group', { name: 'Filters' });
    const box = filters.getByRole('combobox', { name: 'Tags' });
    const chosen = filters.getByRole('list', { name: 'Chosen tags' }).getByRole('listitem');
    await box.fill('cliff');
    await box.press('Enter');
    await box.fill('sunset');
    await box.press('Enter');
    await expect.poll(() => chosen.allTextContents()).toEqual(['cliff', 'sunset']);
    await box.press('Backspace');
    await expect.poll(() => chosen.allTextContents()).toEqual(['cliff']);
    await box.press('Backspace');
    await expect.poll(() => chosen.count()).toBe(0);
    // Nothing left to drop: another Backspace changes nothing.
    await box.press('Backspace');
    expect(await box.inputValue()).toBe('');
    expect(app.errors).toEqual([]);
  });
});
