/**
 * Issue 9 item 5 end to end, as a person would: the built app in the local web host, Debian Chromium, images made
 * with the offline sandbox provider. Delete a folder (with a sub-folder) from the sidebar, read in the
 * confirmation how many images go to the trash, confirm; the images are in the Trash; restore them; the folder
 * and its sub-folder are back with their images.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SCREENSHOTS } from '../helpers/paths';
import { useWebApp } from './harness';

const HARBOUR = 'Misty harbour at dawn, fishing boats';
const KITE = 'A yellow kite over a windy beach';

describe('deleting a folder keeps its images in the trash', () => {
  const app = useWebApp('atelier-e2e-folder-trash-', { ATELIER_SANDBOX_JOB_MS: '300' });

  const generate = async (prompt: string): Promise<void> => {
    await app.page.getByRole('combobox', { name: 'Provider' }).selectOption('sandbox');
    await app.page.getByRole('spinbutton', { name: 'Number of images' }).fill('1');
    await app.page.getByRole('textbox', { name: 'Prompt' }).fill(prompt);
    await app.page.getByRole('button', { name: 'Generate', exact: true }).click();
    await expect.poll(() => app.page.getByRole('region', { name: 'Gallery' }).getByRole('img', { name: prompt }).count(), { timeout: 30_000 }).toBe(1);
  };
  const newFolder = async (name: string): Promise<void> => {
    await app.page.getByRole('button', { name: 'New folder' }).click();
    const dialog = app.page.getByRole('dialog');
    await dialog.getByRole('textbox', { name: 'Folder name' }).fill(name);
    await dialog.getByRole('button', { name: 'Create' }).click();
    await dialog.waitFor({ state: 'hidden' });
  };

  it('delete from the sidebar, confirm, find the images in the Trash, restore, see the folder again', async () => {
    const tree = app.page.getByRole('tree');
    await app.page.getByRole('button', { name: 'New project' }).click();
    await app.page.getByRole('textbox', { name: 'Project name' }).fill('Shoots');
    await app.page.getByRole('button', { name: 'Create' }).click();
    await tree.getByRole('treeitem', { name: 'Shoots' }).click();
    await newFolder('March');
    await tree.getByRole('treeitem', { name: 'March' }).click();
    await generate(HARBOUR);
    await newFolder('Day 1');
    await tree.getByRole('treeitem', { name: 'Day 1' }).click();
    await generate(KITE);

    // Delete March (and Day 1 inside it) from the sidebar's toolbar; the confirmation says where the images go.
    await tree.getByRole('treeitem', { name: 'March' }).click();
    await app.page.getByRole('group', { name: 'Project actions' }).getByRole('button', { name: 'Delete' }).click();
    const confirm = app.page.getByRole('alertdialog', { name: 'Delete “March”?' });
    await expect.poll(() => confirm.textContent()).toContain('moves 2 images to the trash');
    await expect.poll(() => confirm.textContent()).toContain('restored from the trash go back to the same folders');
    await app.page.screenshot({ path: join(SCREENSHOTS, 'folder-delete-confirm.png') });
    await confirm.getByRole('button', { name: 'Delete' }).click();
    await confirm.waitFor({ state: 'hidden' });
    await expect.poll(() => tree.getByRole('treeitem', { name: 'March' }).count()).toBe(0);
    await expect.poll(() => tree.getByRole('treeitem', { name: 'Day 1' }).count()).toBe(0);

    // Both images wait in the Trash.
    const sidebar = app.page.getByRole('navigation');
    const trash = sidebar.getByRole('button', { name: /^Trash/ });
    await expect.poll(() => trash.textContent(), { timeout: 10_000 }).toMatch(/2$/);
    await trash.click();
    const gallery = app.page.getByRole('region', { name: 'Gallery' });
    await expect.poll(() => gallery.getByRole('img', { name: HARBOUR }).count(), { timeout: 10_000 }).toBe(1);
    await expect.poll(() => gallery.getByRole('img', { name: KITE }).count()).toBe(1);

    // Restore both: March and Day 1 are back in the tree, each with its image.
    await gallery.getByRole('checkbox', { name: `Select ${HARBOUR}` }).check();
    await gallery.getByRole('checkbox', { name: `Select ${KITE}` }).check();
    await app.page.getByRole('toolbar', { name: 'Selection' }).getByRole('button', { name: 'Restore' }).click();
    await expect.poll(() => trash.textContent(), { timeout: 10_000 }).toMatch(/0$/);
    await expect.poll(() => tree.getByRole('treeitem', { name: 'March' }).count(), { timeout: 10_000 }).toBe(1);
    await tree.getByRole('treeitem', { name: 'March' }).click();
    await expect.poll(() => gallery.getByRole('img', { name: HARBOUR }).count(), { timeout: 10_000 }).toBe(1);
    await expect.poll(() => tree.getByRole('treeitem', { name: 'Day 1' }).count(), { timeout: 10_000 }).toBe(1);
    await tree.getByRole('treeitem', { name: 'Day 1' }).click();
    await expect.poll(() => gallery.getByRole('img', { name: KITE }).count(), { timeout: 10_000 }).toBe(1);
    expect(app.errors).toEqual([]);
  });
});
