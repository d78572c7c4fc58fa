/**
 * The XMP packet logic on its own: characters XML 1.0 forbids are removed and CR kept (checked with saxes, a
 * strict parser), the small XML reader refuses what is not well-formed, another tool's packet is merged
 * (elements and attribute-form properties kept, ours replaced, dc:subject joined), and a packet too large for
 * one JPEG segment is split with the MD5 GUID the standard part names.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { SaxesParser } from 'saxes';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { parseXml, xmlEscape, XmlError } from '../../src/main/services/transfer/xml';
import {
  DIGITAL_SOURCE,
  mergeXmp,
  NS,
  packetsFor,
  parseXmpPacket,
  readXmp,
  recipeProperties,
  verifyXmp,
  writeXmp,
  xmpPacket,
  type ExportRecipe,
} from '../../src/main/services/transfer/xmp';

const TOOL = 'Atelier 0.1.0';

/** The text saxes reads from `<t>…</t>` (throws on anything not well-formed). */
function saxesText(escaped: string): string {
  const p = new SaxesParser();
  let text = '';
  p.on('error', (e) => {
    throw e;
  });
  p.on('text', (t) => (text += t));
  p.write(`<t>${escaped}</t>`).close();
  return text;
}

const recipe = (over: Partial<ExportRecipe> = {}): ExportRecipe => ({
  assetId: 'a1',
  kind: 'generated',
  source: 'generated',
  prompt: 'a fox',
  provider: 'openai',
  model: 'gpt-image-2',
  params: { quality: 'low' },
  lineage: { references: [], parentAssetId: null, jobId: 'j1' },
  cost: { credits: null, usd: 0.01, usdEstimate: 0.01 },
  originalName: null,
  title: null,
  tags: [],
  rating: 0,
  flag: 0,
  createdAt: Date.UTC(2026, 0, 2, 3, 4, 5),
  width: 8,
  height: 8,
  ...over,
});

