/**
 * Validators compiled from Apiframe's own OpenAPI file (OpenAPI 3.1 → JSON Schema draft 2020-12, ajv 2020 +
 * ajv-formats), shared by the Apiframe test server and the tests.
 *
 * The file is `specs/apiframe-v2-openapi.json` ("Apiframe API" 2.0.0, MIT, a verbatim copy of `openapi.json` in
 * https://github.com/apiframe-ai/apiframe-nodejs-sdk @ 9f9b464; see specs/README.md). Set `APIFRAME_OPENAPI_PATH`
 * to validate against another copy.
 */
import { readFileSync } from 'node:fs';
import { APIFRAME_OPENAPI } from '../../helpers/paths';
import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

/** Response schemas (OpenAPI `components.schemas`) the test server answers with. */
export const APIFRAME_RESPONSE_SCHEMAS = [
  'JobAccepted',
  'Job',
  'JobList',
  'Upload',
  'Me',
  'ErrorResponse',
  'ValidationError',
  'InsufficientCredits',
] as const;
/** One of {@link APIFRAME_RESPONSE_SCHEMAS}. */
export type ApiframeResponseSchema = (typeof APIFRAME_RESPONSE_SCHEMAS)[number];

/** Result of validating a generate body: Apiframe's 400 `details` (Zod-style dotted paths) when invalid. */
export type GenerateValidation = { valid: true } | { valid: false; details: Record<string, string[]> };

/** The compiled validators. */
export interface ApiframeSpecValidators {
  /** The parsed OpenAPI document. */
  readonly spec: OpenApiDoc;
  /**
   * Validates a `POST /v2/images/generate` body against `GenerateImageRequest` (all 51 `oneOf` branches). When it
   * fails, `details` are keyed like Apiframe's (`gptImage2Params.aspect_ratio`, `webhook_url`, `model`), built from
   * the branch selected by `model` (the request is a discriminated union).
   */
  generate(body: unknown): GenerateValidation;
  /** Validates a reply body against a response schema; returns ajv's messages (`[]` when valid). */
  response(name: ApiframeResponseSchema, body: unknown): string[];
}

interface SchemaObject {
  [k: string]: unknown;
  properties?: Record<string, SchemaObject>;
  oneOf?: SchemaObject[];
  enum?: unknown[];
}
interface OpenApiDoc {
  openapi: string;
  components: { schemas: Record<string, SchemaObject> };
  paths: Record<string, unknown>;
}

const SCHEMA_ID = 'https://atelier.invalid/apiframe-v2.json';

/** Path of the OpenAPI file used: `APIFRAME_OPENAPI_PATH`, else the repository's `specs/apiframe-v2-openapi.json`. */
export function apiframeOpenApiPath(): string {
  return process.env['APIFRAME_OPENAPI_PATH'] ?? APIFRAME_OPENAPI;
}

let cached: ApiframeSpecValidators | undefined;

/** Compiles (once per process) and returns the validators. */
export function apiframeSpecValidators(): ApiframeSpecValidators {
  cached ??= compile(JSON.parse(readFileSync(apiframeOpenApiPath(), 'utf8')) as OpenApiDoc);
  return cached;
}

