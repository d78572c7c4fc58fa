/**
 * The recipe as XMP: which properties an export writes, merging them into the XMP a file already carries,
 * serialising the packet (split into a standard and an extended part where JPEG needs it), the `.xmp` sidecar,
 * and reading a written file back to check that every property is really there. The bytes-level work is in
 * xmp-file.ts.
 *
 * Properties written (metadata `full`; `prompt` writes only the prompt and the digital source type):
 * - `dc:description` (rdf:Alt, x-default): the prompt, written once.
 * - `dc:title` (rdf:Alt, x-default): the title; `dc:subject` (rdf:Bag): the tags, joined with any already in
 *   the file.
 * - `xmp:Rating`: 1–5 stars, or -1 for a rejected image (as Lightroom writes a reject); nothing when unrated.
 *   A *pick* has no standard XMP property: it is `atelier:Pick` = `True`.
 * - `xmp:CreateDate` (ISO 8601 with the local offset) and `xmp:CreatorTool` (`Atelier <version>`): for images
 *   Atelier made (generated or edited), never for imported photos, whose camera date and tool stay.
 * - `Iptc4xmpExt:DigitalSourceType` (IPTC NewsCodes, https://cv.iptc.org/newscodes/digitalsourcetype/):
 *   `trainedAlgorithmicMedia` for a generated image and for an edit of one, `compositeWithTrainedAlgorithmicMedia`
 *   for an edit of an imported photo, `algorithmicMedia` for the offline sandbox (its pictures come from a plain
 *   algorithm, no trained model), nothing for an imported photo.
 * - `Iptc4xmpExt:AISystemUsed` (the model, e.g. `gpt-image-2`) from the IPTC Photo Metadata Standard 2025.1,
 *   https://www.iptc.org/std/photometadata/specification/IPTC-PhotoMetadata (section "AI System Used"). Its
 *   "AI System Version Used" is not written (providers name a model, not a version of it), nor "AI Prompt
 *   Information" (the prompt is in `dc:description` and is written once: a long prompt would otherwise take
 *   twice the room), nor "AI Prompt Writer Name" (Atelier does not know who wrote it).
 * - `atelier:*` (namespace {@link NS.atelier}): the whole recipe — AssetId (the image's id in this library, so
 *   that an import elsewhere can find a parent named in a child's Lineage), Kind, Provider, Model, Parameters,
 *   Lineage and Cost (JSON), OriginalName, Created, Pick.
 *
 * Merging (original-bytes exports): every property and namespace the file's packet already has is kept, except
 * the ones written now (replaced), anything in Atelier's namespace, and `xmpNote:HasExtendedXMP` (the extended
 * part is rewritten as a whole).
 */
import { AppError } from '@shared/errors';
import type { MetadataLevel } from '@shared/contracts/transfer';
import { extendedGuid, JPEG_STANDARD_MAX, readXmp, type XmpToWrite } from './xmp-file';
import { parseXml, xmlEscape, XmlError, type XmlElement } from './xml';

export { extractXmp, readXmp, writeXmp, type XmpInFile, type XmpToWrite } from './xmp-file';

/** The namespaces Atelier writes. */
export const NS = {
  x: 'adobe:ns:meta/',
  rdf: 'http://www.w3.org/1999/02/22-rdf-syntax-ns#',
  dc: 'http://purl.org/dc/elements/1.1/',
  xmp: 'http://ns.adobe.com/xap/1.0/',
  xmpNote: 'http://ns.adobe.com/xmp/note/',
  Iptc4xmpExt: 'http://iptc.org/std/Iptc4xmpExt/2008-02-29/',
  atelier: 'https://atelier.invalid/ns/recipe/1.0/',
} as const;

/** IPTC digital source type codes. */
export const DIGITAL_SOURCE = {
  trained: 'http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia',
  composite: 'http://cv.iptc.org/newscodes/digitalsourcetype/compositeWithTrainedAlgorithmicMedia',
  algorithmic: 'http://cv.iptc.org/newscodes/digitalsourcetype/algorithmicMedia',
} as const;

/** The recipe written into exports (XMP and JSON sidecar). Times epoch ms; money in credits and USD. */
export interface ExportRecipe {
  assetId: string;
  kind: 'generated' | 'edited' | 'imported';
  /**
   * Where the pixels came from: a model (`generated`, also an edit of a generated image), an edit of an imported
   * photo (`composite`), the offline sandbox (`sandbox`), or a photo brought in (`photo`).
   */
  source: 'generated' | 'composite' | 'sandbox' | 'photo';
  prompt: string | null;
  provider: string | null;
  model: string | null;
  params: Record<string, unknown> | null;
  /** Reference images in order (name, blob id) and the asset an edit continued, if any. */
  lineage: { references: Array<{ name: string; blobId: string }>; parentAssetId: string | null; jobId: string | null };
  cost: { credits: number | null; usd: number | null; usdEstimate: number | null };
  /** The imported file's own name, when imported. */
  originalName: string | null;
  title: string | null;
  tags: string[];
  /** 0 (unrated) – 5 stars. */
  rating: number;
  /** -1 rejected, 0 none, 1 picked. */
  flag: number;
  createdAt: number;
  width: number;
  height: number;
}

