/**
 * Issue 10, end to end in Debian Chromium against the built web host: the archives of InvokeAI, NovelAI, Fooocus
 * and SwarmUI, a Lightroom JPEG (XMP title, caption, keywords and stars written by exiftool), and a JPEG whose
 * title, keyword and stars are in its `.xmp` sidecar, go in through the import control; the report names each tool; a word of each prompt finds its image; the viewer says "Made with …"
 * with the prompt, negative prompt and model; the Lightroom photo comes in with its title, tags and rating.
 * Then the round trip as a person does it: generate an image on the sandbox, rate and tag it in the viewer, edit
 * it, export the project with the "JPEG with recipe" preset to a folder, import the exported files into another
 * library (a second web host on its own data folder, as on a colleague's or a new machine): both come back with
 * prompt, rating and tags, "Made with Atelier", and the edit's lineage (its versions tree holds the re-imported
 * parent).
 */
import { execFile } from 'node:child_process';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/app';
import { base, FOOOCUS, INVOKE, NOVEL_COMMENT, SWARM, withText } from '../helpers/foreign-fixtures';
import { launchBrowser, newProject, openPage, startHost, type RunningHost } from './harness';

const run = promisify(execFile);

const NOVEL_PROMPT = 'a witch riding a broom over a harvest moon';
const TRIP_PROMPT = 'A paper crane on a windowsill, 종이학, 折り鶴';
const EDIT_PROMPT = 'make the crane red';

