/**
 * Builds the synthetic library: a few hundred distinct small REAL images (PNG, JPEG and WebP drawn with sharp,
 * stored through the app's BlobStore, so files, rows and thumbnails are the real thing), reused across N assets;
 * jobs with realistic prompts in English, Korean and Japanese across providers and models, costs, reference images
 * on some; tags from an EN/KO/JA vocabulary; ratings, flags, titles on some, a few imported images. Rows are
 * written with prepared statements in one transaction, with the assets' secondary indexes dropped during the load
 * and created again after it (each built in one sorted pass instead of a million random inserts); the triggers of
 * migration 0003 still fill the denormalised columns and the search queue exactly as for images the app makes.
 * Then the search index is built in one pass (SearchService.rebuild). Progress goes to stderr (rows/s, indexing).
 */
import { randomUUID } from 'node:crypto';
import sharp from 'sharp';
import type { App } from '../../src/main/app';
import { DEFAULT_MAX_PIXELS } from '../../src/main/services/library/inspect';
import { rng } from './context';

const SUBJECTS_EN = ['a lighthouse on a cliff', 'a red fox in snow', 'a cyberpunk street market', 'a bowl of ramen', 'an astronaut portrait',
  'a misty harbour at dawn', 'a vintage bicycle', 'a glass greenhouse', 'a desert caravan', 'a koi pond', 'a mountain cabin',
  'a jazz club interior', 'a paper crane', 'a rainy Tokyo alley', 'a café terrace at night', 'a sailing boat', 'an old library',
  'a neon diner', 'a cherry blossom park', 'a crystal cave'];
const STYLES_EN = ['watercolour', 'oil painting', 'studio photo, 85mm', 'isometric illustration', 'film grain, Kodak Portra',
  'ukiyo-e print', 'low-poly 3D render', 'charcoal sketch', 'cinematic lighting', 'pastel gouache'];
const PROMPTS_KO = ['바닷가 등대와 노을', '눈 속의 붉은 여우', '비 오는 서울 골목', '고양이가 창가에서 자고 있다', '한옥 마당의 가을 풍경',
  '우주비행사 초상화, 수채화', '벚꽃이 핀 공원 산책로', '네온사인이 빛나는 야시장', '산속 오두막과 별빛', '커피 한 잔과 책'];
const PROMPTS_JA = ['夕焼けの海と富士山', '雪の中の赤い狐', '雨の東京の路地裏', '桜並木の公園', '猫が窓辺で眠っている',
  '浮世絵風の波と舟', 'ネオン街の屋台', '山小屋と星空', '抹茶と和菓子の静物', '宇宙飛行士の肖像画'];
const TAGS = ['landscape', 'portrait', 'architecture', 'food', 'animal', 'night', 'sunset', 'client-a', 'client-b', 'moodboard',
  'final', 'draft', 'print', 'social', 'poster', 'café', 'étude', 'neon', 'winter', 'summer',
  '바다', '하늘', '고양이', '여우', '풍경', '인물', '야경', '가을', '벚꽃', '한옥',
  '桜', '夕焼け', '猫', '狐', '風景', '人物', '夜景', '和菓子', '浮世絵', '富士山'];
const MODELS: [string, string, number | null][] = [
  ['openai', 'gpt-image-1.5', 0.04], ['openai', 'gpt-image-2', 0.06], ['apiframe', 'gpt-image-2', null],
  ['evolink', 'gpt-image-2', 0.03], ['sandbox', 'gpt-image-2', null], ['openai-compatible', 'custom:stablediffusion', null],
];

