/** Paths tests share: the repo root and `../shared` (fixtures, specs) beside it. */
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';

export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const SHARED = resolve(REPO_ROOT, '../shared');
export const FIXTURES = resolve(SHARED, 'fixtures');
export const GOOD_IMAGES = resolve(FIXTURES, 'images');
export const BAD_FILES = resolve(FIXTURES, 'bad');
export const APIFRAME_OPENAPI = resolve(SHARED, 'specs/apiframe-v2-openapi.json');
