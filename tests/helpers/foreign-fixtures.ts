/**
 * Images written the way other image tools write their generation metadata, made inside the tests (no file is
 * downloaded): AUTOMATIC1111/Forge (PNG `parameters`, JPEG and WebP EXIF UserComment), ComfyUI (`prompt` API graph,
 * `workflow`), InvokeAI (`invokeai_metadata`), NovelAI (`Software`/`Description`/`Source`/`Comment`), Fooocus
 * (`parameters` JSON + `fooocus_scheme`), SwarmUI (`sui_image_params`), and XMP as Lightroom, Bridge and digiKam
 * write it (through exiftool). Shared by the import integration test and the Chromium end-to-end test.
 */
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';

const run = promisify(execFile);

export function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

export type TextChunk = { type: 'tEXt' | 'iTXt' | 'zTXt'; key: string; text: string | Buffer; compressed?: boolean };

/** `png` with text chunks right after IHDR, each as its PNG type says (tEXt Latin-1, iTXt UTF-8, zTXt deflated). */
export function withText(png: Buffer, chunks: TextChunk[]): Buffer {
  const parts: Buffer[] = [png.subarray(0, 33)];
  for (const c of chunks) {
    const body = typeof c.text === 'string' ? Buffer.from(c.text, c.type === 'tEXt' ? 'latin1' : 'utf8') : c.text;
    const key = Buffer.from(`${c.key}\0`, 'latin1');
    if (c.type === 'tEXt') parts.push(pngChunk('tEXt', Buffer.concat([key, body])));
    else if (c.type === 'zTXt') parts.push(pngChunk('zTXt', Buffer.concat([key, Buffer.from([0]), deflateSync(body)])));
    else parts.push(pngChunk('iTXt', Buffer.concat([key, Buffer.from([c.compressed ? 1 : 0, 0, 0, 0]), c.compressed ? deflateSync(body) : body])));
  }
  parts.push(png.subarray(33));
  return Buffer.concat(parts);
}

let colour = 0;
/** A small image of its own colour and pattern (so no two fixtures share bytes). */
export async function base(format: 'png' | 'jpeg' | 'webp'): Promise<Buffer> {
  const n = ++colour;
  const raw = Buffer.alloc(48 * 40 * 3);
  for (let i = 0; i < raw.length; i++) raw[i] = (i * (n + 3) + n * 41) & 0xff;
  const img = sharp(raw, { raw: { width: 48, height: 40, channels: 3 } });
  return format === 'png' ? img.png().toBuffer() : format === 'jpeg' ? img.jpeg().toBuffer() : img.webp().toBuffer();
}

export const A1111 =
  'masterpiece, Café crème brûlée on a marble table, 고양이 한 마리\n' +
  'soft window light\n' +
  'Negative prompt: blurry, lowres,\nwatermark\n' +
  'Steps: 28, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 6.5, Seed: 1234567890, Size: 832x1216, Model hash: 4f1a2b, ' +
  'Model: juggernautXL_v9, Lora hashes: "detail: 1a2b, film: 3c4d", Version: f2.0.1v1.10.1-previous-313';

/** ComfyUI API graph: KSampler ← ConditioningCombine(CLIPTextEncode, CLIPTextEncode), a negative encoder, a LoRA between the checkpoint and the sampler, and an unwired decoy. */
export const COMFY_PROMPT = {
  '3': {
    class_type: 'KSampler',
    inputs: { seed: 156680208700286, steps: 24, cfg: 7.5, sampler_name: 'dpmpp_2m', scheduler: 'karras', denoise: 1, model: ['12', 0], positive: ['10', 0], negative: ['7', 0], latent_image: ['5', 0] },
  },
  '4': { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: 'sd_xl_base_1.0.safetensors' } },
  '5': { class_type: 'EmptyLatentImage', inputs: { width: 1024, height: 768, batch_size: 1 } },
  '6': { class_type: 'CLIPTextEncode', inputs: { text: 'a lighthouse at dusk over the sea, 등대', clip: ['4', 1] } },
  '7': { class_type: 'CLIPTextEncode', inputs: { text: 'watermark, text, signature', clip: ['4', 1] } },
  '8': { class_type: 'VAEDecode', inputs: { samples: ['3', 0], vae: ['4', 2] } },
  '9': { class_type: 'SaveImage', inputs: { filename_prefix: 'ComfyUI', images: ['8', 0] } },
  '10': { class_type: 'ConditioningCombine', inputs: { conditioning_1: ['6', 0], conditioning_2: ['11', 0] } },
  '11': { class_type: 'CLIPTextEncode', inputs: { text: 'golden hour glow', clip: ['4', 1] } },
  '12': { class_type: 'LoraLoader', inputs: { lora_name: 'film.safetensors', strength_model: 0.8, model: ['4', 0], clip: ['4', 1] } },
  '13': { class_type: 'CLIPTextEncode', inputs: { text: 'unused decoy text', clip: ['4', 1] } },
};

