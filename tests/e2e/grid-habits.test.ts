/**
 * Issue 11, the grid's habits, as a person would use them: the built app in the local web host, Debian Chromium,
 * images made with the offline sandbox. Right-click menus on tiles and on sidebar folders (chosen by role
 * `menuitem` and name, Shift+F10 from the keyboard); tiles dragged with the mouse onto a sidebar folder (a move, a
 * copy with Alt held at the drop), checked in the SQLite library; a click selects, a double-click or Enter opens;
 * Shift+arrows, Ctrl+A and Escape on the
 * selection; `?` and its sheet of every shortcut; the sidebar and the composer collapsed, and still collapsed after
 * a reload. Screenshots context-menu.png and shortcut-sheet.png.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { Locator } from 'playwright-core';
import { SCREENSHOTS } from '../helpers/paths';
import { useWebApp } from './harness';

const PROMPT = 'Origami cranes on a windowsill, morning light';

describe('grid habits: context menus, drag to folders, Shift+arrows, the shortcut sheet, collapsing panels', () => {
  const app = useWebApp('atelier-e2e-grid-habits-', { ATELIER_SANDBOX_JOB_MS: '150' });

  /** One query on the library file, read-only (the host keeps writing it). */
  function sql<T>(query: string, ...params: unknown[]): T[] {
    const db = new Database(join(app.dir, 'library.sqlite'), { readonly: true, fileMustExist: true });
    try {
      return db.prepare(query).all(...params) as T[];
    } finally {
      db.close();
    }
  }
  const folderId = (name: string): string => sql<{ id: string }>('SELECT id FROM folders WHERE name = ?', name)[0]!.id;
  const inFolder = (name: string): string[] =>
    sql<{ id: string }>('SELECT id FROM assets WHERE folder_id = ? AND deleted_at IS NULL ORDER BY id', folderId(name)).map((r) => r.id);

  const gallery = (): Locator => app.page.getByRole('region', { name: 'Gallery' });
  const images = (): Locator => gallery().getByRole('list', { name: 'Images' });
  const tiles = (): Locator => images().locator('button.thumb');
  const tree = (): Locator => app.page.getByRole('tree');
  const selectedCount = async (): Promise<number> => {
    const bar = app.page.getByRole('toolbar', { name: 'Selection' });
    if ((await bar.count()) === 0) return 0;
    return Number(/(\d+) selected/.exec((await bar.textContent()) ?? '')?.[1] ?? 0);
  };
  const tileIds = async (): Promise<string[]> => tiles().evaluateAll((els) => els.map((el) => el.getAttribute('data-asset-id') ?? ''));
  const activeAsset = (): Promise<string | null> => app.page.evaluate(() => document.activeElement?.getAttribute('data-asset-id') ?? null);

  it('makes a project with two folders and six sandbox images', async () => {
    await app.page.getByRole('button', { name: 'New project' }).click();
    await app.page.keyboard.type('Paper');
    await app.page.keyboard.press('Enter');
    await tree().getByRole('treeitem', { name: 'Paper' }).click();
    for (const name of ['Keepers', 'Seconds']) {
      await tree().getByRole('treeitem', { name: 'Paper' }).click();
      await app.page.getByRole('button', { name: 'New folder' }).click();
      await app.page.keyboard.type(name);
      await app.page.keyboard.press('Enter');
      await tree().getByRole('treeitem', { name }).waitFor({ timeout: 10_000 });
    }
    await tree().getByRole('treeitem', { name: 'Paper' }).click();
    await app.page.getByRole('combobox', { name: 'Provider' }).selectOption('sandbox');
    await app.page.getByRole('spinbutton', { name: 'Number of images' }).fill('6');
    await app.page.getByRole('textbox', { name: 'Prompt' }).fill(PROMPT);
    await app.page.getByRole('button', { name: 'Generate', exact: true }).click();
    await expect.poll(() => gallery().getByRole('img', { name: PROMPT }).count(), { timeout: 30_000 }).toBe(6);
    expect(inFolder('Paper')).toHaveLength(6);
  });

  it('a click selects the image (the viewer stays closed), a double-click or Enter opens it', async () => {
    const viewer = app.page.getByRole('dialog', { name: 'Image viewer' });
    await tiles().nth(1).click();
    await expect.poll(selectedCount).toBe(1);
    expect(await images().locator('.cell.is-selected button.thumb').getAttribute('data-asset-id')).toBe((await tileIds())[1]);
    // Give an opening viewer time to show: it must not.
    await app.page.waitForTimeout(500);
    expect(await viewer.count()).toBe(0);
    await tiles().nth(1).dblclick();
    await viewer.waitFor();
    await app.page.keyboard.press('Escape');
    await viewer.waitFor({ state: 'hidden' });
    await tiles().nth(2).focus();
    await app.page.keyboard.press('Enter');
    await viewer.waitFor();
    await app.page.keyboard.press('Escape');
    await viewer.waitFor({ state: 'hidden' });
    // Escape on the grid clears the selection (focus the grid first: closing the viewer need not put it back there).
    await tiles().nth(2).focus();
    await app.page.keyboard.press('Escape');
    await expect.poll(selectedCount).toBe(0);
  });

  it('Shift+arrows extend the selection by columns and rows, Ctrl+A selects all, Escape clears', async () => {
    const ids = await tileIds();
    await tiles().first().focus();
    await app.page.keyboard.press('Shift+ArrowRight');
    await expect.poll(selectedCount).toBe(2);
    await app.page.keyboard.press('Shift+ArrowRight');
    await expect.poll(selectedCount).toBe(3);
    expect(await activeAsset()).toBe(ids[2]);
    // Back one: the range from the anchor shrinks, as in Lightroom.
    await app.page.keyboard.press('Shift+ArrowLeft');
    await expect.poll(selectedCount).toBe(2);
    const selectedIds = () => images().locator('.cell.is-selected button.thumb').evaluateAll((els) => els.map((el) => el.getAttribute('data-asset-id')));
    expect(await selectedIds()).toEqual(ids.slice(0, 2));
    // A row down: from the anchor (the first tile) to the tile below the focused one.
    const cols = await images().locator('.grid-row').first().locator('button.thumb').count();
    expect(cols).toBeGreaterThan(1);
    await app.page.keyboard.press('Shift+ArrowDown');
    const expected = Math.min(ids.length, 1 + cols + 1);
    await expect.poll(selectedCount).toBe(expected);
    expect(await selectedIds()).toEqual(ids.slice(0, expected));
    await app.page.keyboard.press('Escape');
    await expect.poll(selectedCount).toBe(0);
    await app.page.keyboard.press('Control+a');
    await expect.poll(selectedCount).toBe(6);
    await app.page.keyboard.press('Escape');
    await expect.poll(selectedCount).toBe(0);
  });

  it('right-click on a tile selects it and opens its menu; Rate and Tag… act on the library', async () => {
    const ids = await tileIds();
    const second = tiles().nth(1);
    await second.click({ button: 'right' });
    const menu = app.page.getByRole('menu');
    await menu.waitFor();
    // Lightroom: the right-clicked tile, unselected, became the selection.
    await expect.poll(selectedCount).toBe(1);
    // (The menu is not modal: the page stays in the accessibility tree while it is open.)
    expect(await images().locator('.cell.is-selected button.thumb').getAttribute('data-asset-id')).toBe(ids[1]);
    for (const name of ['Open', 'Edit', 'Rate', 'Flag', 'Tag…', 'Move to…', 'Copy to…', 'Export…', 'Move to trash']) {
      expect(await menu.getByRole('menuitem', { name, exact: true }).count(), name).toBe(1);
    }
    // The browser has no file manager to show: that item is the desktop window's only.
    expect(await menu.getByRole('menuitem', { name: 'Show in file manager' }).count()).toBe(0);
    // Compare needs two images or more.
    expect(await menu.getByRole('menuitem', { name: /^Compare/ }).count()).toBe(0);
    await menu.getByRole('menuitem', { name: 'Rate', exact: true }).hover();
    const stars = app.page.getByRole('menuitem', { name: '3 stars', exact: true });
    await stars.waitFor();
    await app.page.screenshot({ path: join(SCREENSHOTS, 'context-menu.png') });
    await stars.click();
    await app.page.getByRole('menu').first().waitFor({ state: 'detached' });
    await expect.poll(() => sql<{ rating: number }>('SELECT rating FROM assets WHERE id = ?', ids[1])[0]?.rating, { timeout: 10_000 }).toBe(3);
    // The menu's Undo names the step and runs the same history as Ctrl+Z; Redo replays it.
    const rating = () => sql<{ rating: number }>('SELECT rating FROM assets WHERE id = ?', ids[1])[0]?.rating;
    await tiles().nth(1).click({ button: 'right' });
    await app.page.getByRole('menu').getByRole('menuitem', { name: 'Undo: Rate 1 image ★3' }).click();
    await expect.poll(rating, { timeout: 10_000 }).toBe(0);
    await tiles().nth(1).click({ button: 'right' });
    await app.page.getByRole('menu').getByRole('menuitem', { name: 'Redo: Rate 1 image ★3' }).click();
    await expect.poll(rating, { timeout: 10_000 }).toBe(3);

    // Two selected, right-click one of them: the menu acts on both (Compare 2 images offered), and Tag… tags both.
    await gallery().getByRole('checkbox', { name: `Select ${PROMPT}` }).nth(2).check();
    await expect.poll(selectedCount).toBe(2);
    await tiles().nth(2).click({ button: 'right' });
    await app.page.getByRole('menu').getByRole('menuitem', { name: 'Compare 2 images' }).waitFor();
    await app.page.getByRole('menu').getByRole('menuitem', { name: 'Tag…' }).click();
    const dialog = app.page.getByRole('dialog', { name: 'Add tags' });
    await dialog.waitFor();
    await app.page.keyboard.type('crane');
    await app.page.keyboard.press('Enter');
    await dialog.getByRole('button', { name: 'Add tags' }).click();
    await dialog.waitFor({ state: 'hidden' });
    const tagged = () =>
      sql<{ asset_id: string }>("SELECT asset_id FROM asset_tags JOIN tags ON tags.id = tag_id WHERE tags.name = 'crane' ORDER BY asset_id").map((r) => r.asset_id);
    await expect.poll(tagged, { timeout: 10_000 }).toEqual([ids[1], ids[2]].sort());
  });

  it('Shift+F10 on a focused tile opens its menu at its first item; Move to trash trashes it', async () => {
    await tiles().first().focus();
    await app.page.keyboard.press('Escape'); // clear the selection
    await expect.poll(selectedCount).toBe(0);
    const ids = await tileIds();
    const last = ids[ids.length - 1]!;
    await tiles().last().focus();
    await app.page.keyboard.press('Shift+F10');
    const menu = app.page.getByRole('menu');
    await menu.waitFor();
    const focusedItem = () => app.page.evaluate(() => `${document.activeElement?.getAttribute('role')}: ${document.activeElement?.textContent ?? ''}`);
    await expect.poll(focusedItem).toBe('menuitem: OpenEnter'); // the label, then its key (hidden from its name)
    await app.page.keyboard.press('Escape');
    await menu.waitFor({ state: 'detached' });
    await expect.poll(activeAsset).toBe(last); // focus went back to the tile
    await app.page.keyboard.press('Shift+F10');
    await menu.waitFor();
    await menu.getByRole('menuitem', { name: 'Move to trash' }).click();
    await expect.poll(() => sql<{ d: number | null }>('SELECT deleted_at AS d FROM assets WHERE id = ?', last)[0]?.d, { timeout: 10_000 }).not.toBeNull();
    await expect.poll(() => tiles().count(), { timeout: 10_000 }).toBe(5);

    // In the Trash the menu offers Open and Restore.
    await app.page.getByRole('navigation').getByRole('button', { name: /^Trash/ }).click();
    await expect.poll(() => tiles().count(), { timeout: 10_000 }).toBe(1);
    await tiles().first().click({ button: 'right' });
    const trashMenu = app.page.getByRole('menu');
    await trashMenu.waitFor();
    expect(await trashMenu.getByRole('menuitem', { name: 'Move to trash' }).count()).toBe(0);
    await trashMenu.getByRole('menuitem', { name: 'Restore' }).click();
    await expect.poll(() => sql<{ d: number | null }>('SELECT deleted_at AS d FROM assets WHERE id = ?', last)[0]?.d, { timeout: 10_000 }).toBeNull();
    await tree().getByRole('treeitem', { name: 'Paper' }).click();
    await expect.poll(() => tiles().count(), { timeout: 10_000 }).toBe(6);
  });

  it('right-click on a sidebar folder: Rename…, New folder…, Export… (the project or the folder)', async () => {
    await tree().getByRole('treeitem', { name: 'Seconds' }).click({ button: 'right' });
    const menu = app.page.getByRole('menu', { name: 'Actions for “Seconds”' });
    await menu.waitFor();
    for (const name of ['New folder…', 'Rename…', 'Move to…', 'Export…', 'Delete…']) {
      expect(await menu.getByRole('menuitem', { name, exact: true }).count(), name).toBe(1);
    }
    await menu.getByRole('menuitem', { name: 'Rename…' }).click();
    const dialog = app.page.getByRole('dialog', { name: 'Rename “Seconds”' });
    await dialog.waitFor();
    await app.page.keyboard.type('Maybes');
    await app.page.keyboard.press('Enter');
    await tree().getByRole('treeitem', { name: 'Maybes' }).waitFor({ timeout: 10_000 });
    await tree().getByRole('treeitem', { name: 'Paper' }).click({ button: 'right' });
    await app.page.getByRole('menu', { name: 'Actions for “Paper”' }).getByRole('menuitem', { name: 'New folder…' }).click();
    await app.page.getByRole('dialog', { name: 'New folder in “Paper”' }).waitFor();
    await app.page.keyboard.type('Outtakes');
    await app.page.keyboard.press('Enter');
    await tree().getByRole('treeitem', { name: 'Outtakes' }).waitFor({ timeout: 10_000 });
    expect(sql<{ n: number }>("SELECT count(*) AS n FROM folders WHERE name = 'Outtakes' AND parent_id = ?", folderId('Paper'))[0]!.n).toBe(1);
    // The Menu key on a focused row opens its menu at its first item.
    await tree().getByRole('treeitem', { name: 'Keepers' }).focus();
    await app.page.keyboard.press('ContextMenu');
    const keyMenu = app.page.getByRole('menu', { name: 'Actions for “Keepers”' });
    await keyMenu.waitFor();
    await expect.poll(() => app.page.evaluate(() => document.activeElement?.textContent ?? '')).toBe('New folder…');
    await app.page.keyboard.press('Escape');
    await keyMenu.waitFor({ state: 'detached' });
    // Export… on a project opens the export dialog on the whole project; on a folder, on that folder.
    await tree().getByRole('treeitem', { name: 'Paper' }).click({ button: 'right' });
    await app.page.getByRole('menu').getByRole('menuitem', { name: 'Export…' }).click();
    let exportDialog = app.page.getByRole('dialog', { name: 'Export images' });
    await exportDialog.waitFor();
    expect(await exportDialog.getByRole('radio', { name: 'Whole project “Paper”' }).isChecked()).toBe(true);
    await app.page.keyboard.press('Escape');
    await exportDialog.waitFor({ state: 'hidden' });
    await tree().getByRole('treeitem', { name: 'Maybes' }).click({ button: 'right' });
    await app.page.getByRole('menu').getByRole('menuitem', { name: 'Export…' }).click();
    exportDialog = app.page.getByRole('dialog', { name: 'Export images' });
    await exportDialog.waitFor();
    expect(await exportDialog.getByRole('radio', { name: 'Folder “Maybes”' }).isChecked()).toBe(true);
    await app.page.keyboard.press('Escape');
    await exportDialog.waitFor({ state: 'hidden' });
    await tree().getByRole('treeitem', { name: 'Paper' }).click();
  });

  /** Drags `from` with the mouse onto `to`, Alt held from mid-drag to the drop when `alt`; checks the drop target. */
  async function drag(from: Locator, to: Locator, alt: boolean): Promise<void> {
    const a = (await from.boundingBox())!;
    const b = (await to.boundingBox())!;
    await app.page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
    await app.page.mouse.down();
    await app.page.mouse.move(a.x + a.width / 2 + 20, a.y + a.height / 2 + 10, { steps: 4 });
    if (alt) await app.page.keyboard.down('Alt');
    await app.page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 10 });
    // The folder under the pointer is marked as the drop target.
    await expect.poll(() => to.getAttribute('class')).toContain('is-drop-target');
    await app.page.mouse.up();
    if (alt) await app.page.keyboard.up('Alt');
  }

  it('drags a tile onto a sidebar folder to move it, and the selection with Alt to copy it', async () => {
    const keepers = tree().getByRole('treeitem', { name: 'Keepers' });
    await tree().getByRole('treeitem', { name: 'Paper' }).click();
    await tiles().first().focus();
    await app.page.keyboard.press('Escape');
    await expect.poll(selectedCount).toBe(0);
    const before = inFolder('Paper');
    // An unselected tile moves alone.
    const first = (await tileIds())[0]!;
    await drag(tiles().first(), keepers, false);
    await expect.poll(() => inFolder('Keepers'), { timeout: 10_000 }).toEqual([first]);
    await expect.poll(() => tiles().count(), { timeout: 10_000 }).toBe(before.length - 1);
    expect(inFolder('Paper')).toEqual(before.filter((id) => id !== first).sort());

    // Two selected; dragging one of them carries both, and Alt at the drop copies instead of moving.
    const ids = await tileIds();
    await gallery().getByRole('checkbox', { name: `Select ${PROMPT}` }).nth(0).check();
    await gallery().getByRole('checkbox', { name: `Select ${PROMPT}` }).nth(1).check();
    await expect.poll(selectedCount).toBe(2);
    await drag(tiles().nth(1), tree().getByRole('treeitem', { name: 'Outtakes' }), true);
    await expect.poll(() => inFolder('Outtakes').length, { timeout: 10_000 }).toBe(2);
    const copies = sql<{ blob_id: string }>('SELECT blob_id FROM assets WHERE folder_id = ? ORDER BY blob_id', folderId('Outtakes')).map((r) => r.blob_id);
    const originals = sql<{ blob_id: string }>(`SELECT blob_id FROM assets WHERE id IN (?, ?) ORDER BY blob_id`, ids[0], ids[1]).map((r) => r.blob_id);
    expect(copies).toEqual(originals);
    // The originals stayed where they were.
    expect(inFolder('Paper')).toEqual(expect.arrayContaining([ids[0], ids[1]]));
    expect(await tiles().count()).toBe(ids.length);
  });

  it('? opens the sheet of every shortcut, with this platform’s modifier', async () => {
    await tiles().first().focus();
    await app.page.keyboard.press('Escape');
    await app.page.keyboard.press('?');
    const sheet = app.page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await sheet.waitFor();
    const row = (name: string) => sheet.getByRole('row', { name: new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`) });
    // Linux: Ctrl, not ⌘.
    expect(await row('Show or hide the sidebar').textContent()).toContain('Ctrl+\\');
    expect(await row('Show or hide the composer').textContent()).toContain('Ctrl+Shift+\\');
    expect(await row('Extend the selection').textContent()).toContain('Shift+→');
    expect(await row('Select all').textContent()).toContain('Ctrl+A');
    expect(await row('Search').textContent()).toContain('Ctrl+F');
    expect(await row('Show the keyboard shortcuts').textContent()).toContain('?');
    expect(await sheet.getByRole('table').count()).toBe(6);
    await app.page.screenshot({ path: join(SCREENSHOTS, 'shortcut-sheet.png') });
    await app.page.keyboard.press('Escape');
    await sheet.waitFor({ state: 'hidden' });
    // The same table names the controls' keys.
    expect(await app.page.getByRole('button', { name: 'Hide sidebar' }).getAttribute('aria-keyshortcuts')).toBe('Control+\\');
    expect(await app.page.getByRole('button', { name: 'Hide composer' }).getAttribute('aria-keyshortcuts')).toBe('Control+Shift+\\');
    expect(await app.page.getByRole('button', { name: 'Keyboard shortcuts' }).getAttribute('aria-keyshortcuts')).toBe('?');
  });

  it('the sidebar and the composer collapse by button and key, and stay collapsed after a reload', async () => {
    const composer = app.page.getByRole('region', { name: 'Composer' });
    const sidebar = app.page.getByRole('navigation', { name: 'Projects' });
    await composer.waitFor();
    await app.page.getByRole('button', { name: 'Hide composer' }).click();
    await composer.waitFor({ state: 'detached' });
    expect(await app.page.getByRole('button', { name: 'Show composer' }).getAttribute('aria-expanded')).toBe('false');
    const gridHeight = async () => (await gallery().boundingBox())!.height;
    const gridWidth = async () => (await gallery().boundingBox())!.width;
    const wide = await gridWidth();
    await tiles().first().focus();
    await app.page.keyboard.press('Control+\\');
    await sidebar.waitFor({ state: 'detached' });
    expect(await app.page.getByRole('button', { name: 'Show sidebar' }).getAttribute('aria-expanded')).toBe('false');
    // The grid takes the window: the sidebar's width and the composer's height.
    await expect.poll(gridWidth).toBeGreaterThan(wide + 200);
    const tall = await gridHeight();
    expect(tall).toBeGreaterThan(700);

    await app.page.reload();
    await tiles().first().waitFor({ timeout: 15_000 });
    expect(await composer.count()).toBe(0);
    expect(await sidebar.count()).toBe(0);
    await tiles().first().focus();
    await app.page.keyboard.press('Control+Shift+\\');
    await composer.waitFor();
    await app.page.keyboard.press('Control+\\');
    await sidebar.waitFor();
    expect(await gridHeight()).toBeLessThan(tall);
    expect(app.errors.filter((e) => !/favicon/.test(e))).toEqual([]);
  });
});