function compile(spec: OpenApiDoc): ApiframeSpecValidators {
  const ajv = new Ajv2020({ allErrors: true, verbose: true, strict: true, strictTypes: false });
  addFormats(ajv);
  // OpenAPI refs point at `#/components/schemas/X`; host the schemas under `$defs` and rewrite the refs.
  const defs = JSON.parse(
    JSON.stringify(spec.components.schemas).replaceAll('"#/components/schemas/', '"#/$defs/'),
  ) as Record<string, SchemaObject>;
  ajv.addSchema({ $id: SCHEMA_ID, $defs: defs });
  const get = (name: string): ValidateFunction => {
    const v = ajv.getSchema(`${SCHEMA_ID}#/$defs/${name}`);
    if (!v) throw new Error(`OpenAPI schema ${name} is missing`);
    return v;
  };

  const full = get('GenerateImageRequest');
  const branches = (defs['GenerateImageRequest']?.oneOf ?? []).map((b, i) => ({
    models: (b.properties?.['model']?.enum ?? []) as unknown[],
    validate: ajv.compile({ $id: `${SCHEMA_ID}/generate/${i}`, ...b }),
  }));
  const allModels = branches.flatMap((b) => b.models);
  const responses = new Map(APIFRAME_RESPONSE_SCHEMAS.map((n) => [n, get(n)] as const));

  return {
    spec,
    generate(body: unknown): GenerateValidation {
      const ok = full(body) as boolean;
      if (ok) return { valid: true };
      if (body === null || typeof body !== 'object' || Array.isArray(body)) {
        return { valid: false, details: { '(root)': [`Expected object, received ${kindOf(body)}`] } };
      }
      const model = (body as { model?: unknown }).model;
      const branch = branches.find((b) => b.models.includes(model));
      if (!branch) {
        const expected = allModels.map((m) => `'${String(m)}'`).join(' | ');
        return {
          valid: false,
          details: {
            model: [
              model === undefined
                ? 'Required'
                : `Invalid discriminator value. Expected ${expected}, received ${JSON.stringify(model)}`,
            ],
          },
        };
      }
      if (branch.validate(body)) {
        throw new Error('OpenAPI validators disagree: full schema rejects what its branch accepts');
      }
      return { valid: false, details: zodStyleDetails(branch.validate.errors ?? []) };
    },
    response(name, body) {
      const v = responses.get(name);
      if (!v) return [`unknown schema ${name}`];
      if (v(body)) return [];
      return (v.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message ?? e.keyword}`);
    },
  };
}

/** ajv errors → `{ "a.b.c": ["message", …] }` with Zod-like wording (Apiframe validates with Zod). */
function zodStyleDetails(errors: ErrorObject[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const add = (segments: string[], msg: string) => {
    const key = segments.filter((s) => s !== '').join('.') || '(root)';
    const list = (out[key] ??= []);
    if (!list.includes(msg)) list.push(msg);
  };
  for (const e of errors) {
    const path = e.instancePath.split('/').slice(1).map(unescapePointer);
    const p = e.params as Record<string, unknown>;
    switch (e.keyword) {
      case 'required':
        add([...path, String(p['missingProperty'])], 'Required');
        break;
      case 'additionalProperties':
        add([...path, String(p['additionalProperty'])], `Unrecognized key(s) in object: '${String(p['additionalProperty'])}'`);
        break;
      case 'enum': {
        const allowed = (p['allowedValues'] as unknown[]).map((v) => `'${String(v)}'`).join(' | ');
        add(path, `Invalid enum value. Expected ${allowed}, received '${String(e.data)}'`);
        break;
      }
      case 'type':
        add(path, `Expected ${String(p['type']).split(',').join(' | ')}, received ${kindOf(e.data)}`);
        break;
      case 'minLength':
        add(path, `String must contain at least ${String(p['limit'])} character(s)`);
        break;
      case 'maxLength':
        add(path, `String must contain at most ${String(p['limit'])} character(s)`);
        break;
      case 'minimum':
        add(path, `Number must be greater than or equal to ${String(p['limit'])}`);
        break;
      case 'maximum':
        add(path, `Number must be less than or equal to ${String(p['limit'])}`);
        break;
      case 'minItems':
        add(path, `Array must contain at least ${String(p['limit'])} element(s)`);
        break;
      case 'maxItems':
        add(path, `Array must contain at most ${String(p['limit'])} element(s)`);
        break;
      case 'format':
        add(path, p['format'] === 'uri' ? 'Invalid url' : `Invalid ${String(p['format'])}`);
        break;
      default:
        add(path, e.message ?? e.keyword);
    }
  }
  return out;
}

function unescapePointer(s: string): string {
  return s.replaceAll('~1', '/').replaceAll('~0', '~');
}

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}