/** The editor graph ComfyUI saves beside it (and the only graph in some files). */
export const COMFY_WORKFLOW = {
  last_node_id: 9,
  nodes: [
    { id: 3, type: 'KSampler', inputs: [{ name: 'model', link: 1 }, { name: 'positive', link: 4 }, { name: 'negative', link: 6 }], widgets_values: [42, 'fixed', 30, 5.5, 'euler_ancestral', 'normal', 1] },
    { id: 4, type: 'CheckpointLoaderSimple', inputs: [], widgets_values: ['dreamshaper_8.safetensors'] },
    { id: 6, type: 'CLIPTextEncode', inputs: [{ name: 'clip', link: 3 }], widgets_values: ['a red fox in fresh snow, 여우'] },
    { id: 7, type: 'CLIPTextEncode', inputs: [{ name: 'clip', link: 5 }], widgets_values: ['bad anatomy'] },
  ],
  links: [
    [1, 4, 0, 3, 0, 'MODEL'],
    [3, 4, 1, 6, 0, 'CLIP'],
    [4, 6, 0, 3, 1, 'CONDITIONING'],
    [5, 4, 1, 7, 0, 'CLIP'],
    [6, 7, 0, 3, 2, 'CONDITIONING'],
  ],
};

export const INVOKE = {
  generation_mode: 'txt2img',
  positive_prompt: 'an astronaut reading in a Kyoto café, 京都の喫茶店',
  negative_prompt: 'low quality',
  width: 896,
  height: 1152,
  seed: 3141592,
  cfg_scale: 4.5,
  steps: 35,
  scheduler: 'dpmpp_3m_k',
  model: { key: 'abc', hash: 'blake3:00', name: 'Juggernaut XL v9', base: 'sdxl', type: 'main' },
  app_version: '5.6.0',
};

export const NOVEL_COMMENT = {
  prompt: 'ignored when Description is there',
  steps: 28,
  height: 1216,
  width: 832,
  scale: 5,
  uncond_scale: 1,
  cfg_rescale: 0,
  seed: 2718281828,
  n_samples: 1,
  noise_schedule: 'karras',
  sampler: 'k_euler_ancestral',
  uc: 'lowres, bad hands, jpeg artifacts',
};

export const FOOOCUS = {
  prompt: 'a glass terrarium with a tiny forest inside',
  negative_prompt: 'unrealistic, saturated',
  prompt_expansion: 'a glass terrarium with a tiny forest inside, intricate, highly detailed',
  styles: "['Fooocus V2', 'Fooocus Enhance']",
  performance: 'Speed',
  steps: 30,
  resolution: '(1152, 896)',
  guidance_scale: 4,
  sharpness: 2,
  base_model: 'juggernautXL_v8Rundiffusion.safetensors',
  sampler: 'dpmpp_2m_sde_gpu',
  scheduler: 'karras',
  seed: '8675309',
  version: 'Fooocus v2.5.5',
};

export const SWARM = {
  sui_image_params: {
    prompt: 'a brutalist library at night, rain, neon reflections',
    negativeprompt: 'people',
    model: 'flux1-dev-fp8',
    seed: 1717,
    steps: 20,
    cfgscale: 1,
    width: 1344,
    height: 768,
    sampler: 'euler',
    scheduler: 'simple',
    swarm_version: '0.9.4.0',
  },
  sui_extra_data: { date: '2025-05-01', prep_time: '1 sec' },
};

