/**
 * Export naming templates: `{project}/{date} {index} {original}` and the like. Pure functions.
 *
 * Tokens: {project} {folder} {date} (YYYY-MM-DD, local time) {model} {provider} {rating} {index} {original}
 * (the imported file's name without extension, else a short id), and `{var:name}`: the value of `name` in the batch
 * row that made the image (issue 13; empty for an image outside a batch). A `/` in the template starts a sub-folder;
 * the extension is added by the exporter.
 *
 * Two lines of defence keep every name inside the chosen folder:
 * 1. {@link parseTemplate} refuses a template whose literal text could escape or is not portable: absolute paths
 *    (`/x`, `C:\x`, `\\server`), `..` or `.` segments, backslashes, characters Windows forbids (`<>:"|?*`) and
 *    control characters, Windows reserved names (CON, PRN, AUX, NUL, COM1–9, LPT1–9, also with an extension),
 *    segments ending in a dot or space, empty segments, and templates without any token or text.
 * 2. {@link renderName} makes every token value a safe piece of one segment (separators and forbidden characters
 *    become `_`), then checks each resulting segment again (a value like `..` or `CON` is neutralised) and
 *    limits segment lengths, so no combination of template and values can leave the folder.
 */
import { AppError } from '@shared/errors';
import { VARIABLE_NAME_RE } from '@shared/batch-template';

export const TOKENS = ['project', 'folder', 'date', 'model', 'provider', 'rating', 'index', 'original'] as const;
export type Token = (typeof TOKENS)[number];

/**
 * Values for one asset; `index` is 1-based, padded by the renderer to `indexWidth` digits; `vars` the values of the
 * batch row that made it (absent or empty outside a batch).
 */
export type TokenValues = Record<Exclude<Token, 'index'>, string> & { index: number; vars?: Readonly<Record<string, string>> };

/** The prefix of a batch variable token: `{var:product}`. */
export const VAR_TOKEN_PREFIX = 'var:';

/** A batch value's name: a column's (see {@link VARIABLE_NAME_RE}) or an alternatives group's number (`1`, `2`, …). */
const isVariableName = (name: string): boolean => VARIABLE_NAME_RE.test(name) || /^[1-9][0-9]{0,3}$/.test(name);

/** One piece of a template segment: literal text, a token, or a batch variable (`{var:name}`). */
export type TemplatePiece = { text: string } | { token: Token } | { variable: string };

/** A parsed template: its segments (one per path level), each a list of literal text, tokens and variables. */
export type ParsedTemplate = { segments: Array<Array<TemplatePiece>> };

/** Longest template, in characters. */
export const MAX_TEMPLATE_LENGTH = 500;
/** Longest path segment we produce, in UTF-8 bytes, before the extension (most file systems allow 255). */
export const MAX_SEGMENT_BYTES = 180;
/** Deepest sub-folder nesting a template may ask for. */
export const MAX_DEPTH = 8;

const RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i;
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[<>:"|?*\\\u0000-\u001f\u007f]/;
// eslint-disable-next-line no-control-regex
const FORBIDDEN_ALL = /[<>:"|?*\\/\u0000-\u001f\u007f]/g;

function refuse(reason: string, detail: string): never {
  throw new AppError('validation', `naming template: ${detail}`, { params: { field: 'template', reason } });
}

/**
 * Parses and checks a template.
 * @throws AppError `validation` with `params.field = 'template'` and `params.reason` one of `empty`, `too_long`,
 *   `absolute`, `parent`, `illegal_character`, `reserved_name`, `trailing_dot_or_space`, `empty_segment`,
 *   `unknown_token`, `unclosed_brace`, `too_deep`
 */
export function parseTemplate(template: string): ParsedTemplate {
  const t = String(template).normalize('NFC');
  if (t.trim().length === 0) refuse('empty', 'is empty');
  if (t.length > MAX_TEMPLATE_LENGTH) refuse('too_long', `is longer than ${MAX_TEMPLATE_LENGTH} characters`);
  if (t.startsWith('/') || t.startsWith('\\') || /^[A-Za-z]:/.test(t) || t.startsWith('~')) {
    refuse('absolute', `"${t}" is an absolute path; names must stay inside the chosen folder`);
  }
  const rawSegments = t.split('/');
  if (rawSegments.length > MAX_DEPTH) refuse('too_deep', `has more than ${MAX_DEPTH} levels`);
  const segments: ParsedTemplate['segments'] = [];
  for (const raw of rawSegments) {
    if (raw.length === 0) refuse('empty_segment', 'has an empty folder name (two "/" in a row, or a "/" at the end)');
    if (raw === '..' || raw === '.') refuse('parent', `"${raw}" would leave the chosen folder`);
    const parts: TemplatePiece[] = [];
    let literal = '';
    for (let i = 0; i < raw.length; ) {
      const ch = raw[i]!;
      if (ch === '{') {
        const end = raw.indexOf('}', i);
        if (end < 0) refuse('unclosed_brace', `a "{" at ${i} is not closed`);
        const name = raw.slice(i + 1, end);
        if (name.startsWith(VAR_TOKEN_PREFIX) && isVariableName(name.slice(VAR_TOKEN_PREFIX.length))) {
          if (literal) parts.push({ text: literal });
          literal = '';
          parts.push({ variable: name.slice(VAR_TOKEN_PREFIX.length) });
          i = end + 1;
          continue;
        }
        if (!(TOKENS as readonly string[]).includes(name)) {
          refuse('unknown_token', `{${name}} is not a token (use ${TOKENS.map((x) => `{${x}}`).join(' ')} or {var:name})`);
        }
        if (literal) parts.push({ text: literal });
        literal = '';
        parts.push({ token: name as Token });
        i = end + 1;
        continue;
      }
      if (ch === '}') refuse('unclosed_brace', `a "}" at ${i} has no "{"`);
      if (FORBIDDEN.test(ch)) refuse('illegal_character', `the character ${JSON.stringify(ch)} is not allowed in file names`);
      literal += ch;
      i++;
    }
    if (literal) parts.push({ text: literal });
    // What the user typed must itself be a portable name (values are made safe in renderName).
    const onlyText = parts.every((p) => 'text' in p);
    const first = parts[0];
    const head = first && 'text' in first ? first.text : '';
    const stem = (onlyText ? raw : head).split('.')[0]!.trim();
    if ((onlyText || head.includes('.')) && RESERVED.test(stem)) {
      refuse('reserved_name', `"${raw}" is (or starts with) a name reserved on Windows`);
    }
    const last = parts.at(-1);
    if (last && 'text' in last && /[. ]$/.test(last.text)) {
      refuse('trailing_dot_or_space', `"${raw}" ends with a dot or a space, which Windows drops`);
    }
    segments.push(parts);
  }
  return { segments };
}

/**
 * Makes a token value safe inside one path segment: NFC, no separators or forbidden characters (→ `_`), runs of
 * white space collapsed, trimmed.
 */
export function sanitizeValue(value: string): string {
  return String(value).normalize('NFC').replace(FORBIDDEN_ALL, '_').replace(/\s+/g, ' ').trim();
}

/** Cuts a string to at most `max` UTF-8 bytes without splitting a character. */
function truncateBytes(s: string, max: number): string {
  if (Buffer.byteLength(s, 'utf8') <= max) return s;
  let out = '';
  for (const ch of s) {
    if (Buffer.byteLength(out + ch, 'utf8') > max) break;
    out += ch;
  }
  return out;
}

/** Makes a finished segment portable: no trailing dots/spaces, not `.`/`..`/empty, not a reserved name. */
export function safeSegment(segment: string): string {
  let s = truncateBytes(segment.trim(), MAX_SEGMENT_BYTES).replace(/[. ]+$/, '');
  if (s === '' || /^\.+$/.test(s)) s = '_';
  if (RESERVED.test(s) || RESERVED.test(s.split('.')[0]!)) s = `_${s}`;
  return s;
}

/**
 * The relative path (segments joined with `/`, no extension) a parsed template gives one asset.
 * @param indexWidth digits to pad `{index}` to (the width of the export's count)
 */
export function renderName(parsed: ParsedTemplate, values: TokenValues, indexWidth: number): string {
  return parsed.segments
    .map((parts) =>
      safeSegment(
        parts
          .map((p) => {
            if ('text' in p) return p.text;
            if ('variable' in p) return sanitizeValue(values.vars?.[p.variable] ?? '');
            if (p.token === 'index') return String(values.index).padStart(indexWidth, '0');
            return sanitizeValue(values[p.token]);
          })
          .join(''),
      ),
    )
    .join('/');
}

/** Local calendar date `YYYY-MM-DD` of an epoch-ms time (the `{date}` token). */
export function dateToken(epochMs: number): string {
  const d = new Date(epochMs);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}
