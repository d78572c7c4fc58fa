/**
 * A small, strict XML 1.0 reader for XMP packets (no DTDs, no external entities), and text escaping for writing
 * them. Enough to merge Atelier's properties into another tool's packet and to read a packet back from a file.
 *
 * What it accepts: elements, attributes (single or double quotes), character and the five predefined entity
 * references, CDATA sections, comments and processing instructions (the `<?xpacket?>` wrapper). What it refuses
 * (an {@link XmlError}): a `<!DOCTYPE` (XMP forbids it; it is also how entity-expansion attacks start), unknown
 * entities, mismatched or unclosed tags, duplicate attributes, unbound namespace prefixes, characters XML 1.0
 * forbids, and anything but whitespace, comments and PIs around the one root element.
 */

/** The namespace of the `xml:` prefix (bound in every document). */
const XML_NS = 'http://www.w3.org/XML/1998/namespace';

/** Why a document is not well-formed, with the character offset where it was noticed. */
export class XmlError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(`${message} (at character ${offset})`);
    this.name = 'XmlError';
  }
}

/** One attribute as written: qualified name, decoded value, its namespace (null when unprefixed). */
export interface XmlAttr {
  name: string;
  value: string;
  ns: string | null;
  local: string;
}

/** One element: names resolved, attributes, children, its decoded text, and where it sits in the source. */
export interface XmlElement {
  /** Qualified name as written (`dc:title`). */
  name: string;
  ns: string | null;
  local: string;
  attrs: XmlAttr[];
  children: XmlElement[];
  /** The element's own character data (CDATA included), decoded, without its children's. */
  text: string;
  /** Namespace bindings in scope inside the element (prefix → URI; '' is the default namespace). */
  scope: ReadonlyMap<string, string>;
  /** Offsets of the element in the source: `source.slice(start, end)` is the element as written. */
  start: number;
  end: number;
}

// XML 1.0 Char production, as the characters to remove (C0 controls but TAB/LF/CR, lone surrogates, U+FFFE/F).
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** `s` without the characters XML 1.0 cannot carry (C0 controls except TAB/LF/CR, lone surrogates, U+FFFE, U+FFFF). */
export function xmlChars(s: string): string {
  return s.replace(NOT_XML_CHAR, '');
}

/**
 * `s` as element content or an attribute value: forbidden characters removed (see {@link xmlChars}); `&`, `<`,
 * `>` and `"` escaped; CR written as `&#xD;` so that a reader's end-of-line handling keeps CRLF as it was.
 */
export function xmlEscape(s: string): string {
  return xmlChars(s)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/\r/g, '&#xD;');
}

