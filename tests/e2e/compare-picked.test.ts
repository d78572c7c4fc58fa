/**
 * Issue 5: compare any 2–4 images picked in the gallery — select them (checkbox, Ctrl-click) and press Compare; the
 * compare view opens with exactly those images.
 */
import { describe, expect, it } from 'vitest';
import { newProject, useWebApp } from './harness';

const PROMPT = 'a paper boat on a puddle';

describe('compare images picked in the gallery', () => {
  const app = useWebApp('atelier-e2e-picked-', { ATELIER_SANDBOX_JOB_MS: '400' });

  it('compares the selected images directly', async () => {
    await newProject(app.page, 'Boats');
    await app.page.getByRole('combobox', { name: 'Provider' }).selectOption('sandbox');
    await app.page.getByRole('spinbutton', { name: 'Number of images' }).fill('3');
    await app.page.getByRole('textbox', { name: 'Prompt' }).fill(PROMPT);
    await app.page.getByRole('button', { name: 'Generate', exact: true }).click();
    const gallery = app.page.getByRole('region', { name: 'Gallery' });
    await expect.poll(() => gallery.getByRole('img', { name: PROMPT }).count(), { timeout: 30_000 }).toBe(3);

    const images = gallery.getByRole('list', { name: 'Images' });
    await images.getByRole('checkbox', { name: `Select ${PROMPT}` }).nth(0).check();
    await gallery.getByRole('img', { name: PROMPT }).nth(2).click({ modifiers: ['Control'] });
    await expect.poll(() => app.page.getByRole('toolbar', { name: 'Selection' }).textContent()).toContain('2 selected');

    await gallery.getByRole('button', { name: 'Compare', exact: true }).click();
    const view = app.page.getByRole('dialog', { name: 'Compare images' });
    await view.waitFor({ timeout: 10_000 });
    await expect.poll(() => view.getByRole('list', { name: 'Images' }).getByRole('listitem').count()).toBe(2);
  });
});
