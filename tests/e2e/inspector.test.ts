/**
 * Issue 11, habits: the inspector, the viewer's organising and "Use these settings", and the tag and model filters,
 * as a person would use them: the built app in the local web host, Debian Chromium, at 1280×800, images made with
 * the offline sandbox provider. Controls are found by role and accessible name.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Locator } from 'playwright-core';
import { GOOD_IMAGES, SCREENSHOTS } from '../helpers/paths';
import { dropFiles, newProject, useWebApp } from './harness';

const STORM = 'Lighthouse in a storm at night, crashing waves';
const BOAT = 'Paper boat on a puddle after rain';
/** The title given to one storm image in the inspector (a titled tile is named by its title). */
const TITLE = 'Café du phare';

describe('inspector, viewer organising, use these settings, tag and model filters', () => {
  const app = useWebApp('atelier-e2e-inspector-', { ATELIER_SANDBOX_JOB_MS: '150' });
  beforeAll(async () => {
    await app.page.setViewportSize({ width: 1280, height: 800 });
  });

  const gallery = (): Locator => app.page.getByRole('region', { name: 'Gallery' });
  const composer = (): Locator => app.page.getByRole('region', { name: 'Composer' });
  const inspector = (): Locator => app.page.getByRole('complementary', { name: 'Inspector' });
  const select = (prompt: string, nth: number) =>
    gallery().getByRole('list', { name: 'Images' }).getByRole('checkbox', { name: `Select ${prompt}` }).nth(nth).check();
  const shown = (prompt: string) => gallery().getByRole('img', { name: prompt, exact: true }).count();
  /** Storm images shown, the titled one included. */
  const storms = async () => (await shown(STORM)) + (await shown(TITLE));
  const generate = async (prompt: string, count: number, before: number): Promise<void> => {
    await composer().getByRole('spinbutton', { name: 'Number of images' }).fill(String(count));
    await composer().getByRole('textbox', { name: 'Prompt' }).fill(prompt);
    await composer().getByRole('button', { name: 'Generate', exact: true }).click();
    await expect.poll(() => shown(prompt), { timeout: 30_000 }).toBe(before + count);
  };
  const searchFor = async (text: string): Promise<void> => {
    await gallery().getByRole('searchbox', { name: 'Search' }).fill(text);
  };
  const openViewer = async (prompt: string, nth = 0): Promise<Locator> => {
    // Enter on a tile opens it (whether a click selects or opens).
    await gallery().getByRole('list', { name: 'Images' }).locator('button.thumb', { has: app.page.getByRole('img', { name: prompt, exact: true }) }).nth(nth).focus();
    await app.page.keyboard.press('Enter');
    const viewer = app.page.getByRole('dialog', { name: 'Image viewer' });
    await viewer.waitFor();
    return viewer;
  };
  const pressed = (l: Locator) => l.getAttribute('aria-pressed');

  it('shows and edits one image, then three at once, in the inspector; collapses with I and its button', async () => {
    await newProject(app.page, 'Coast');
    await composer().getByRole('combobox', { name: 'Provider' }).selectOption('sandbox');
    await composer().getByRole('combobox', { name: 'Model' }).selectOption('gpt-image-2');
    await composer().getByRole('combobox', { name: 'Quality' }).selectOption('high');
    const bytes = await readFile(join(GOOD_IMAGES, 'astronaut.png'));
    await dropFiles(app.page, app.page.getByRole('group', { name: 'Reference images' }), [{ name: 'astronaut.png', mime: 'image/png', bytes }]);
    await app.page.getByRole('list', { name: 'Staged reference images' }).getByRole('listitem', { name: 'astronaut.png' }).waitFor();
    await generate(STORM, 3, 0);
    await app.page.getByRole('button', { name: 'Remove astronaut.png' }).click();
    await composer().getByRole('combobox', { name: 'Model' }).selectOption('gpt-image-1.5');
    await composer().getByRole('combobox', { name: 'Quality' }).selectOption('low');
    await generate(BOAT, 1, 0);

    // At 1280×800 the inspector sits beside the grid and above the composer, never over it.
    const toggle = app.page.getByRole('button', { name: 'Inspector' });
    expect(await toggle.getAttribute('aria-expanded')).toBe('true');
    const [ib, cb, gb] = await Promise.all([inspector().boundingBox(), composer().boundingBox(), gallery().boundingBox()]);
    expect(ib!.y + ib!.height).toBeLessThanOrEqual(cb!.y + 1);
    expect(gb!.x + gb!.width).toBeLessThanOrEqual(ib!.x + 1);
    expect(gb!.width).toBeGreaterThan(500);
    expect(await inspector().textContent()).toContain('Select an image');

    // One image: its recipe, title, rating and tags, edited here.
    await select(STORM, 0);
    const recipe = inspector().getByRole('region', { name: 'Recipe' });
    await expect.poll(() => recipe.textContent()).toContain(STORM);
    expect(await recipe.textContent()).toContain('GPT Image 2');
    // Lineage and cost load after the recipe ("Loading recipe…" first).
    await expect.poll(() => inspector().getByRole('region', { name: 'Lineage' }).textContent(), { timeout: 15_000 }).toContain('An original');
    await expect.poll(() => inspector().getByRole('region', { name: 'Cost' }).textContent(), { timeout: 15_000 }).toContain('Free');
    const title = inspector().getByRole('textbox', { name: 'Title' });
    await title.fill(TITLE);
    await title.press('Enter');
    await inspector().getByRole('group', { name: 'Rating' }).getByRole('button', { name: 'Rate 3 stars' }).click();
    await expect.poll(() => pressed(inspector().getByRole('button', { name: 'Rate 3 stars' }))).toBe('true');
    const addTag = inspector().getByRole('combobox', { name: 'Add a tag' });
    await addTag.fill('phare');
    await addTag.press('Enter');
    await inspector().getByRole('list', { name: 'Tags' }).getByRole('listitem').filter({ hasText: 'phare' }).waitFor();
    await app.page.screenshot({ path: join(SCREENSHOTS, 'inspector.png') });
    // The grid shows the rating; search finds the title (without its accent) and the tag.
    await expect.poll(() => gallery().getByText('3', { exact: true }).count()).toBe(1);
    await expect.poll(() => shown(TITLE)).toBe(1);
    await searchFor('cafe');
    await expect.poll(() => gallery().getByRole('list', { name: 'Images' }).getByRole('img').count()).toBe(1);
    expect(await shown(TITLE)).toBe(1);
    await searchFor('phare');
    await expect.poll(() => shown(TITLE)).toBe(1);
    expect(await gallery().getByRole('list', { name: 'Images' }).getByRole('img').count()).toBe(1);
    await searchFor('');
    await expect.poll(() => storms()).toBe(3);

    // Three: common values, mixed ones said so; a tag set for all.
    await select(TITLE, 0);
    await select(STORM, 0);
    await select(STORM, 1);
    await expect.poll(() => inspector().textContent()).toContain('3 selected');
    await expect.poll(() => inspector().getByRole('textbox', { name: 'Title' }).getAttribute('placeholder')).toBe('Mixed');
    expect(await inspector().getByRole('group', { name: 'Rating' }).locator('..').textContent()).toContain('Mixed');
    expect(await pressed(inspector().getByRole('button', { name: 'Not flagged' }))).toBe('true');
    expect(await inspector().getByRole('list', { name: 'Tags' }).textContent()).toContain('1/3');
    const addAll = inspector().getByRole('combobox', { name: 'Add a tag to all' });
    await addAll.fill('storm');
    await addAll.press('Enter');
    await expect.poll(() => inspector().getByRole('list', { name: 'Tags' }).textContent()).toMatch(/storm(?!.*1\/3.*storm)/);
    await inspector().getByRole('button', { name: 'Pick' }).click();
    await expect.poll(() => pressed(inspector().getByRole('button', { name: 'Pick' }))).toBe('true');
    await searchFor('storm');
    await expect.poll(() => storms()).toBe(3);
    await searchFor('');

    // Collapse with the I key (focus on the panel's button, not in a field) and open with the button; remembered.
    await toggle.focus();
    await app.page.keyboard.press('i');
    await expect.poll(() => toggle.getAttribute('aria-expanded')).toBe('false');
    expect(await inspector().count()).toBe(0);
    await app.page.reload();
    await app.page.getByRole('treeitem', { name: 'Coast' }).click();
    await expect.poll(() => shown(BOAT)).toBe(1);
    expect(await app.page.getByRole('button', { name: 'Inspector' }).getAttribute('aria-expanded')).toBe('false');
    await app.page.getByRole('button', { name: 'Inspector' }).click();
    await expect.poll(() => app.page.getByRole('button', { name: 'Inspector' }).getAttribute('aria-expanded')).toBe('true');
    await inspector().waitFor();
    // Typing an I into a field is not the shortcut.
    await gallery().getByRole('searchbox', { name: 'Search' }).fill('');
    await gallery().getByRole('searchbox', { name: 'Search' }).press('i');
    expect(await app.page.getByRole('button', { name: 'Inspector' }).getAttribute('aria-expanded')).toBe('true');
    await gallery().getByRole('searchbox', { name: 'Search' }).fill('');
  });

  it('rates with a key, picks with P and tags in the viewer, which shows them', async () => {
    const viewer = await openViewer(BOAT);
    await viewer.getByRole('region', { name: 'Rating, flag and tags' }).waitFor();
    await app.page.keyboard.press('4');
    await expect.poll(() => pressed(viewer.getByRole('button', { name: 'Rate 4 stars' }))).toBe('true');
    await app.page.keyboard.press('p');
    await expect.poll(() => pressed(viewer.getByRole('button', { name: 'Pick' }))).toBe('true');
    await app.page.keyboard.press('x');
    await expect.poll(() => pressed(viewer.getByRole('button', { name: 'Reject' }))).toBe('true');
    await app.page.keyboard.press('u');
    await expect.poll(() => pressed(viewer.getByRole('button', { name: 'Not flagged' }))).toBe('true');
    await app.page.keyboard.press('p');
    const tag = viewer.getByRole('combobox', { name: 'Add a tag' });
    await tag.fill('bateau');
    // Keys typed into the tag field are text, not shortcuts.
    await tag.press('Enter');
    await viewer.getByRole('list', { name: 'Tags' }).getByRole('listitem').filter({ hasText: 'bateau' }).waitFor();
    expect(await pressed(viewer.getByRole('button', { name: 'Rate 4 stars' }))).toBe('true');
    await app.page.keyboard.press('Escape');
    await viewer.waitFor({ state: 'hidden' });
    await expect.poll(() => gallery().getByText('4', { exact: true }).count()).toBe(1);
    await searchFor('bateau');
    await expect.poll(() => shown(BOAT)).toBe(1);
    await searchFor('');
  });

  it('"Use these settings" puts provider, model, prompt, parameters and references back into the composer', async () => {
    // The composer holds the boat's settings (gpt-image-1.5, low, 1 image, no reference).
    expect(await composer().getByRole('combobox', { name: 'Model' }).inputValue()).toBe('gpt-image-1.5');
    const viewer = await openViewer(STORM, 1);
    await viewer.getByRole('button', { name: 'Use these settings' }).click();
    await viewer.waitFor({ state: 'hidden' });
    expect(await composer().getByRole('combobox', { name: 'Provider' }).inputValue()).toBe('sandbox');
    expect(await composer().getByRole('combobox', { name: 'Model' }).inputValue()).toBe('gpt-image-2');
    expect(await composer().getByRole('textbox', { name: 'Prompt' }).inputValue()).toBe(STORM);
    expect(await composer().getByRole('combobox', { name: 'Quality' }).inputValue()).toBe('high');
    expect(await composer().getByRole('spinbutton', { name: 'Number of images' }).inputValue()).toBe('3');
    await app.page.getByRole('list', { name: 'Staged reference images' }).getByRole('listitem', { name: 'astronaut.png' }).waitFor();
    // Generate with them: the new images' recipe has the reference again.
    await composer().getByRole('spinbutton', { name: 'Number of images' }).fill('1');
    await composer().getByRole('button', { name: 'Generate', exact: true }).click();
    await expect.poll(() => storms(), { timeout: 30_000 }).toBe(4);
    const again = await openViewer(STORM, 0);
    const recipe = again.getByRole('region', { name: 'Recipe' });
    await expect.poll(() => recipe.getByRole('img', { name: 'astronaut.png' }).count()).toBe(1);
    expect(await recipe.textContent()).toContain('GPT Image 2');
    await app.page.keyboard.press('Escape');
    await again.waitFor({ state: 'hidden' });
  });

  it('filters by tag (any of the chosen, with autocomplete) and by model (those in the library)', async () => {
    await gallery().getByRole('button', { name: 'Filters' }).click();
    const filters = app.page.getByRole('group', { name: 'Filters' });
    const model = filters.getByRole('combobox', { name: 'Model' });
    await expect.poll(() => model.locator('option').allTextContents()).toEqual(['Any', 'GPT Image 2', 'GPT Image 1.5']);
    // Every search below has matches: between two of them the grid keeps the last one's images and count on screen
    // until the next arrive (it never blanks, and its live count never reads "0 matches" or "Loading").
    await app.page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { seenBetween: string[] }).seenBetween = seen;
      const region = document.querySelector('section.gallery')!;
      const note = (): void => {
        const images = region.querySelectorAll('[role="list"][aria-label="Images"] img').length;
        const count = region.querySelector('.gallery-count')?.textContent ?? '';
        seen.push(`${images}|${count}`);
      };
      const observer = new MutationObserver(note);
      observer.observe(region, { subtree: true, childList: true, characterData: true });
      (window as unknown as { stopSeen: () => void }).stopSeen = () => observer.disconnect();
    });
    await model.selectOption({ label: 'GPT Image 1.5' });
    await expect.poll(() => storms()).toBe(0);
    expect(await shown(BOAT)).toBe(1);
    await model.selectOption({ label: 'Any' });
    await expect.poll(() => storms()).toBe(4);

    const tags = filters.getByRole('combobox', { name: 'Tags' });
    await tags.fill('st');
    // Autocomplete from the library's tags.
    await expect.poll(() => filters.locator('datalist option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value))).toEqual(['storm']);
    await tags.fill('storm');
    await tags.press('Enter');
    await expect.poll(() => storms()).toBe(3);
    expect(await shown(BOAT)).toBe(0);
    await tags.fill('bateau');
    await tags.press('Enter');
    await expect.poll(() => shown(BOAT)).toBe(1);
    expect(await storms()).toBe(3);
    await model.selectOption({ label: 'GPT Image 2' });
    await expect.poll(() => shown(BOAT)).toBe(0);
    const between = await app.page.evaluate(() => {
      (window as unknown as { stopSeen: () => void }).stopSeen();
      return (window as unknown as { seenBetween: string[] }).seenBetween;
    });
    expect(between.length).toBeGreaterThan(0);
    expect(between.filter((r) => r.startsWith('0|') || /\b0 matches|Loading/.test(r))).toEqual([]);
    await filters.getByRole('button', { name: 'Remove tag filter storm' }).click();
    await expect.poll(() => storms()).toBe(0);
    await model.selectOption({ label: 'Any' });
    await expect.poll(() => shown(BOAT)).toBe(1);
    expect(app.errors).toEqual([]);
  });
});
