/**
 * The event-stream parser the provider transport reads streamed replies with (src/main/services/providers/http.ts
 * `SseParser`, after the HTML Living Standard's "Interpreting an event stream"): the same events whatever the chunk
 * boundaries, LF / CRLF / CR line ends, multi-line data, comments and events without data.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SseParser, type SseEvent } from '../../src/main/services/providers/http';

const parse = (chunks: Uint8Array[]): SseEvent[] => {
  const out: SseEvent[] = [];
  const p = new SseParser((e) => out.push(e));
  for (const c of chunks) p.push(c);
  p.end();
  return out;
};
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

const STREAM =
  ': keep-alive\r\n' +
  'event: image_generation.partial_image\r\n' +
  'data: {"type":"image_generation.partial_image","partial_image_index":0}\r\n\r\n' +
  'event: ping\n\n' + // no data: not dispatched
  'data: first line\n' +
  'data:second line\n\n' +
  'event: image_generation.completed\r' +
  'data: {"b64_json":"aGk=","note":"한국어 テキスト"}\r\r';

const EXPECTED: SseEvent[] = [
  { event: 'image_generation.partial_image', data: '{"type":"image_generation.partial_image","partial_image_index":0}' },
  { event: 'message', data: 'first line\nsecond line' },
  { event: 'image_generation.completed', data: '{"b64_json":"aGk=","note":"한국어 テキスト"}' },
];

describe('SseParser', () => {
  it('reads events, comments, multi-line data and every line ending', () => {
    expect(parse([bytes(STREAM)])).toEqual(EXPECTED);
  });

  it('gives the same events however the bytes are split (inside CRLF and inside UTF-8 characters too)', () => {
    const all = bytes(STREAM);
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: all.length - 1 }), { maxLength: 40 }), (cuts) => {
        const at = [0, ...cuts.sort((a, b) => a - b), all.length];
        const chunks = at.slice(1).map((end, i) => all.subarray(at[i]!, end));
        expect(parse(chunks)).toEqual(EXPECTED);
      }),
      { numRuns: 300 },
    );
  });

  it('reads a long data line in time linear in its length (a 12 MB final image in 16 KB network chunks)', () => {
    // OpenAI's completed event carries the whole image as one base64 line; each chunk used to scan the line from
    // its start again (about 3 s for this one on the service thread).
    const b64 = 'QUJD'.repeat(3 * 1024 * 1024);
    const all = bytes(`event: image_generation.completed\ndata: {"b64_json":"${b64}"}\n\n`);
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < all.length; i += 16_384) chunks.push(all.subarray(i, i + 16_384));
    const t = performance.now();
    const out = parse(chunks);
    const ms = performance.now() - t;
    expect(out).toHaveLength(1);
    expect(out[0]!.data.length).toBe(b64.length + 15);
    expect(ms, `${Math.round(ms)} ms`).toBeLessThan(1000);
  });

  it('keeps an unfinished event until its blank line arrives', () => {
    const out: SseEvent[] = [];
    const p = new SseParser((e) => out.push(e));
    p.push(bytes('event: x\ndata: 1\n'));
    expect(out).toEqual([]);
    p.push(bytes('\n'));
    expect(out).toEqual([{ event: 'x', data: '1' }]);
  });
});