describe('XML text', () => {
  it('removes NUL, other C0 controls, lone surrogates, U+FFFE and U+FFFF; keeps TAB/LF; CR survives a strict parser', () => {
    const s = 'a\u0000b\u0001c\u001fd\uFFFEe\uFFFFf\uD800g\uDC00h\tI\nJ\r\nK 😀 물';
    const escaped = xmlEscape(s);
    expect(escaped).toContain('&#xD;');
    expect(saxesText(escaped)).toBe('abcdefgh\tI\nJ\r\nK 😀 물');
    expect(parseXml(`<t>${escaped}</t>`).text).toBe('abcdefgh\tI\nJ\r\nK 😀 물');
  });

  it('whatever the string, the escaped text is well-formed and reads back as the string without forbidden characters', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => {
        const expected = s.replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '');
        expect(saxesText(xmlEscape(s))).toBe(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('the reader refuses what is not well-formed', () => {
    for (const bad of [
      '<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>',
      '<x><y></x>',
      '<x a="1" a="2"/>',
      '<p:x/>',
      '<x>&nope;</x>',
      '<x>\uFFFE</x>',
      '<x/><y/>',
      '<x>&#0;</x>',
    ]) {
      expect(() => parseXml(bad), bad).toThrow(XmlError);
    }
  });
});

describe('properties', () => {
  it('digital source type by where the pixels came from; the prompt once; pick and reject', () => {
    const dst = (r: ExportRecipe) => /<Iptc4xmpExt:DigitalSourceType>([^<]*)</.exec(recipeProperties(r, 'full', TOOL).map((p) => p.xml).join(''))?.[1];
    expect(dst(recipe())).toBe(DIGITAL_SOURCE.trained);
    expect(dst(recipe({ kind: 'edited', source: 'composite' }))).toBe(DIGITAL_SOURCE.composite);
    expect(dst(recipe({ kind: 'edited', source: 'generated' }))).toBe(DIGITAL_SOURCE.trained);
    expect(dst(recipe({ provider: 'sandbox', source: 'sandbox' }))).toBe(DIGITAL_SOURCE.algorithmic);
    expect(dst(recipe({ kind: 'imported', source: 'photo', prompt: null }))).toBeUndefined();
    const full = recipeProperties(recipe({ flag: 1, rating: 3 }), 'full', TOOL).map((p) => p.xml).join('');
    expect(full.split('a fox').length - 1).toBe(1);
    expect(full).toContain('<xmp:Rating>3</xmp:Rating>');
    expect(full).toContain('<atelier:Pick>True</atelier:Pick>');
    expect(recipeProperties(recipe({ flag: -1, rating: 3 }), 'full', TOOL).map((p) => p.xml).join('')).toContain('<xmp:Rating>-1</xmp:Rating>');
    expect(recipeProperties(recipe(), 'prompt', TOOL).map((p) => `${p.ns}${p.local}`)).toEqual([`${NS.dc}description`, `${NS.Iptc4xmpExt}DigitalSourceType`]);
    expect(recipeProperties(recipe(), 'none', TOOL)).toEqual([]);
  });

  it('merges into another tool’s packet: its elements, attributes and namespaces stay, ours replace theirs, tags join', () => {
    const theirs =
      '<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:dc="http://purl.org/dc/elements/1.1/">' +
      '<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/" xmp:Rating="2" photoshop:City="Seoul &amp; Busan" xmlns:atelier="https://atelier.invalid/ns/recipe/1.0/">' +
      '<dc:creator><rdf:Seq><rdf:li>Kim</rdf:li></rdf:Seq></dc:creator><dc:subject><rdf:Bag><rdf:li>sea</rdf:li><rdf:li>fox</rdf:li></rdf:Bag></dc:subject><atelier:Model>old</atelier:Model>' +
      '</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>';
    const merged = mergeXmp(theirs, recipeProperties(recipe({ rating: 4, tags: ['fox', 'night'] }), 'full', TOOL));
    const packet = xmpPacket(merged.props, merged.about, TOOL);
    const back = parseXmpPacket(packet).props;
    const one = (ns: string, local: string) => back.filter((p) => p.ns === ns && p.local === local);
    expect(one(NS.dc, 'creator')[0]!.xml).toBe('<dc:creator><rdf:Seq><rdf:li>Kim</rdf:li></rdf:Seq></dc:creator>');
    expect(one('http://ns.adobe.com/photoshop/1.0/', 'City')[0]!.xml).toBe('<photoshop:City>Seoul &amp; Busan</photoshop:City>');
    expect(one(NS.xmp, 'Rating').map((p) => p.xml)).toEqual(['<xmp:Rating>4</xmp:Rating>']);
    expect(one(NS.dc, 'subject')[0]!.xml).toBe('<dc:subject><rdf:Bag><rdf:li>sea</rdf:li><rdf:li>fox</rdf:li><rdf:li>night</rdf:li></rdf:Bag></dc:subject>');
    expect(one(NS.atelier, 'Model').map((p) => p.xml)).toEqual(['<atelier:Model>gpt-image-2</atelier:Model>']);
    expect(() => new SaxesParser({ xmlns: true }).write(packet.replace(/<\?xpacket[^>]*>/g, '')).close()).not.toThrow();
  });

  it('splits a packet over 65,502 bytes for JPEG: the extended part’s MD5 is the GUID, and it all reads back', async () => {
    const props = recipeProperties(recipe({ prompt: '물'.repeat(40_000) }), 'full', TOOL);
    const p = packetsFor('image/jpeg', { about: '', props }, TOOL);
    expect(p.write.extended).not.toBeNull();
    expect(Buffer.byteLength(p.write.standard)).toBeLessThanOrEqual(65_502);
    expect(p.write.extended!.guid).toBe(createHash('md5').update(p.write.extended!.data).digest('hex').toUpperCase());
    expect(p.write.standard).toContain(`<xmpNote:HasExtendedXMP>${p.write.extended!.guid}</xmpNote:HasExtendedXMP>`);
    const jpeg = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#888' } }).jpeg().toBuffer();
    const out = writeXmp(jpeg, 'image/jpeg', p.write);
    expect(verifyXmp(out, [...p.standard, ...p.extended])).toBeNull();
    expect(readXmp(out).extended).toContain('물'.repeat(40_000));
    // A missing piece is noticed.
    expect(verifyXmp(writeXmp(jpeg, 'image/jpeg', { standard: p.write.standard, extended: null }), [...p.standard, ...p.extended])).toMatch(/Extended XMP/);
    // PNG and WebP take any size in one packet.
    expect(packetsFor('image/png', { about: '', props }, TOOL).write.extended).toBeNull();
  });
});
