/**
 * Issue 3, end to end as a person would: the built app in the local web host, Debian Chromium, and the Apiframe,
 * EvoLink and OpenAI test servers plus a keyless OpenAI-compatible one. Keys and the local model name go in
 * through Settings (with a connection check, once with a wrong key); the same prompt with the astronaut photo as
 * reference goes through each provider; every image is in the gallery with its cost in the Recipe; the queue and
 * the Spend view show the charges (Apiframe credits, OpenAI USD) apart from the estimates (EvoLink).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { Locator } from 'playwright-core';
import { GOOD_IMAGES, SCREENSHOTS } from '../helpers/paths';
import { dropFiles, useWebApp } from './harness';
import { startApiframeTestServer, type ApiframeTestServer } from '../servers/apiframe/server';
import { startEvolinkTestServer, type EvolinkTestServer } from '../servers/evolink/server';
import { startOpenAiTestServer, type OpenAiTestServer } from '../servers/openai/server';

const PROMPT = 'Edit this portrait to add a winter coat and scarf, keeping the face and background unchanged';
const KEYS = { apiframe: 'afk_e2e_key_0001', evolink: 'sk-evo-e2e-key-0001', openai: 'sk-e2e-openai-0001' } as const;
const SHOTS = SCREENSHOTS;

/** The app's USD format in English (src/renderer/src/i18n/format.ts `formatUsd`). */
const usd = (n: number): string =>
  new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: n < 1 ? 3 : 2 }).format(n);

type Provider = 'apiframe' | 'evolink' | 'openai' | 'openai-compatible';
interface JobCost {
  provider: Provider;
  credits: number | null;
  cost_usd: number | null;
  usd_estimate: number | null;
  /** JSON text: EvoLink's `usage` holds `credits_reserved`. */
  usage: string | null;
}

