/**
 * Issue 2, end to end as a person would: the built app in the local web host, Debian Chromium, the Apiframe test
 * server. Create a project, drop the astronaut photo as a reference, generate with gpt-image-2, see the image and
 * its recipe; then kill the host while a second job runs, start it again, and see that job complete with exactly
 * one submission recorded by the server.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { BAD_FILES, GOOD_IMAGES, SCREENSHOTS } from '../helpers/paths';
import { waitFor } from '../helpers/app';
import { dropFiles, newProject, useWebApp } from './harness';
import { startApiframeTestServer, type ApiframeTestServer } from '../servers/apiframe/server';

const KEY = 'afk_e2e_key_0001';
const PROMPT = 'Edit this portrait to add a winter coat and scarf, keeping the face and background unchanged';
const PROMPT2 = 'The same portrait at golden hour, warm rim light';
const SHOTS = SCREENSHOTS;

describe('first light', () => {
  let srv: ApiframeTestServer;
  const app = useWebApp('atelier-e2e-', async (_dir, closeAfter) => {
    srv = closeAfter(await startApiframeTestServer({ keys: [KEY], jobDurationMs: 2500, queueDelayMs: 300, imageLongEdge: 512 }));
    return { ATELIER_APIFRAME_BASE_URL: srv.url };
  });

  it('generates from a real photo through Apiframe and shows the image and its recipe', async () => {
    const { page, errors } = app;
    // Settings: the key goes to the keychain; the UI shows only its last four characters.
    await page.getByRole('button', { name: 'Settings' }).click();
    const settings = page.getByRole('dialog', { name: 'Settings' });
    const apiframe = settings.getByRole('region', { name: 'Apiframe' });
    await apiframe.getByRole('textbox', { name: 'API key' }).fill(KEY);
    await apiframe.getByRole('button', { name: 'Save key' }).click();
    await expect.poll(() => apiframe.textContent(), { timeout: 10_000 }).toContain('0001');
    expect(await apiframe.textContent()).not.toContain(KEY);
    await apiframe.getByRole('button', { name: 'Check connection' }).click();
    await expect.poll(() => apiframe.textContent(), { timeout: 10_000 }).toMatch(/1,000|1000/);
    await page.keyboard.press('Escape');
    await settings.waitFor({ state: 'hidden' });

    // A project.
    await page.getByRole('button', { name: 'New project' }).click();
    await page.getByRole('textbox', { name: 'Project name' }).fill('Winter campaign');
    await page.getByRole('button', { name: 'Create' }).click();
    const project = page.getByRole('treeitem', { name: 'Winter campaign' });
    await project.waitFor();
    await project.click();

    // The composer: provider, model, the dropped reference, the prompt.
    await page.getByRole('combobox', { name: 'Provider' }).selectOption('apiframe');
    await page.getByRole('combobox', { name: 'Model' }).selectOption('gpt-image-2');
    await page.getByRole('combobox', { name: 'Quality' }).selectOption('medium');
    const bytes = await readFile(join(GOOD_IMAGES, 'astronaut.png'));
    await dropFiles(page, page.getByRole('group', { name: 'Reference images' }), [{ name: 'astronaut.png', mime: 'image/png', bytes }]);
    const staged = page.getByRole('list', { name: 'Staged reference images' });
    await staged.getByRole('listitem', { name: 'astronaut.png' }).waitFor({ timeout: 10_000 });
    await page.getByRole('textbox', { name: 'Prompt' }).fill(PROMPT);
    await page.screenshot({ path: join(SHOTS, 'composer.png') });
    await page.getByRole('button', { name: 'Generate', exact: true }).click();

    // The job shows at once, then the image arrives in the gallery.
    await page.getByRole('button', { name: 'Queue' }).click();
    const jobs = page.getByRole('list', { name: 'Jobs' });
    await jobs.getByRole('listitem').first().waitFor({ timeout: 5000 });
    const gallery = page.getByRole('region', { name: 'Gallery' });
    const image = gallery.getByRole('img', { name: PROMPT });
    await image.waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Queue' }).click();
    await page.screenshot({ path: join(SHOTS, 'gallery.png') });

    expect(srv.state.jobsCreated).toBe(1);
    expect(srv.state.uploadsCreated).toBe(1);
    const body = srv.state.requestsTo('generate')[0]!.body as { model: string; gptImage2Params: Record<string, unknown> };
    expect(body.model).toBe('gpt-image-2');
    expect(body.gptImage2Params).toMatchObject({ quality: 'medium' });
    expect(body.gptImage2Params['input_images']).toHaveLength(1);

    // Open it: full-size view with its recipe.
    await image.dblclick();
    const viewer = page.getByRole('dialog', { name: 'Image viewer' });
    await viewer.waitFor();
    await viewer.getByRole('button', { name: '1:1' }).click();
    await viewer.getByRole('button', { name: 'Fit' }).click();
    const recipe = viewer.getByRole('region', { name: 'Recipe' });
    const remoteId = [...srv.state.jobs.keys()][0]!;
    await expect.poll(() => recipe.textContent(), { timeout: 10_000 }).toContain(remoteId);
    const text = (await recipe.textContent()) ?? '';
    expect(text).toContain(PROMPT);
    expect(text).toContain('GPT Image 2');
    expect(text).toContain('Apiframe');
    expect(text).toContain('9 credits'); // charged for medium quality
    await recipe.getByRole('img', { name: 'astronaut.png' }).waitFor();
    await page.screenshot({ path: join(SHOTS, 'viewer.png') });
    await page.keyboard.press('Escape');
    expect(errors.filter((e) => !/favicon/.test(e))).toEqual([]);
  });

  it('survives a kill of the host mid-job and completes it without a second submission', async () => {
    const { page, dir } = app;
    srv.state.config.jobDurationMs = 5000;
    await page.getByRole('textbox', { name: 'Prompt' }).fill(PROMPT2);
    await page.getByRole('button', { name: 'Generate', exact: true }).click();
    await waitFor(() => srv.state.jobsCreated === 2, 'the second job at the server');
    // Wait until the journal holds the remote id (state running), then crash.
    const db = new Database(join(dir, 'library.sqlite'), { readonly: true, fileMustExist: true });
    await waitFor(
      () => (db.prepare("SELECT count(*) AS n FROM jobs WHERE state = 'running'").get() as { n: number }).n === 1,
      'the second job running',
    );
    db.close();
    const host = await app.crashAndRestart();
    await page.goto(host.url);
    await page.getByRole('treeitem', { name: 'Winter campaign' }).click();
    const gallery = page.getByRole('region', { name: 'Gallery' });
    await gallery.getByRole('img', { name: PROMPT2 }).waitFor({ timeout: 30_000 });
    await gallery.getByRole('img', { name: PROMPT }).waitFor();
    expect(srv.state.jobsCreated).toBe(2);
    const keys = srv.state.requestsTo('generate').map((r) => r.headers['idempotency-key']);
    expect(new Set(keys).size).toBe(2);
  });
});

describe('first light: bad input gets a clear error and changes nothing', () => {
  let srv: ApiframeTestServer;
  const app = useWebApp('atelier-e2e-bad-', async (_dir, closeAfter) => {
    srv = closeAfter(await startApiframeTestServer({ keys: [KEY], jobDurationMs: 500 }));
    return { ATELIER_APIFRAME_BASE_URL: srv.url };
  });
  beforeAll(async () => {
    await newProject(app.page, 'Checks');
  });

  it('refuses every hostile file dropped as a reference, naming it and the reason', async () => {
    const { page } = app;
    const names = await readdir(BAD_FILES);
    const files = await Promise.all(
      names.map(async (name) => ({ name, mime: 'application/octet-stream', bytes: await readFile(join(BAD_FILES, name)) })),
    );
    const refs = page.getByRole('group', { name: 'Reference images' });
    await dropFiles(page, refs, files);
    for (const name of names) {
      await expect.poll(() => refs.textContent(), { timeout: 15_000 }).toContain(`“${name}” was refused`);
    }
    const text = (await refs.textContent()) ?? '';
    expect(text).toMatch(/decompression|too many pixels|megapixel/i); // the bomb, refused from its header
    expect(await page.getByRole('list', { name: 'Staged reference images' }).getByRole('listitem').count()).toBe(0);
    await page.screenshot({ path: join(SHOTS, 'bad-references.png') });
  });

  it('refuses a prompt over the model limit before submit, with the count shown', async () => {
    const { page } = app;
    await page.getByRole('combobox', { name: 'Provider' }).selectOption('apiframe');
    await page.getByRole('textbox', { name: 'Prompt' }).fill('a'.repeat(2140));
    await expect.poll(() => page.getByText('Prompt is 2,140 characters; the limit is 2,000').count()).toBeGreaterThan(0);
    expect(await page.getByRole('button', { name: 'Generate', exact: true }).isDisabled()).toBe(true);
    expect(srv.state.requests.length).toBe(0);
  });

  it('shows a wrong key’s 401 on the job and in Settings, and does not retry it', async () => {
    const { page } = app;
    await page.getByRole('button', { name: 'Settings' }).click();
    const apiframe = page.getByRole('dialog', { name: 'Settings' }).getByRole('region', { name: 'Apiframe' });
    await apiframe.getByRole('textbox', { name: 'API key' }).fill('afk_wrong_key_9999');
    await apiframe.getByRole('button', { name: 'Save key' }).click();
    await apiframe.getByRole('button', { name: 'Check connection' }).click();
    await expect.poll(() => apiframe.textContent(), { timeout: 10_000 }).toContain('The API key was rejected (401)');
    await page.keyboard.press('Escape');
    await page.getByRole('textbox', { name: 'Prompt' }).fill('a lighthouse in fog');
    await page.getByRole('button', { name: 'Generate', exact: true }).click();
    await page.getByRole('button', { name: 'Queue' }).click();
    const jobs = page.getByRole('list', { name: 'Jobs' });
    await expect.poll(() => jobs.textContent(), { timeout: 15_000 }).toContain('The API key was rejected (401)');
    await new Promise((r) => setTimeout(r, 1500));
    expect(srv.state.requestsTo('generate')).toHaveLength(1);
  });
});