/** XML 1.0 NameStartChar, by code unit (names in XMP are ASCII; the BMP ranges are checked as the production says). */
function isNameStart(c: number): boolean {
  return (
    (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || c === 0x3a ||
    (c >= 0xc0 && c <= 0xd6) || (c >= 0xd8 && c <= 0xf6) || (c >= 0xf8 && c <= 0x2ff) || (c >= 0x370 && c <= 0x37d) ||
    (c >= 0x37f && c <= 0x1fff) || c === 0x200c || c === 0x200d || (c >= 0x2070 && c <= 0x218f) || (c >= 0x2c00 && c <= 0x2fef) ||
    (c >= 0x3001 && c <= 0xdbff) || (c >= 0xf900 && c <= 0xfdcf) || (c >= 0xfdf0 && c <= 0xfffd)
  );
}

/** XML 1.0 NameChar, by code unit. */
function isNameChar(c: number): boolean {
  return isNameStart(c) || c === 0x2d || c === 0x2e || (c >= 0x30 && c <= 0x39) || c === 0xb7 || (c >= 0x300 && c <= 0x36f) || c === 0x203f || c === 0x2040 || (c >= 0xdc00 && c <= 0xdfff);
}

/**
 * Parses a whole document and returns its root element.
 * @throws XmlError when the document is not well-formed or namespace-well-formed (see the module comment)
 */
export function parseXml(src: string): XmlElement {
  const bad = src.search(NOT_XML_CHAR);
  if (bad >= 0) throw new XmlError(`character U+${src.codePointAt(bad)!.toString(16).toUpperCase().padStart(4, '0')} is not allowed in XML`, bad);
  let i = src.charCodeAt(0) === 0xfeff ? 1 : 0;
  let root: XmlElement | null = null;
  const top = new Map<string, string>([['xml', XML_NS]]);

  const fail = (msg: string, at = i): never => {
    throw new XmlError(msg, at);
  };
  const skipWs = (): void => {
    while (i < src.length && (src[i] === ' ' || src[i] === '\t' || src[i] === '\n' || src[i] === '\r')) i++;
  };
  const readName = (): string => {
    const s = i;
    if (i >= src.length || !isNameStart(src.charCodeAt(i))) fail('a name was expected');
    i++;
    while (i < src.length && isNameChar(src.charCodeAt(i))) i++;
    return src.slice(s, i);
  };
  const decode = (raw: string, at: number): string =>
    raw.replace(/&([^;&<]*);?/g, (m, ref: string) => {
      if (!m.endsWith(';')) fail('an entity reference has no ";"', at);
      switch (ref) {
        case 'lt':
          return '<';
        case 'gt':
          return '>';
        case 'amp':
          return '&';
        case 'quot':
          return '"';
        case 'apos':
          return "'";
      }
      const cp = /^#x[0-9A-Fa-f]+$/.test(ref) ? parseInt(ref.slice(2), 16) : /^#[0-9]+$/.test(ref) ? parseInt(ref.slice(1), 10) : NaN;
      if (Number.isNaN(cp)) fail(`unknown entity &${ref};`, at);
      if (cp > 0x10ffff) fail(`character reference &${ref}; is out of range`, at);
      const c = String.fromCodePoint(cp);
      if (xmlChars(c) !== c) fail(`character reference &${ref}; names a character XML forbids`, at);
      return c;
    });
  /** Skips a comment, PI or CDATA at i if there is one; returns the CDATA text, '' for others, null for none. */
  const misc = (): string | null => {
    if (src.startsWith('<!--', i)) {
      const e = src.indexOf('-->', i + 4);
      if (e < 0) fail('a comment is not closed');
      if (src.slice(i + 4, e).includes('--')) fail('"--" inside a comment');
      i = e + 3;
      return '';
    }
    if (src.startsWith('<?', i)) {
      const e = src.indexOf('?>', i + 2);
      if (e < 0) fail('a processing instruction is not closed');
      i = e + 2;
      return '';
    }
    if (src.startsWith('<![CDATA[', i)) {
      const e = src.indexOf(']]>', i + 9);
      if (e < 0) fail('a CDATA section is not closed');
      const t = src.slice(i + 9, e);
      i = e + 3;
      return t;
    }
    if (src.startsWith('<!', i)) fail(src.startsWith('<!DOCTYPE', i) ? 'a DOCTYPE is not allowed in XMP' : 'unexpected "<!"');
    return null;
  };
  const resolve = (qname: string, scope: ReadonlyMap<string, string>, isAttr: boolean, at: number): { ns: string | null; local: string } => {
    const c = qname.indexOf(':');
    if (c < 0) return { ns: isAttr ? null : (scope.get('') ?? null), local: qname };
    const prefix = qname.slice(0, c);
    const local = qname.slice(c + 1);
    if (!local || local.includes(':')) fail(`"${qname}" is not a valid qualified name`, at);
    const ns = scope.get(prefix);
    if (ns === undefined) fail(`the prefix "${prefix}" is not declared`, at);
    return { ns: ns!, local };
  };

  const element = (parentScope: ReadonlyMap<string, string>): XmlElement => {
    const start = i;
    i++; // '<'
    const name = readName();
    const raw: Array<{ name: string; value: string; at: number }> = [];
    for (;;) {
      const before = i;
      skipWs();
      if (src.startsWith('/>', i) || src[i] === '>') break;
      if (i === before) fail('whitespace was expected between attributes');
      const at = i;
      const an = readName();
      skipWs();
      if (src[i] !== '=') fail('"=" was expected after an attribute name');
      i++;
      skipWs();
      const q = src[i];
      if (q !== '"' && q !== "'") fail('an attribute value must be quoted');
      const e = src.indexOf(q!, i + 1);
      if (e < 0) fail('an attribute value is not closed');
      const v = src.slice(i + 1, e);
      if (v.includes('<')) fail('"<" inside an attribute value');
      if (raw.some((a) => a.name === an)) fail(`the attribute ${an} appears twice`, at);
      // Attribute-value normalisation: literal whitespace characters become spaces; references keep theirs.
      raw.push({ name: an, value: decode(v.replace(/\r\n?/g, '\n').replace(/[\t\n]/g, ' '), at), at });
      i = e + 1;
    }
    let scope = parentScope;
    for (const a of raw) {
      if (a.name === 'xmlns' || a.name.startsWith('xmlns:')) {
        if (scope === parentScope) scope = new Map(parentScope);
        (scope as Map<string, string>).set(a.name === 'xmlns' ? '' : a.name.slice(6), a.value);
      }
    }
    const { ns, local } = resolve(name, scope, false, start);
    const attrs: XmlAttr[] = raw
      .filter((a) => a.name !== 'xmlns' && !a.name.startsWith('xmlns:'))
      .map((a) => ({ name: a.name, value: a.value, ...resolve(a.name, scope, true, a.at) }));
    const seen = new Set<string>();
    for (const a of attrs) {
      const key = `${a.ns ?? ''} ${a.local}`;
      if (seen.has(key)) fail(`the attribute ${a.name} appears twice`);
      seen.add(key);
    }
    const el: XmlElement = { name, ns, local, attrs, children: [], text: '', scope, start, end: 0 };
    if (src.startsWith('/>', i)) {
      i += 2;
      el.end = i;
      return el;
    }
    i++; // '>'
    let text = '';
    for (;;) {
      if (i >= src.length) fail(`<${name}> is not closed`, start);
      const lt = src.indexOf('<', i);
      if (lt < 0) fail(`<${name}> is not closed`, start);
      if (lt > i) {
        const chunk = src.slice(i, lt);
        if (chunk.includes(']]>')) fail('"]]>" in text');
        text += decode(chunk.replace(/\r\n?/g, '\n'), i);
        i = lt;
      }
      if (src.startsWith('</', i)) {
        i += 2;
        const closing = readName();
        if (closing !== name) fail(`</${closing}> closes <${name}>`);
        skipWs();
        if (src[i] !== '>') fail('">" was expected');
        i++;
        el.text = text;
        el.end = i;
        return el;
      }
      const m = misc();
      if (m !== null) {
        text += m.replace(/\r\n?/g, '\n');
        continue;
      }
      el.children.push(element(scope));
    }
  };

  for (;;) {
    skipWs();
    if (i >= src.length) break;
    if (src[i] !== '<') fail('text outside the root element');
    if (misc() !== null) continue;
    if (root) fail('a second root element');
    root = element(top);
  }
  if (!root) fail('the document has no element', 0);
  return root!;
}