describe('every provider, as a person would', () => {
  let af: ApiframeTestServer;
  let ev: EvolinkTestServer;
  let oa: OpenAiTestServer;
  let local: OpenAiTestServer;
  const app = useWebApp('atelier-e2e-providers-', async (_dir, closeAfter) => {
    af = closeAfter(await startApiframeTestServer({ keys: [KEYS.apiframe], jobDurationMs: 1500, queueDelayMs: 200, imageLongEdge: 512 }));
    ev = closeAfter(await startEvolinkTestServer({ keys: [KEYS.evolink], taskDurationMs: 1500 }));
    oa = closeAfter(await startOpenAiTestServer({ keys: [KEYS.openai], processingDelayMs: 300, maxRenderEdge: 512 }));
    local = closeAfter(
      await startOpenAiTestServer({
        keys: [],
        requireAuth: false,
        outputMode: 'url',
        usage: false,
        customModels: { 'local-diffusion': 'gpt-image-1' },
        maxRenderEdge: 512,
      }),
    );
    return {
      ATELIER_APIFRAME_BASE_URL: af.url,
      ATELIER_EVOLINK_BASE_URL: ev.url,
      ATELIER_OPENAI_BASE_URL: oa.baseUrl,
      ATELIER_OPENAI_COMPATIBLE_BASE_URL: local.baseUrl,
    };
  });

  const settingsDialog = () => app.page.getByRole('dialog', { name: 'Settings' });
  /** Opens a provider's tab in Settings and returns its region. */
  const providerTab = async (name: string): Promise<Locator> => {
    await settingsDialog().getByRole('tab', { name, exact: true }).click();
    const region = settingsDialog().getByRole('region', { name, exact: true });
    await region.waitFor();
    return region;
  };
  const saveKey = async (region: Locator, key: string, last4: string): Promise<void> => {
    await region.getByRole('textbox', { name: 'API key' }).fill(key);
    await region.getByRole('button', { name: 'Save key' }).click();
    await expect.poll(() => region.textContent(), { timeout: 10_000 }).toContain(`…${last4}`);
  };

  it('takes the keys and the local model name in Settings, and checks each connection with its latency', async () => {
    await app.page.getByRole('button', { name: 'Settings' }).click();
    await settingsDialog().waitFor();

    // A wrong key: the check says so in plain words, with how long it took, and the server saw one call.
    const openai = await providerTab('OpenAI');
    await saveKey(openai, 'sk-wrong-key-9999', '9999');
    await openai.getByRole('button', { name: 'Check connection' }).click();
    const status = openai.getByRole('status').last();
    await expect
      .poll(() => status.textContent(), { timeout: 10_000 })
      .toMatch(/^Check failed after \d[\d,]* ms: The API key was rejected \(401\)/);
    await app.page.screenshot({ path: join(SHOTS, 'settings-providers.png') });
    // The right key: connected, and OpenAI reports no balance.
    await saveKey(openai, KEYS.openai, '0001');
    await openai.getByRole('button', { name: 'Check connection' }).click();
    await expect.poll(() => status.textContent(), { timeout: 10_000 }).toMatch(/^Connected in \d[\d,]* ms\. The provider reports no credit balance/);

    const apiframe = await providerTab('Apiframe');
    await saveKey(apiframe, KEYS.apiframe, '0001');
    await apiframe.getByRole('button', { name: 'Check connection' }).click();
    await expect
      .poll(() => apiframe.getByRole('status').last().textContent(), { timeout: 10_000 })
      .toMatch(/^Connected in \d[\d,]* ms\. Balance: 1,000 credits/);

    const evolink = await providerTab('EvoLink');
    await saveKey(evolink, KEYS.evolink, '0001');
    await evolink.getByRole('button', { name: 'Check connection' }).click();
    await expect.poll(() => evolink.getByRole('status').last().textContent(), { timeout: 10_000 }).toMatch(/^Connected in \d[\d,]* ms\./);

    // The local server needs no key; its model is named as the server names it.
    const compatible = await providerTab('OpenAI-compatible');
    await compatible.getByRole('textbox', { name: 'Model names' }).fill('local-diffusion');
    await compatible.getByRole('button', { name: 'Save models' }).click();
    await expect.poll(() => compatible.textContent(), { timeout: 10_000 }).toContain('Models saved.');
    await compatible.getByRole('button', { name: 'Check connection' }).click();
    await expect.poll(() => compatible.getByRole('status').last().textContent(), { timeout: 10_000 }).toMatch(/^Connected in \d[\d,]* ms\./);

    await app.page.keyboard.press('Escape');
    await settingsDialog().waitFor({ state: 'hidden' });
    expect(oa.state.requestsTo('generations')).toHaveLength(0);
  });

  it('generates the same prompt and reference through each provider and shows every image with its cost', async () => {
    await app.page.getByRole('button', { name: 'New project' }).click();
    await app.page.getByRole('textbox', { name: 'Project name' }).fill('Every provider');
    await app.page.getByRole('button', { name: 'Create' }).click();
    const project = app.page.getByRole('treeitem', { name: 'Every provider' });
    await project.waitFor();
    await project.click();

    const bytes = await readFile(join(GOOD_IMAGES, 'astronaut.png'));
    const refs = app.page.getByRole('group', { name: 'Reference images' });
    const staged = app.page.getByRole('list', { name: 'Staged reference images' });
    const generate = app.page.getByRole('button', { name: 'Generate', exact: true });
    const runs: { provider: Provider; model: string; quality?: string }[] = [
      { provider: 'apiframe', model: 'gpt-image-2', quality: 'medium' },
      { provider: 'evolink', model: 'gpt-image-2', quality: 'low' },
      { provider: 'openai', model: 'gpt-image-2', quality: 'low' },
      { provider: 'openai-compatible', model: 'custom:local-diffusion' },
    ];
    const submitted: Record<Provider, () => number> = {
      apiframe: () => af.state.jobsCreated,
      evolink: () => ev.state.requestsTo('create').length,
      openai: () => oa.state.requestsTo('edits').length,
      'openai-compatible': () => local.state.requestsTo('edits').length,
    };
    for (const run of runs) {
      const old = staged.getByRole('button', { name: 'Remove astronaut.png' });
      if (await old.count()) await old.click();
      await app.page.getByRole('combobox', { name: 'Provider' }).selectOption(run.provider);
      await app.page.getByRole('combobox', { name: 'Model' }).selectOption(run.model);
      if (run.quality) await app.page.getByRole('combobox', { name: 'Quality' }).selectOption(run.quality);
      await dropFiles(app.page, refs, [{ name: 'astronaut.png', mime: 'image/png', bytes }]);
      await staged.getByRole('listitem', { name: 'astronaut.png' }).waitFor({ timeout: 10_000 });
      await app.page.getByRole('textbox', { name: 'Prompt' }).fill(PROMPT);
      await expect.poll(() => generate.isEnabled(), { timeout: 10_000 }).toBe(true);
      await generate.click();
      // The provider has the job before the next one is set up.
      await expect.poll(() => submitted[run.provider](), { timeout: 10_000 }).toBe(1);
    }

    const gallery = app.page.getByRole('region', { name: 'Gallery' });
    const images = gallery.getByRole('img', { name: PROMPT });
    await expect.poll(() => images.count(), { timeout: 60_000 }).toBe(4);

    // What each provider charged, as the library recorded it.
    const db = new Database(join(app.dir, 'library.sqlite'), { readonly: true, fileMustExist: true });
    const jobs = db.prepare("SELECT provider, credits, cost_usd, usd_estimate FROM jobs WHERE state = 'completed'").all() as JobCost[];
    db.close();
    const by = Object.fromEntries(jobs.map((j) => [j.provider, j])) as Record<Provider, JobCost>;
    expect(Object.keys(by).sort()).toEqual(['apiframe', 'evolink', 'openai', 'openai-compatible']);
    expect(by.apiframe.credits).toBe(9);
    expect(by.openai.cost_usd).toBeGreaterThan(0);
    expect(by.evolink.cost_usd).toBeNull();
    expect(by.evolink.usd_estimate).toBeGreaterThan(0);
    // Each provider got the reference.
    expect(af.state.uploadsCreated).toBe(1);
    expect(ev.state.requestsTo('upload')).toHaveLength(1);
    expect(oa.state.requestsTo('edits')).toHaveLength(1);
    expect(local.state.requestsTo('edits')).toHaveLength(1);

    // Open each image: the Recipe names the provider and shows the charge, or the estimate marked as one.
    const seen = new Set<string>();
    for (let i = 0; i < 4; i++) {
      await images.nth(i).dblclick();
      const viewer = app.page.getByRole('dialog', { name: 'Image viewer' });
      const recipe = viewer.getByRole('region', { name: 'Recipe' });
      await expect.poll(() => recipe.textContent(), { timeout: 10_000 }).toContain('Cost');
      const text = (await recipe.textContent()) ?? '';
      expect(text).toContain(PROMPT);
      await recipe.getByRole('img', { name: 'astronaut.png' }).waitFor();
      if (text.includes('OpenAI-compatible')) {
        seen.add('openai-compatible');
        expect(text).toContain('No price: your own server reports no charge.');
      } else if (text.includes('EvoLink')) {
        seen.add('evolink');
        // EvoLink reports its charge in credits (credits_reserved): shown in USD at 68 credits per $1, marked as
        // derived, never as a plain charge.
        expect(text).toMatch(/≈ \$\d+\.\d+ charged \(derived\)/);
        expect(text).toContain('shown in USD at 68 credits per $1');
        expect(text).not.toMatch(/\d charged(?! \(derived\))/);
      } else if (text.includes('Apiframe')) {
        seen.add('apiframe');
        expect(text).toContain('9 credits charged');
      } else {
        seen.add('openai');
        expect(text).toContain(`${usd(by.openai.cost_usd!)} charged`);
      }
      await app.page.keyboard.press('Escape');
      await viewer.waitFor({ state: 'hidden' });
    }
    expect([...seen].sort()).toEqual(['apiframe', 'evolink', 'openai', 'openai-compatible']);

    // The queue says the same: charges plain, EvoLink's derived charge marked as derived.
    await app.page.getByRole('button', { name: 'Queue' }).click();
    const list = app.page.getByRole('list', { name: 'Jobs' });
    const jobText = async (provider: string) => (await list.getByRole('listitem').filter({ hasText: `${provider} · ` }).first().textContent()) ?? '';
    expect(await jobText('Apiframe')).toContain('· 9 credits');
    expect(await jobText('EvoLink')).toMatch(/· ≈ \$\d+\.\d+ \(derived from credits\)/);
    expect(await jobText('OpenAI')).toContain(`· ${usd(by.openai.cost_usd!)}`);
    await app.page.getByRole('button', { name: 'Queue' }).click();
  });

  it('shows the spend per provider, project, model and day, charges apart from estimates', async () => {
    // Keyboard: the top bar's Spend opens the view; arrow keys move between groupings.
    await app.page.getByRole('button', { name: 'Spend' }).focus();
    await app.page.keyboard.press('Enter');
    const spend = app.page.getByRole('dialog', { name: 'Spend' });
    await spend.waitFor();
    await spend.getByRole('tab', { name: 'Project' }).focus();
    await app.page.keyboard.press('ArrowRight');
    await expect.poll(() => spend.getByRole('tab', { name: 'Provider' }).getAttribute('aria-selected')).toBe('true');

    const db = new Database(join(app.dir, 'library.sqlite'), { readonly: true, fileMustExist: true });
    const jobs = db.prepare("SELECT provider, credits, cost_usd, usd_estimate, usage FROM jobs WHERE state = 'completed'").all() as JobCost[];
    db.close();
    const by = Object.fromEntries(jobs.map((j) => [j.provider, j])) as Record<Provider, JobCost>;
    // EvoLink's charge, in its credits, as the USD it stands for (68 credits per $1): counted as derived.
    const derived = Math.round(((JSON.parse(by.evolink.usage!) as { credits_reserved: number }).credits_reserved / 68) * 1e6) / 1e6;

    const table = spend.getByRole('table', { name: 'Spend by Provider' });
    await table.waitFor({ timeout: 10_000 });
    /** The cells of a row after its header: jobs, images, credits, USD, derived USD, then estimates: jobs, credits, USD. */
    const cells = async (label: string): Promise<string[]> => {
      const row = table.getByRole('row').filter({ has: app.page.getByRole('rowheader', { name: label, exact: true }) });
      await row.waitFor();
      return (await row.getByRole('cell').allTextContents()).map((s) => s.trim());
    };
    const dash = '—none';
    expect(await cells('Apiframe')).toEqual(['1', '1', '9', dash, dash, dash, dash, dash]);
    expect(await cells('OpenAI')).toEqual(['1', '1', dash, usd(by.openai.cost_usd!), dash, dash, dash, dash]);
    expect(await cells('EvoLink')).toEqual(['1', '1', dash, dash, usd(derived), dash, dash, dash]);
    expect(await cells('OpenAI-compatible')).toEqual(['1', '1', dash, dash, dash, '1', dash, 'no price known']);
    expect(await cells('Total')).toEqual(['4', '4', '9', usd(by.openai.cost_usd!), usd(derived), '1', dash, 'no price known']);
    // The estimate is never in the charged column, and the columns say which is which.
    const head = (await table.getByRole('columnheader').allTextContents()).join(' | ');
    expect(head).toContain('Charged');
    expect(head).toContain('Charge unknown: estimates only');
    expect(head).toContain('Derived from EvoLink credits');
    await app.page.screenshot({ path: join(SHOTS, 'spend.png') });

    // By project and by model.
    await spend.getByRole('tab', { name: 'Project' }).click();
    const byProject = spend.getByRole('table', { name: 'Spend by Project' });
    await byProject.waitFor();
    const projectRow = byProject.getByRole('row').filter({ has: app.page.getByRole('rowheader', { name: 'Every provider' }) });
    expect((await projectRow.getByRole('cell').allTextContents()).slice(0, 3)).toEqual(['4', '4', '9']);
    await spend.getByRole('tab', { name: 'Model' }).click();
    const byModel = spend.getByRole('table', { name: 'Spend by Model' });
    await byModel.waitFor();
    const gpt2 = byModel.getByRole('row').filter({ has: app.page.getByRole('rowheader', { name: 'GPT Image 2' }) });
    expect((await gpt2.getByRole('cell').allTextContents()).slice(0, 2)).toEqual(['3', '3']);
    await byModel.getByRole('rowheader', { name: 'local-diffusion' }).waitFor();

    // By day, then a range that holds none of it.
    await spend.getByRole('tab', { name: 'Day' }).click();
    const byDay = spend.getByRole('table', { name: 'Spend by Day' });
    await byDay.waitFor();
    const today = new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeZone: 'UTC' }).format(Date.now());
    await byDay.getByRole('rowheader', { name: today }).waitFor();
    await spend.getByLabel('To', { exact: true }).fill('2020-01-31');
    await spend.getByText('No finished jobs in this range.').waitFor();
    await spend.getByLabel('From', { exact: true }).fill('2020-02-01');
    await spend.getByRole('alert').filter({ hasText: 'The start date is after the end date.' }).waitFor();
    await spend.getByRole('button', { name: 'All dates' }).click();
    await byDay.getByRole('rowheader', { name: today }).waitFor();

    await app.page.keyboard.press('Escape');
    await spend.waitFor({ state: 'hidden' });
    expect(await app.page.getByRole('button', { name: 'Spend' }).evaluate((el) => el === document.activeElement)).toBe(true);
    expect(app.errors.filter((e) => !/favicon/.test(e))).toEqual([]);
  });
});