/** Draws `count` distinct small images (64–192 px) in the three stored formats. */
async function drawImages(count: number, rand: () => number): Promise<{ name: string; bytes: Buffer }[]> {
  const out: { name: string; bytes: Buffer }[] = [];
  for (let i = 0; i < count; i++) {
    const w = 64 + Math.floor(rand() * 128);
    const h = 64 + Math.floor(rand() * 128);
    const hue = Math.floor(rand() * 360);
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}">
      <defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1">
        <stop offset="0" stop-color="hsl(${hue},60%,45%)"/><stop offset="1" stop-color="hsl(${(hue + 120) % 360},55%,25%)"/>
      </linearGradient></defs><rect width="100%" height="100%" fill="url(#g)"/>
      <circle cx="${Math.floor(rand() * w)}" cy="${Math.floor(rand() * h)}" r="${8 + Math.floor(rand() * 40)}" fill="hsl(${(hue + 200) % 360},70%,70%)"/>
      <text x="4" y="${h - 6}" font-size="10" fill="white">${i}</text></svg>`;
    const img = sharp(Buffer.from(svg));
    const fmt = i % 3;
    const bytes = fmt === 0 ? await img.png().toBuffer() : fmt === 1 ? await img.jpeg({ quality: 80 }).toBuffer() : await img.webp({ quality: 80 }).toBuffer();
    out.push({ name: `bench-${i}.${['png', 'jpg', 'webp'][fmt]}`, bytes });
  }
  return out;
}

/** What {@link buildLibrary} made, and how long it took (ms). */
export interface Built {
  projectId: string;
  smallProjectId: string;
  blobs: number;
  buildMs: number;
  indexMs: number;
}

/**
 * Fills `app`'s (empty) library with `n` assets in one project, plus a second project of 24.
 * @param distinct how many distinct images to draw and store (default 300)
 */
export async function buildLibrary(app: App, n: number, distinct = 300): Promise<Built> {
  const t0 = performance.now();
  const rand = rng(20260706);
  const db = app.services.db;
  const images = await drawImages(distinct, rand);
  const blobIds: string[] = [];
  for (const img of images) {
    const b = await app.services.store.put(img.bytes, img.name, { maxBytes: 10_000_000, maxPixels: DEFAULT_MAX_PIXELS });
    blobIds.push(b.id);
  }
  const projectId = app.services.folders.create('Bench library', null).id;
  const smallProjectId = app.services.folders.create('Small project', null).id;

  const tagIds = TAGS.map((name) => {
    const key = name.normalize('NFKC').toLowerCase();
    const fold = key.normalize('NFD').replace(/(\p{Script=Latin})\p{Mn}+/gu, '$1').normalize('NFC');
    return Number(db.prepare('INSERT INTO tags (name, key, fold) VALUES (?, ?, ?)').run(name, key, fold).lastInsertRowid);
  });
  const insJob = db.prepare(`INSERT INTO jobs (id, folder_id, provider, model, prompt, params, state, idempotency_key, expected_count,
      created_at, updated_at, completed_at, cost_usd) VALUES (?, ?, ?, ?, ?, '{}', 'completed', ?, ?, ?, ?, ?, ?)`);
  const insRef = db.prepare('INSERT INTO job_references (job_id, position, blob_id, name) VALUES (?, 0, ?, ?)');
  const insAsset = db.prepare(`INSERT INTO assets (id, folder_id, blob_id, kind, job_id, output_index, created_at, title, rating, flag)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const insTag = db.prepare('INSERT OR IGNORE INTO asset_tags (asset_id, tag_id) VALUES (?, ?)');
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const start = Date.UTC(2024, 0, 1);
  const span = 2 * 365 * 86_400_000;

  const progress = (label: string, done: number, total: number, since: number): void => {
    const s = (performance.now() - since) / 1000;
    console.error(`  ${label} ${done.toLocaleString('en')} / ${total.toLocaleString('en')}  (${s.toFixed(0)} s, ${Math.round(done / Math.max(s, 0.001)).toLocaleString('en')}/s)`);
  };
  const write = (folderId: string, count: number): void => {
    let made = 0;
    let next = 50_000;
    const since = performance.now();
    while (made < count) {
      {
        for (let k = 0; k < 5000 && made < count; ) {
          const created = start + Math.floor((made / count) * span) + Math.floor(rand() * 60_000);
          if (rand() < 0.05) {
            // an imported image: no job
            insAsset.run(randomUUID(), folderId, pick(blobIds), 'imported', null, null, created, rand() < 0.5 ? `Scan ${made}` : null, 0, 0);
            made++;
            k++;
            continue;
          }
          const lang = rand();
          const prompt =
            lang < 0.6 ? `${pick(SUBJECTS_EN)}, ${pick(STYLES_EN)}` : lang < 0.8 ? `${pick(PROMPTS_KO)}, ${pick(STYLES_EN)}` : `${pick(PROMPTS_JA)}、${pick(STYLES_EN)}`;
          const [provider, model, unit] = pick(MODELS);
          const outputs = Math.min(count - made, 1 + Math.floor(rand() * 4));
          const jobId = randomUUID();
          insJob.run(jobId, folderId, provider, model, prompt, jobId, outputs, created - 15_000, created, created, unit === null ? null : unit * outputs);
          if (rand() < 0.2) insRef.run(jobId, pick(blobIds), 'ref.png');
          for (let o = 0; o < outputs; o++) {
            const id = randomUUID();
            const r = rand();
            const rating = r < 0.5 ? 0 : Math.ceil((r - 0.5) * 10);
            const flag = rand() < 0.1 ? 1 : rand() < 0.05 ? -1 : 0;
            insAsset.run(id, folderId, pick(blobIds), rand() < 0.1 ? 'edited' : 'generated', jobId, o, created + o, rand() < 0.05 ? `Selected ${made}` : null, Math.min(5, rating), flag);
            const tags = Math.floor(rand() * 4);
            for (let x = 0; x < tags; x++) insTag.run(id, pick(tagIds));
            made++;
            k++;
          }
        }
      }
      if (made >= next || made === count) {
        if (count > 1000) progress('rows built', made, count, since);
        next += 50_000;
      }
    }
  };
  // The assets' secondary indexes (every one the migrations made) are dropped for the load and made again after it.
  const indexes = db
    .prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('assets', 'asset_tags') AND sql IS NOT NULL")
    .all() as { name: string; sql: string }[];
  db.pragma('cache_size = -262144');
  db.transaction(() => {
    for (const ix of indexes) db.exec(`DROP INDEX ${ix.name}`);
    write(projectId, n);
    write(smallProjectId, 24);
    const ti = performance.now();
    indexes.forEach((ix, i) => {
      db.exec(ix.sql);
      if (n > 1000) console.error(`  index ${i + 1}/${indexes.length} ${ix.name} (${((performance.now() - ti) / 1000).toFixed(0)} s)`);
    });
  })();
  db.pragma('analysis_limit = 1000');
  db.exec('ANALYZE');
  const t1 = performance.now();
  app.services.search.rebuild((done, total) => {
    if (n > 1000) progress('search index', done, total, t1);
  });
  const t2 = performance.now();
  return { projectId, smallProjectId, blobs: blobIds.length, buildMs: t1 - t0, indexMs: t2 - t1 };
}