/** One top-level XMP property: its expanded name, the element as serialised, and the prefixes that needs. */
export interface XmpProperty {
  ns: string;
  local: string;
  /** The property element, e.g. `<dc:title><rdf:Alt>…</rdf:Alt></dc:title>`. */
  xml: string;
  /** Namespace declarations the element needs beyond `rdf` and `xml` (prefix → URI; '' the default). */
  decls: Record<string, string>;
}

/** A packet taken apart: `rdf:about` and the top-level properties of all its rdf:Description elements. */
export interface ParsedXmp {
  about: string;
  props: XmpProperty[];
}

const BAG_SEP = '\u0000';

/**
 * The properties a recipe gives at a metadata level (see the module comment), in writing order; `none`, or a
 * level with nothing to say, gives [].
 * @param tool the `xmp:CreatorTool` value, e.g. `Atelier 0.1.0`
 */
export function recipeProperties(recipe: ExportRecipe, level: MetadataLevel, tool: string): XmpProperty[] {
  if (level === 'none') return [];
  const out: XmpProperty[] = [];
  const dc = { dc: NS.dc };
  const alt = (local: string, v: string): void => {
    out.push({ ns: NS.dc, local, decls: dc, xml: `<dc:${local}><rdf:Alt><rdf:li xml:lang="x-default">${xmlEscape(v)}</rdf:li></rdf:Alt></dc:${local}>` });
  };
  const simple = (prefix: 'xmp' | 'Iptc4xmpExt' | 'atelier', local: string, v: string): void => {
    out.push({ ns: NS[prefix], local, decls: { [prefix]: NS[prefix] }, xml: `<${prefix}:${local}>${xmlEscape(v)}</${prefix}:${local}>` });
  };
  const source =
    recipe.source === 'generated' ? DIGITAL_SOURCE.trained : recipe.source === 'composite' ? DIGITAL_SOURCE.composite : recipe.source === 'sandbox' ? DIGITAL_SOURCE.algorithmic : null;

  if (level === 'full' && recipe.title) alt('title', recipe.title);
  if (recipe.prompt !== null && recipe.prompt !== '') alt('description', recipe.prompt);
  if (source) simple('Iptc4xmpExt', 'DigitalSourceType', source);
  if (level !== 'full') return out;

  if (recipe.tags.length > 0) out.push(subjectProperty(recipe.tags));
  if (recipe.flag === -1) simple('xmp', 'Rating', '-1');
  else if (recipe.rating > 0) simple('xmp', 'Rating', String(recipe.rating));
  if (recipe.kind !== 'imported') {
    simple('xmp', 'CreateDate', isoWithOffset(recipe.createdAt));
    simple('xmp', 'CreatorTool', tool);
  }
  if ((recipe.source === 'generated' || recipe.source === 'composite') && recipe.model) simple('Iptc4xmpExt', 'AISystemUsed', recipe.model);
  const add = (name: string, v: unknown): void => {
    if (v === null || v === undefined) return;
    simple('atelier', name, typeof v === 'string' ? v : JSON.stringify(v));
  };
  add('AssetId', recipe.assetId);
  add('Kind', recipe.kind);
  add('Provider', recipe.provider);
  add('Model', recipe.model);
  add('Parameters', recipe.params);
  add('Lineage', recipe.lineage);
  add('Cost', recipe.cost);
  add('OriginalName', recipe.originalName);
  add('Created', new Date(recipe.createdAt).toISOString());
  if (recipe.flag === 1) add('Pick', 'True');
  return out;
}

function subjectProperty(items: string[]): XmpProperty {
  const li = items.map((t) => `<rdf:li>${xmlEscape(t)}</rdf:li>`).join('');
  return { ns: NS.dc, local: 'subject', decls: { dc: NS.dc }, xml: `<dc:subject><rdf:Bag>${li}</rdf:Bag></dc:subject>` };
}

/** `ms` as ISO 8601 in the local time zone with its offset, seconds precision: `2026-12-01T10:42:46+01:00`. */
export function isoWithOffset(ms: number): string {
  const d = new Date(ms);
  const off = -d.getTimezoneOffset();
  const p = (n: number): string => String(Math.trunc(Math.abs(n))).padStart(2, '0');
  const sign = off >= 0 ? '+' : '-';
  return (
    `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}` +
    `${sign}${p(off / 60)}:${p(off % 60)}`
  );
}

