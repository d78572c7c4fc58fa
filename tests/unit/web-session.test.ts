/**
 * The pure parts of the web session: the renderer's synchronous SHA-256/HMAC (checked against node:crypto), its
 * base64url, the signed media URL format the host verifies, the one CSP, and the event-stream block parser.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { RENDERER_CSP_HEADER, RENDERER_CSP_META } from '../../src/shared/csp';
import { fromBase64Url, hmacSha256, sha256, toBase64Url } from '../../src/shared/hmac';
import { MEDIA_SIG_WINDOW_S, mediaExpiry, signedWebMediaUrl } from '../../src/shared/media-sign';
import { sseData } from '../../src/renderer/src/transport/web';

describe('sha256 and hmacSha256', () => {
  it('match node:crypto for every length around the block boundaries', () => {
    for (const n of [0, 1, 3, 55, 56, 57, 63, 64, 65, 119, 120, 128, 1000, 70_000]) {
      const data = randomBytes(n);
      expect(Buffer.from(sha256(data)).toString('hex'), `sha256 ${n}`).toBe(createHash('sha256').update(data).digest('hex'));
      for (const k of [0, 16, 32, 64, 65, 200]) {
        const key = randomBytes(k);
        expect(Buffer.from(hmacSha256(key, data)).toString('hex'), `hmac ${k}/${n}`).toBe(
          createHmac('sha256', key).update(data).digest('hex'),
        );
      }
    }
  });

  it('round-trips base64url as node does', () => {
    for (const n of [0, 1, 2, 3, 4, 31, 32, 33, 100]) {
      const b = randomBytes(n);
      expect(toBase64Url(b)).toBe(b.toString('base64url'));
      expect(Buffer.from(fromBase64Url(b.toString('base64url'))).equals(b)).toBe(true);
    }
    expect(() => fromBase64Url('ab+c')).toThrow(/bad character/);
    expect(() => fromBase64Url('abcde')).toThrow(/length/);
  });
});

describe('signed media URLs', () => {
  it('stay the same for a window, expire one to two windows later, and sign blob, variant and expiry', () => {
    const key = randomBytes(32);
    const blob = 'ab'.repeat(32);
    const t = Date.UTC(2026, 0, 1, 10, 0, 0);
    expect(signedWebMediaUrl(key, blob, 'thumb', t)).toBe(signedWebMediaUrl(key, blob, 'thumb', t + 3_599_000));
    expect(signedWebMediaUrl(key, blob, 'thumb', t)).not.toBe(signedWebMediaUrl(key, blob, 'thumb', t + 3_600_000));
    for (const now of [t, t + 1_000, t + 3_599_000]) {
      const ahead = mediaExpiry(now) - now / 1000;
      expect(ahead).toBeGreaterThan(MEDIA_SIG_WINDOW_S);
      expect(ahead).toBeLessThanOrEqual(2 * MEDIA_SIG_WINDOW_S);
    }
    const url = new URL(`http://x${signedWebMediaUrl(key, blob, 'original', t)}`);
    expect(url.pathname).toBe(`/media/${blob}/original`);
    const exp = url.searchParams.get('exp')!;
    expect(url.searchParams.get('sig')).toBe(createHmac('sha256', key).update(`${blob}/original/${exp}`).digest('base64url'));
  });
});

describe('the renderer CSP', () => {
  it('has object-src, base-uri and form-action none; the header adds frame-ancestors', () => {
    for (const d of ["object-src 'none'", "base-uri 'none'", "form-action 'none'", "script-src 'self'", "default-src 'self'"]) {
      expect(RENDERER_CSP_META).toContain(d);
      expect(RENDERER_CSP_HEADER).toContain(d);
    }
    expect(RENDERER_CSP_META).not.toContain('frame-ancestors');
    expect(RENDERER_CSP_HEADER).toBe(`${RENDERER_CSP_META}; frame-ancestors 'none'`);
  });
});

describe('sseData', () => {
  it('joins data lines, ignores comments, and takes CRLF', () => {
    expect(sseData('data: {"a":1}')).toBe('{"a":1}');
    expect(sseData(': heartbeat')).toBeNull();
    expect(sseData(': c\r\ndata:x\r\ndata: y')).toBe('x\ny');
  });
});
