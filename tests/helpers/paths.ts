/**
 * Paths tests share. Everything a test reads lives inside the repository: the photos and hostile files in
 * `tests/fixtures/` (licences in its README) and Apiframe's OpenAPI file in `specs/`.
 */
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';

export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const FIXTURES = resolve(REPO_ROOT, 'tests/fixtures');
export const GOOD_IMAGES = resolve(FIXTURES, 'images');
export const BAD_FILES = resolve(FIXTURES, 'bad');
export const APIFRAME_OPENAPI = resolve(REPO_ROOT, 'specs/apiframe-v2-openapi.json');
/**
 * Where e2e tests save their screenshots: `.tmp/screenshots` (ignored by git) unless `ATELIER_SCREENSHOTS_DIR`
 * names another folder; `npm run screenshots` points it at `docs/screenshots` to refresh the README's pictures.
 */
export const SCREENSHOTS = resolve(REPO_ROOT, process.env.ATELIER_SCREENSHOTS_DIR ?? '.tmp/screenshots');