/**
 * The top-level properties of an XMP packet (or `.xmp` document): the children of every rdf:Description under
 * rdf:RDF, as written (with the namespace declarations in scope), and attribute-form properties turned into
 * elements.
 * @throws XmlError when the packet is not well-formed XML, or is not RDF as XMP writes it
 */
export function parseXmpPacket(packet: string): ParsedXmp {
  const root = parseXml(packet);
  const rdf = root.ns === NS.rdf && root.local === 'RDF' ? root : root.children.find((c) => c.ns === NS.rdf && c.local === 'RDF');
  if (!rdf) throw new XmlError('no rdf:RDF element', root.start);
  let about = '';
  const props: XmpProperty[] = [];
  for (const d of rdf.children) {
    if (d.ns !== NS.rdf || d.local !== 'Description') throw new XmlError(`unsupported top-level node <${d.name}> in rdf:RDF`, d.start);
    const decls: Record<string, string> = {};
    for (const [prefix, uri] of d.scope) {
      if (prefix === 'xml' || (prefix === 'rdf' && uri === NS.rdf) || (prefix === 'x' && uri === NS.x)) continue;
      decls[prefix] = uri;
    }
    for (const a of d.attrs) {
      if (a.ns === NS.rdf && a.local === 'about') {
        about = a.value;
        continue;
      }
      if (a.ns === null || a.ns === NS.rdf || a.name.startsWith('xml:')) continue;
      props.push({ ns: a.ns, local: a.local, decls, xml: `<${a.name}>${xmlEscape(a.value)}</${a.name}>` });
    }
    for (const c of d.children) {
      if (c.ns === null) throw new XmlError(`property <${c.name}> has no namespace`, c.start);
      props.push({ ns: c.ns, local: c.local, decls, xml: packet.slice(c.start, c.end) });
    }
  }
  return { about, props };
}

/** The `rdf:li` texts of an rdf:Bag/Seq property element. */
function listItems(xml: string, decls: Record<string, string>): string[] {
  const ns = Object.entries(decls)
    .map(([p, u]) => (p ? ` xmlns:${p}="${xmlEscape(u)}"` : ` xmlns="${xmlEscape(u)}"`))
    .join('');
  // Re-root the element with the declarations it relied on.
  const wrapped = `<w xmlns:rdf="${NS.rdf}"${ns}>${xml}</w>`;
  const el = parseXml(wrapped).children[0]!;
  const list = el.children.find((c: XmlElement) => c.ns === NS.rdf && (c.local === 'Bag' || c.local === 'Seq'));
  return (list?.children ?? []).filter((c) => c.ns === NS.rdf && c.local === 'li').map((c) => c.text);
}

/**
 * `ours` merged into an existing packet: every property of `existing` is kept except those `ours` replaces
 * (same namespace and name), Atelier's namespace, and `xmpNote:HasExtendedXMP`; `dc:subject` becomes the union
 * of both bags (existing order first). Existing properties come first, in their order.
 * @throws XmlError when `existing` is not a well-formed XMP packet
 */
export function mergeXmp(existing: string, ours: XmpProperty[], existingExtended: string | null = null): ParsedXmp {
  const base = parseXmpPacket(existing);
  if (existingExtended) base.props.push(...parseXmpPacket(existingExtended).props);
  const key = (p: { ns: string; local: string }): string => `${p.ns}${BAG_SEP}${p.local}`;
  const mine = new Set(ours.map(key));
  const kept = base.props.filter(
    (p) => !mine.has(key(p)) && p.ns !== NS.atelier && !(p.ns === NS.xmpNote && p.local === 'HasExtendedXMP'),
  );
  const merged = ours.map((p) => {
    if (p.ns !== NS.dc || p.local !== 'subject') return p;
    const theirs = base.props.filter((q) => q.ns === NS.dc && q.local === 'subject').flatMap((q) => listItems(q.xml, q.decls));
    if (theirs.length === 0) return p;
    const all = [...new Set([...theirs, ...listItems(p.xml, p.decls)])];
    return subjectProperty(all);
  });
  return { about: base.about, props: [...kept, ...merged] };
}

/** rdf:Description elements holding `props`, one per run of properties whose declarations agree. */
function descriptions(props: XmpProperty[], about: string, indent: string): string {
  const groups: Array<{ decls: Record<string, string>; props: XmpProperty[] }> = [];
  for (const p of props) {
    const g = groups.at(-1);
    if (g && Object.entries(p.decls).every(([k, v]) => g.decls[k] === undefined || g.decls[k] === v)) {
      Object.assign(g.decls, p.decls);
      g.props.push(p);
    } else groups.push({ decls: { ...p.decls }, props: [p] });
  }
  return groups
    .map((g) => {
      const ns = Object.entries(g.decls)
        .map(([p, u]) => (p ? ` xmlns:${p}="${xmlEscape(u)}"` : ` xmlns="${xmlEscape(u)}"`))
        .join('');
      return (
        `${indent}<rdf:Description rdf:about="${xmlEscape(about)}"${ns}>\n` +
        g.props.map((p) => `${indent} ${p.xml}\n`).join('') +
        `${indent}</rdf:Description>\n`
      );
    })
    .join('');
}

