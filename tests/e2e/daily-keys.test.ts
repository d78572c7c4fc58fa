/**
 * Issue 11, bugs 1, 4, 5, 10 (Move, Trash) and 12, as a person would: the built app in the local web host, Debian
 * Chromium, images from the offline sandbox. Dialogs that ask for a name or a tag take typing at once; Ctrl+F goes
 * to the search box; Delete in the grid keeps focus in the grid and Ctrl+Z there does not replay an old search;
 * an Enter that commits an IME composition adds no half-typed tag; Move does not offer where the images already
 * are; the Trash view highlights no folder.
 */
import { describe, expect, it } from 'vitest';
import { useWebApp } from './harness';

const PROMPT = 'Lanterns over a night market, warm light';

describe('daily driver: keys and focus', () => {
  const app = useWebApp('atelier-e2e-daily-keys-', { ATELIER_SANDBOX_JOB_MS: '200' });

  /** The accessible name (aria-label or text) of whatever has focus. */
  const focused = (): Promise<string> =>
    app.page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      if (!el || el === document.body) return '<body>';
      const id = el.id;
      const label = id ? document.querySelector(`label[for="${CSS.escape(id)}"]`)?.textContent : null;
      return el.getAttribute('aria-label') ?? label ?? el.textContent ?? el.tagName;
    });

  it('New project, New folder, Rename and Tag… take typing at once; Enter submits (bug 1)', async () => {
    await app.page.getByRole('button', { name: 'New project' }).click();
    await app.page.getByRole('dialog', { name: 'New project' }).waitFor();
    expect(await focused()).toBe('Project name');
    await app.page.keyboard.type('Night market');
    await app.page.keyboard.press('Enter');
    const tree = app.page.getByRole('tree');
    await tree.getByRole('treeitem', { name: 'Night market' }).click();

    await app.page.getByRole('button', { name: 'New folder' }).click();
    await app.page.getByRole('dialog', { name: 'New folder in “Night market”' }).waitFor();
    expect(await focused()).toBe('Folder name');
    await app.page.keyboard.type('Picks');
    await app.page.keyboard.press('Enter');
    await tree.getByRole('treeitem', { name: 'Picks' }).waitFor({ timeout: 10_000 });

    await tree.getByRole('treeitem', { name: 'Night market' }).click();
    await app.page.getByRole('button', { name: 'Rename' }).click();
    await app.page.getByRole('dialog', { name: 'Rename “Night market”' }).waitFor();
    expect(await focused()).toBe('Name');
    await app.page.keyboard.type('Night market 2'); // the old name is selected: typing replaces it
    await app.page.keyboard.press('Enter');
    await tree.getByRole('treeitem', { name: 'Night market 2' }).waitFor({ timeout: 10_000 });

    // Three sandbox images to organise.
    await tree.getByRole('treeitem', { name: 'Night market 2' }).click();
    await app.page.getByRole('combobox', { name: 'Provider' }).selectOption('sandbox');
    await app.page.getByRole('spinbutton', { name: 'Number of images' }).fill('3');
    await app.page.getByRole('textbox', { name: 'Prompt' }).fill(PROMPT);
    await app.page.getByRole('button', { name: 'Generate', exact: true }).click();
    const gallery = app.page.getByRole('region', { name: 'Gallery' });
    await expect.poll(() => gallery.getByRole('img', { name: PROMPT }).count(), { timeout: 30_000 }).toBe(3);

    await gallery.getByRole('checkbox', { name: `Select ${PROMPT}` }).nth(0).check();
    await app.page.getByRole('toolbar', { name: 'Selection' }).getByRole('button', { name: 'Tag…' }).click();
    const dialog = app.page.getByRole('dialog', { name: 'Add tags' });
    await dialog.waitFor();
    expect(await focused()).toBe('Tag');
    await app.page.keyboard.type('lantern');
    await app.page.keyboard.press('Enter');
    await expect.poll(() => dialog.getByRole('list', { name: 'Tags to add' }).textContent()).toContain('lantern');
    expect(await dialog.isVisible()).toBe(true); // Enter added the tag; it did not close the dialog
  });

  it('an Enter that commits an IME composition adds no half-typed tag (bug 12)', async () => {
    const dialog = app.page.getByRole('dialog', { name: 'Add tags' });
    const box = dialog.getByRole('combobox', { name: 'Tag' });
    const chips = dialog.getByRole('list', { name: 'Tags to add' }).getByRole('listitem');
    expect(await chips.count()).toBe(1);
    // A Korean IME mid-syllable: the field shows "야" of "야시장" and Enter commits the composition. Chromium marks
    // that keydown isComposing (keyCode 229); Safari sends keyCode 229 just after compositionend.
    await box.fill('야');
    for (const init of [{ isComposing: true, keyCode: 229 }, { isComposing: false, keyCode: 229 }]) {
      await box.evaluate((el, i) => {
        const ev = new KeyboardEvent('keydown', { key: 'Enter', code: 'Enter', bubbles: true, cancelable: true, isComposing: i.isComposing });
        Object.defineProperty(ev, 'keyCode', { get: () => i.keyCode });
        el.dispatchEvent(ev);
      }, init);
    }
    // And through Chromium's own IME path (CDP): a composition in progress, then Enter.
    const cdp = await app.page.context().newCDPSession(app.page);
    await box.fill('');
    await box.focus();
    await cdp.send('Input.imeSetComposition', { text: '야시', selectionStart: 2, selectionEnd: 2 });
    await cdp.send('Input.dispatchKeyEvent', { type: 'rawKeyDown', key: 'Enter', code: 'Enter', windowsVirtualKeyCode: 229, nativeVirtualKeyCode: 229 });
    await cdp.send('Input.insertText', { text: '야시장' });
    await app.page.waitForTimeout(100);
    expect(await chips.count()).toBe(1);
    expect(await box.inputValue()).toBe('야시장');
    // The Enter after the composition, a plain one, adds the whole word.
    await box.press('Enter');
    await expect.poll(() => chips.count()).toBe(2);
    expect(await dialog.getByRole('list', { name: 'Tags to add' }).textContent()).toContain('야시장');
    await dialog.getByRole('button', { name: 'Add tags' }).click();
    await dialog.waitFor({ state: 'hidden' });
  });

  it('Ctrl+F focuses the search box; after Delete focus stays in the grid and Ctrl+Z does not replay the search (bugs 4, 5)', async () => {
    const gallery = app.page.getByRole('region', { name: 'Gallery' });
    const search = gallery.getByRole('searchbox', { name: 'Search' });
    const images = gallery.getByRole('list', { name: 'Images' });
    // Type a search and clear it, the way a person does: the page's undo stack now holds both edits.
    await images.locator('button.thumb').first().focus();
    await app.page.keyboard.press('Control+f');
    expect(await search.evaluate((el) => el === document.activeElement)).toBe(true);
    await app.page.keyboard.type('lanterns');
    await expect.poll(() => gallery.textContent(), { timeout: 10_000 }).toContain('3 matches');
    await app.page.keyboard.press('Control+a');
    await app.page.keyboard.press('Backspace');
    await expect.poll(() => gallery.textContent(), { timeout: 10_000 }).toContain('3 images');

    // Walk to the last tile with the keyboard, select it with Space and press Delete.
    const tiles = images.locator('button.thumb');
    await tiles.first().focus();
    await app.page.keyboard.press('End');
    await app.page.keyboard.press('Space');
    await expect.poll(() => app.page.getByRole('toolbar', { name: 'Selection' }).textContent()).toContain('1 selected');
    const lastId = await tiles.nth(2).getAttribute('data-asset-id');
    await app.page.keyboard.press('Delete');
    await expect.poll(() => tiles.count(), { timeout: 10_000 }).toBe(2);
    expect(await images.locator(`[data-asset-id="${lastId}"]`).count()).toBe(0);
    // Focus is on the tile now last, not on the page.
    const activeId = () => app.page.evaluate(() => (document.activeElement as HTMLElement | null)?.getAttribute('data-asset-id') ?? '<none>');
    await expect.poll(activeId).toBe(await tiles.nth(1).getAttribute('data-asset-id'));

    // Ctrl+Z in the grid leaves the search box alone (the browser's undo would put "lanterns" back): it is the
    // library's undo (issue 11), which brings the trashed image back.
    await app.page.keyboard.press('Control+z');
    await expect.poll(() => tiles.count(), { timeout: 10_000 }).toBe(3);
    expect(await images.locator(`[data-asset-id="${lastId}"]`).count()).toBe(1);
    expect(await search.inputValue()).toBe('');
    expect(await gallery.textContent()).toContain('3 images');

    // The bulk bar's Move to trash (its shortcut is Delete): the bar hides with the selection, focus goes to the
    // grid, not to the page, and Ctrl+Z still does not replay the search (it undoes the trash).
    await images.getByRole('checkbox', { name: `Select ${PROMPT}` }).first().check();
    const barId = await tiles.first().getAttribute('data-asset-id');
    await app.page.getByRole('toolbar', { name: 'Selection' }).getByRole('button', { name: 'Move to trash' }).click();
    await expect.poll(() => tiles.count(), { timeout: 10_000 }).toBe(2);
    expect(await images.locator(`[data-asset-id="${barId}"]`).count()).toBe(0);
    await expect.poll(activeId).toBe(await tiles.first().getAttribute('data-asset-id'));
    await app.page.keyboard.press('Control+z');
    await expect.poll(() => tiles.count(), { timeout: 10_000 }).toBe(3);
    expect(await search.inputValue()).toBe('');
    expect(await gallery.textContent()).toContain('3 images');

    // Ctrl+F is not taken while a dialog is open (the page behind it is hidden from the accessibility tree).
    const searchEl = await search.elementHandle();
    await gallery.getByRole('checkbox', { name: `Select ${PROMPT}` }).nth(0).check();
    await app.page.getByRole('toolbar', { name: 'Selection' }).getByRole('button', { name: 'Tag…' }).click();
    await app.page.getByRole('dialog', { name: 'Add tags' }).waitFor();
    await app.page.keyboard.press('Control+f');
    expect(await searchEl!.evaluate((el) => el === document.activeElement)).toBe(false);
    await app.page.keyboard.press('Escape');
    await app.page.getByRole('dialog', { name: 'Add tags' }).waitFor({ state: 'hidden' });
  });

  it('Move does not offer the folder the images are in; the Trash view highlights no folder (bug 10)', async () => {
    const gallery = app.page.getByRole('region', { name: 'Gallery' });
    const tree = app.page.getByRole('tree');
    const bar = app.page.getByRole('toolbar', { name: 'Selection' });
    if (!(await bar.isVisible())) await gallery.getByRole('checkbox', { name: `Select ${PROMPT}` }).nth(0).check();
    await bar.getByRole('button', { name: 'Move to…' }).click();
    const move = app.page.getByRole('dialog', { name: /^Move/ });
    await move.waitFor();
    expect(await move.getByRole('radio', { name: /^Night market 2/ }).isDisabled()).toBe(true);
    expect(await move.getByRole('radio', { name: /^Picks/ }).isEnabled()).toBe(true);
    await move.getByRole('button', { name: 'Cancel' }).click();
    // Copy may still go to the same folder.
    await bar.getByRole('button', { name: 'Copy to…' }).click();
    const copy = app.page.getByRole('dialog', { name: /^Copy/ });
    expect(await copy.getByRole('radio', { name: /^Night market 2/ }).isEnabled()).toBe(true);
    await copy.getByRole('button', { name: 'Cancel' }).click();

    const project = tree.getByRole('treeitem', { name: 'Night market 2' });
    expect(await project.getAttribute('aria-selected')).toBe('true');
    const shownBg = await project.evaluate((el) => getComputedStyle(el).backgroundColor);
    await app.page.getByRole('navigation').getByRole('button', { name: /^Trash/ }).click();
    await expect.poll(() => gallery.getByRole('heading', { level: 2 }).textContent()).toBe('Trash');
    expect(await project.getAttribute('aria-selected')).toBe('false');
    expect(await project.evaluate((el) => getComputedStyle(el).backgroundColor)).not.toBe(shownBg);
    // Clicking the folder goes back to it, highlighted again.
    await project.click();
    await expect.poll(() => project.getAttribute('aria-selected')).toBe('true');
    await expect.poll(() => gallery.getByRole('heading', { level: 2 }).textContent()).toBe('Night market 2');
    expect(app.errors.filter((e) => !/favicon/.test(e))).toEqual([]);
  });
});
