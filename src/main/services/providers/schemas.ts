/** Wire schemas (zod) that more than one provider's `schemas.ts` uses. */
import { z } from 'zod';
import { isHttpUrl } from './http';

/**
 * An absolute http(s) URL written with RFC 3986 characters only ({@link isHttpUrl}): Apiframe's `format: uri`
 * (`specs/apiframe-v2-openapi.json`), EvoLink's `string(uri)` (https://docs.evolink.ai/). Atelier only ever produces
 * or fetches http(s).
 */
export const HttpUrl = z.string().refine(isHttpUrl, { message: 'Expected an absolute http(s) URL' });