/** An x:xmpmeta document holding `props` (no xpacket wrapper: the `.xmp` sidecar and Extended XMP form). */
export function xmpDocument(props: XmpProperty[], about: string, tool: string): string {
  return (
    `<x:xmpmeta xmlns:x="${NS.x}" x:xmptk="${xmlEscape(tool)}">\n` +
    ` <rdf:RDF xmlns:rdf="${NS.rdf}">\n` +
    descriptions(props, about, '  ') +
    ' </rdf:RDF>\n' +
    '</x:xmpmeta>\n'
  );
}

/** A packet for embedding: {@link xmpDocument} inside the `<?xpacket?>` wrapper. */
export function xmpPacket(props: XmpProperty[], about: string, tool: string): string {
  return `<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>\n${xmpDocument(props, about, tool)}<?xpacket end="w"?>`;
}

/**
 * What to write into a file of type `mime`. For JPEG, a packet over {@link JPEG_STANDARD_MAX} bytes is split:
 * the largest properties move to the extended serialisation until the standard packet (with
 * `xmpNote:HasExtendedXMP` naming the extended part's MD5) fits. Other types take any size in one packet.
 * @returns the packets and the properties each holds
 */
export function packetsFor(mime: string, parsed: ParsedXmp, tool: string): { write: XmpToWrite; standard: XmpProperty[]; extended: XmpProperty[] } {
  const all = parsed.props;
  const whole = xmpPacket(all, parsed.about, tool);
  if (mime !== 'image/jpeg' || Buffer.byteLength(whole, 'utf8') <= JPEG_STANDARD_MAX) {
    return { write: { standard: whole, extended: null }, standard: all, extended: [] };
  }
  const note = (guid: string): XmpProperty => ({
    ns: NS.xmpNote,
    local: 'HasExtendedXMP',
    decls: { xmpNote: NS.xmpNote },
    xml: `<xmpNote:HasExtendedXMP>${guid}</xmpNote:HasExtendedXMP>`,
  });
  const placeholder = note('0'.repeat(32));
  const moved = new Set<XmpProperty>();
  const bySize = [...all].sort((a, b) => Buffer.byteLength(b.xml, 'utf8') - Buffer.byteLength(a.xml, 'utf8'));
  const standardOf = (): XmpProperty[] => [...all.filter((p) => !moved.has(p)), placeholder];
  for (const p of bySize) {
    if (Buffer.byteLength(xmpPacket(standardOf(), parsed.about, tool), 'utf8') <= JPEG_STANDARD_MAX) break;
    moved.add(p);
  }
  const extended = all.filter((p) => moved.has(p));
  const data = Buffer.from(xmpDocument(extended, parsed.about, tool), 'utf8');
  const guid = extendedGuid(data);
  const standard = [...all.filter((p) => !moved.has(p)), note(guid)];
  const packet = xmpPacket(standard, parsed.about, tool);
  if (Buffer.byteLength(packet, 'utf8') > JPEG_STANDARD_MAX) {
    throw new AppError('validation', 'XMP: the standard packet does not fit in a JPEG segment', { params: { field: 'xmp', reason: 'too_large' } });
  }
  return { write: { standard: packet, extended: { guid, data } }, standard, extended };
}

/**
 * Reads the XMP back from written bytes and checks that each of `expected` is there exactly as serialised
 * (the standard packet and, for JPEG, the reassembled extended part whose MD5 the standard one names).
 * @returns null when all are there, else why not (for the export report)
 */
export function verifyXmp(bytes: Uint8Array, expected: XmpProperty[]): string | null {
  let found: XmpProperty[];
  try {
    const x = readXmp(bytes);
    if (x.standard === null) return 'no XMP packet was found in the written file';
    found = parseXmpPacket(x.standard).props;
    if (x.extendedGuid) {
      if (x.extended === null) return `the Extended XMP ${x.extendedGuid} is missing or incomplete in the written file`;
      found.push(...parseXmpPacket(x.extended).props);
    }
  } catch (err) {
    return `the written XMP cannot be read back (${(err as Error).message})`;
  }
  const have = new Set(found.map((p) => `${p.ns}${BAG_SEP}${p.local}${BAG_SEP}${p.xml}`));
  const missing = expected.filter((p) => !have.has(`${p.ns}${BAG_SEP}${p.local}${BAG_SEP}${p.xml}`));
  return missing.length === 0 ? null : `not found in the written file: ${missing.map((p) => p.local).join(', ')}`;
}