describe('other tools archives and the Atelier round trip, in the browser', () => {
  let browser: Browser;
  let host: RunningHost;
  let other: RunningHost | undefined;
  let otherErrors: string[] = [];
  let page: Page;
  let errors: string[];
  let dir: string;
  let cleanup: () => Promise<void>;
  const files: string[] = [];

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('atelier-e2e-formats-'));
    const inDir = join(dir, 'in');
    await mkdir(inDir);
    const put = async (name: string, bytes: Buffer): Promise<string> => {
      const p = join(inDir, name);
      await writeFile(p, bytes);
      files.push(p);
      return p;
    };
    await put('invoke-astronaut.png', withText(await base('png'), [{ type: 'iTXt', key: 'invokeai_metadata', text: JSON.stringify(INVOKE) }]));
    await put(
      'novel-witch.png',
      withText(await base('png'), [
        { type: 'tEXt', key: 'Title', text: 'AI generated image' },
        { type: 'tEXt', key: 'Description', text: NOVEL_PROMPT },
        { type: 'tEXt', key: 'Software', text: 'NovelAI' },
        { type: 'tEXt', key: 'Source', text: 'NovelAI Diffusion V4.5 4BDE2A90' },
        { type: 'tEXt', key: 'Comment', text: JSON.stringify(NOVEL_COMMENT) },
      ]),
    );
    await put(
      'fooocus-terrarium.png',
      withText(await base('png'), [
        { type: 'tEXt', key: 'parameters', text: JSON.stringify(FOOOCUS) },
        { type: 'tEXt', key: 'fooocus_scheme', text: 'fooocus' },
      ]),
    );
    await put('swarm-library.png', withText(await base('png'), [{ type: 'iTXt', key: 'parameters', text: JSON.stringify(SWARM) }]));
    const lr = await put('lightroom-jeju.jpg', await base('jpeg'));
    await run('exiftool', [
      '-overwrite_original',
      '-XMP-dc:Title=Jeju coast at noon',
      '-XMP-dc:Description=Basalt columns at Jusangjeolli, 주상절리',
      '-XMP-dc:Subject=coast',
      '-XMP-dc:Subject=Jeju',
      '-XMP-xmp:Rating=4',
      lr,
    ]);
    // A photo whose keywords and stars live in its Lightroom sidecar (photo.xmp beside photo.jpg), listed after it.
    await put('sidecar-harbour.jpg', await base('jpeg'));
    await run('exiftool', ['-q', '-XMP-dc:Title=Harbour from the sidecar', '-XMP-dc:Subject=항구', '-XMP-xmp:Rating=2', join(inDir, 'sidecar-harbour.xmp')]);
    files.push(join(inDir, 'sidecar-harbour.xmp'));
    host = await startHost(join(dir, 'lib'), { ATELIER_SANDBOX_JOB_MS: '500' });
    browser = await launchBrowser();
    ({ page, errors } = await openPage(browser, host.url));
  });
  afterAll(async () => {
    await browser?.close();
    await host?.stop();
    await other?.stop();
    await cleanup?.();
  });

  const gallery = (): Locator => page.getByRole('region', { name: 'Gallery' });
  const tiles = (): Locator => gallery().getByRole('list', { name: 'Images' }).getByRole('listitem');
  const viewer = (): Locator => page.getByRole('dialog', { name: 'Image viewer' });
  const pressed = (l: Locator): Promise<string | null> => l.getAttribute('aria-pressed');

  /**
   * Searches the open project of `total` images, expects one match, opens it in the viewer. The search is cleared
   * first and the whole project waited for, so the one match seen is this search's, not the previous one's.
   */
  const openFound = async (text: string, total: number): Promise<Locator> => {
    await gallery().getByRole('searchbox', { name: 'Search' }).fill('');
    await expect.poll(() => tiles().count(), { timeout: 15_000 }).toBe(total);
    await gallery().getByRole('searchbox', { name: 'Search' }).fill(text);
    await expect.poll(() => tiles().count(), { timeout: 15_000 }).toBe(1);
    // Enter on a tile opens it (whether a click selects or opens).
    await tiles().first().locator('button.thumb').focus();
    await page.keyboard.press('Enter');
    await viewer().waitFor();
    return viewer();
  };
  const closeViewer = async (): Promise<void> => {
    await viewer().getByRole('button', { name: 'Close viewer' }).click();
    await viewer().waitFor({ state: 'hidden' });
  };
  const importFiles = async (paths: string[], expected: string): Promise<Locator> => {
    await page.getByTestId('import-files').setInputFiles(paths);
    const report = page.getByRole('group', { name: 'Import report' });
    await report.waitFor({ timeout: 60_000 });
    await expect.poll(() => report.textContent(), { timeout: 30_000 }).toContain(expected);
    return report;
  };

  it('imports InvokeAI, NovelAI, Fooocus, SwarmUI and Lightroom files with their recipes, tags and rating', async () => {
    await newProject(page, 'Archives');
    const report = await importFiles(files, '6 imported · 0 skipped');
    await report.getByText('Recipes from other tools (4)').click();
    const recipes = report.getByRole('list', { name: 'Recipes from other tools' });
    expect((await recipes.getByRole('listitem').allTextContents()).sort()).toEqual([
      'fooocus-terrarium.png — Fooocus',
      'invoke-astronaut.png — InvokeAI',
      'novel-witch.png — NovelAI',
      'swarm-library.png — SwarmUI',
    ]);
    await page.getByRole('region', { name: 'Tasks' }).getByRole('button', { name: 'Dismiss' }).click();
    await expect.poll(() => tiles().count(), { timeout: 20_000 }).toBe(6);

    const cases: Array<{ word: string; tool: string; texts: string[] }> = [
      { word: '喫茶店', tool: 'InvokeAI', texts: [INVOKE.positive_prompt, 'low quality', 'Juggernaut XL v9', '3141592'] },
      { word: 'witch', tool: 'NovelAI', texts: [NOVEL_PROMPT, NOVEL_COMMENT.uc, 'NovelAI Diffusion V4.5', '2718281828'] },
      { word: 'terrarium', tool: 'Fooocus', texts: [FOOOCUS.prompt, FOOOCUS.negative_prompt, FOOOCUS.base_model, 'Fooocus v2.5.5'] },
      { word: 'brutalist', tool: 'SwarmUI', texts: [SWARM.sui_image_params.prompt, 'flux1-dev-fp8', '1717'] },
    ];
    for (const c of cases) {
      const v = await openFound(c.word, 6);
      const recipe = v.getByRole('region', { name: 'Recipe' });
      await expect.poll(() => recipe.textContent(), { timeout: 10_000 }).toContain(`Made with ${c.tool}`);
      const text = (await recipe.textContent()) ?? '';
      for (const t of c.texts) expect(text, `${c.tool}: ${t}`).toContain(t);
      await closeViewer();
    }

    // The Lightroom photo: found by its caption (accents and Hangul), with its title, keywords and stars.
    const v = await openFound('주상절리', 6);
    const organise = v.getByRole('region', { name: 'Rating, flag and tags' });
    await organise.waitFor();
    expect(await pressed(organise.getByRole('button', { name: 'Rate 4 stars' }))).toBe('true');
    const tagList = organise.getByRole('list', { name: 'Tags' });
    await expect.poll(async () => (await tagList.getByRole('listitem').allTextContents()).join(' ')).toMatch(/coast.*Jeju|Jeju.*coast/);
    await closeViewer();
    // Its title names the tile.
    await gallery().getByRole('img', { name: 'Jeju coast at noon', exact: true }).waitFor();

    // The sidecar's title, keyword and stars came in with its photo (the page sent the sidecar first).
    const harbour = await openFound('항구', 6);
    expect(await pressed(harbour.getByRole('button', { name: 'Rate 2 stars' }))).toBe('true');
    await closeViewer();
    await gallery().getByRole('searchbox', { name: 'Search' }).fill('');
    await gallery().getByRole('img', { name: 'Harbour from the sidecar', exact: true }).waitFor();
  });

  it('round trip: generated, rated, tagged and edited here, exported with its recipe, imported back with all of it', async () => {
    await newProject(page, 'Trip');
    await page.getByRole('combobox', { name: 'Provider' }).selectOption('sandbox');
    await page.getByRole('combobox', { name: 'Model' }).selectOption('gpt-image-2');
    await page.getByRole('textbox', { name: 'Prompt' }).fill(TRIP_PROMPT);
    await page.getByRole('button', { name: 'Generate', exact: true }).click();
    await gallery().getByRole('img', { name: TRIP_PROMPT, exact: true }).waitFor({ timeout: 30_000 });

    // Rate and tag it in the viewer, then edit it.
    await gallery().getByRole('img', { name: TRIP_PROMPT, exact: true }).dblclick();
    await viewer().getByRole('region', { name: 'Rating, flag and tags' }).waitFor();
    await page.keyboard.press('4');
    await expect.poll(() => pressed(viewer().getByRole('button', { name: 'Rate 4 stars' }))).toBe('true');
    const tag = viewer().getByRole('combobox', { name: 'Add a tag' });
    await tag.fill('origami');
    await tag.press('Enter');
    await viewer().getByRole('list', { name: 'Tags' }).getByRole('listitem').filter({ hasText: 'origami' }).waitFor();
    await viewer().getByRole('button', { name: 'Edit', exact: true }).click();
    await viewer().waitFor({ state: 'hidden' });
    await expect.poll(() => page.getByRole('group', { name: 'Editing' }).textContent()).toContain(TRIP_PROMPT);
    await page.getByRole('textbox', { name: 'Prompt' }).fill(EDIT_PROMPT);
    await page.getByRole('button', { name: 'Generate', exact: true }).click();
    await gallery().getByRole('img', { name: EDIT_PROMPT, exact: true }).waitFor({ timeout: 30_000 });

    // Export the project with the recipe preset to a folder typed in.
    const out = join(dir, 'delivery');
    await mkdir(out);
    await page.getByRole('button', { name: 'Export', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Export images' });
    await dialog.getByRole('radio', { name: /Whole project/ }).check();
    await expect.poll(() => dialog.getByRole('combobox', { name: 'Preset' }).inputValue()).toBe('preset-jpeg-recipe');
    await dialog.getByRole('textbox', { name: 'Export folder' }).fill(out);
    await dialog.getByRole('button', { name: 'Export', exact: true }).click();
    await dialog.waitFor({ state: 'hidden' });
    const exportReport = page.getByRole('group', { name: 'Export report' });
    await exportReport.waitFor({ timeout: 60_000 });
    await expect.poll(() => exportReport.textContent(), { timeout: 30_000 }).toContain('2 written');
    await page.getByRole('region', { name: 'Tasks' }).getByRole('button', { name: 'Dismiss' }).click();
    const exported = (await readdir(join(out, 'Trip'))).filter((f) => f.endsWith('.jpg')).map((f) => join(out, 'Trip', f));
    expect(exported).toHaveLength(2);

    // Into another library: both come back as Atelier's, with prompt, rating, tags and lineage.
    await page.close();
    other = await startHost(join(dir, 'lib2'), {});
    ({ page, errors: otherErrors } = await openPage(browser, other.url));
    await newProject(page, 'Back');
    const report = await importFiles(exported, '2 imported · 0 skipped');
    await report.getByText('Recipes from other tools (2)').click();
    const tools = await report.getByRole('list', { name: 'Recipes from other tools' }).getByRole('listitem').allTextContents();
    expect(tools.map((t) => t.replace(/^.* — /, ''))).toEqual(['Atelier', 'Atelier']);
    await page.getByRole('region', { name: 'Tasks' }).getByRole('button', { name: 'Dismiss' }).click();
    await expect.poll(() => tiles().count(), { timeout: 20_000 }).toBe(2);

    const parent = await openFound('折り鶴', 2);
    const recipe = parent.getByRole('region', { name: 'Recipe' });
    await expect.poll(() => recipe.textContent(), { timeout: 10_000 }).toContain('Made with Atelier');
    expect(await recipe.textContent()).toContain(TRIP_PROMPT);
    expect(await recipe.textContent()).toContain('gpt-image-2');
    expect(await pressed(parent.getByRole('button', { name: 'Rate 4 stars' }))).toBe('true');
    expect(await parent.getByRole('list', { name: 'Tags' }).textContent()).toContain('origami');
    await closeViewer();

    const child = await openFound('crane red', 2);
    await expect.poll(() => child.getByRole('region', { name: 'Recipe' }).textContent(), { timeout: 10_000 }).toContain(EDIT_PROMPT);
    await child.getByRole('button', { name: 'Versions' }).click();
    const versions = page.getByRole('dialog', { name: 'Versions' });
    const tree = versions.getByRole('tree', { name: 'Version tree' });
    await expect.poll(() => tree.getByRole('treeitem').count(), { timeout: 10_000 }).toBe(2);
    expect(await tree.textContent()).toContain(EDIT_PROMPT);
    expect(await tree.textContent()).toContain(TRIP_PROMPT);
    expect(errors).toEqual([]);
    expect(otherErrors).toEqual([]);
  });
});