/** Writes the fixtures into `dir`; returns their file names by role. */
export async function writeFixtures(dir: string): Promise<Record<string, string>> {
  await mkdir(dir, { recursive: true });
  const files: Record<string, string> = {};
  const put = async (role: string, name: string, bytes: Buffer): Promise<string> => {
    await writeFile(join(dir, name), bytes);
    files[role] = name;
    return join(dir, name);
  };
  // tEXt is Latin-1 by the PNG spec, but writers put UTF-8 there too (this one); Pillow writes iTXt for non-Latin-1 text (the next).
  await put('a1111', 'a1111.png', withText(await base('png'), [{ type: 'tEXt', key: 'parameters', text: Buffer.from(A1111, 'utf8') }]));
  await put('a1111itxt', 'a1111-itxt.png', withText(await base('png'), [{ type: 'iTXt', key: 'parameters', text: A1111 }]));
  const jpg = await put('a1111jpeg', 'forge.jpg', await base('jpeg'));
  await run('exiftool', ['-overwrite_original', `-UserComment=${A1111.replace('juggernautXL_v9', 'ponyDiffusionV6XL')}`, jpg]);
  const webp = await put('a1111webp', 'forge.webp', await base('webp'));
  await run('exiftool', ['-overwrite_original', '-UserComment=a quiet harbour at dawn\nNegative prompt: fog\nSteps: 12, Sampler: Euler a, CFG scale: 3, Seed: 99, Size: 640x480, Model: sdxl_turbo', webp]);
  await put(
    'comfy',
    'comfy.png',
    withText(await base('png'), [
      { type: 'tEXt', key: 'prompt', text: Buffer.from(JSON.stringify(COMFY_PROMPT), 'utf8').toString('latin1') },
      { type: 'tEXt', key: 'workflow', text: JSON.stringify(COMFY_WORKFLOW) },
    ]),
  );
  await put('comfyWorkflow', 'comfy-workflow.png', withText(await base('png'), [{ type: 'iTXt', key: 'workflow', text: JSON.stringify(COMFY_WORKFLOW) }]));
  await put('invoke', 'invoke.png', withText(await base('png'), [{ type: 'iTXt', key: 'invokeai_metadata', text: JSON.stringify(INVOKE) }]));
  await put(
    'novel',
    'novelai.png',
    withText(await base('png'), [
      { type: 'tEXt', key: 'Title', text: 'AI generated image' },
      { type: 'tEXt', key: 'Description', text: 'a witch riding a broom over a harvest moon' },
      { type: 'tEXt', key: 'Software', text: 'NovelAI' },
      { type: 'tEXt', key: 'Source', text: 'NovelAI Diffusion V4.5 4BDE2A90' },
      { type: 'tEXt', key: 'Comment', text: JSON.stringify(NOVEL_COMMENT) },
    ]),
  );
  await put(
    'fooocus',
    'fooocus.png',
    withText(await base('png'), [
      { type: 'tEXt', key: 'parameters', text: JSON.stringify(FOOOCUS) },
      { type: 'tEXt', key: 'fooocus_scheme', text: 'fooocus' },
    ]),
  );
  await put('swarm', 'swarm.png', withText(await base('png'), [{ type: 'iTXt', key: 'parameters', text: JSON.stringify(SWARM) }]));
  // Lightroom / Bridge: title, caption, keywords (flat and hierarchical), stars — written by exiftool as they write them.
  const lr = await put('lightroom', 'lightroom.jpg', await base('jpeg'));
  await run('exiftool', [
    '-overwrite_original',
    '-XMP-dc:Title=Jeju coast at noon',
    '-XMP-dc:Description=Basalt columns at Jusangjeolli, 주상절리',
    '-XMP-dc:Subject=coast',
    '-XMP-dc:Subject=Jeju',
    '-XMP-lr:HierarchicalSubject=Places|Korea|Jeju',
    '-XMP-xmp:Rating=4',
    lr,
  ]);
  const dk = await put('digikam', 'digikam.jpg', await base('jpeg'));
  await run('exiftool', ['-overwrite_original', '-XMP-digiKam:TagsList=People/Family/Grandma', '-XMP-xmp:Rating=-1', '-XMP-dc:Title=Reject me', dk]);
  return files;
}
