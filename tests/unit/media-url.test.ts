import { describe, expect, it } from 'vitest';
import { electronMediaUrl } from '../../src/shared/bridge';
import { BLOB_ID_RE, MEDIA_MIME_ALLOWLIST, parseMediaUrl } from '../../src/main/media-url';

const ID = '0123456789abcdef'.repeat(4);

describe('parseMediaUrl', () => {
  it('parses the URLs electronMediaUrl builds', () => {
    expect(parseMediaUrl(electronMediaUrl(ID, 'original'))).toEqual({ blobId: ID, variant: 'original' });
    expect(parseMediaUrl(electronMediaUrl(ID, 'thumb'))).toEqual({ blobId: ID, variant: 'thumb' });
    // The scheme is case-insensitive in URLs.
    expect(parseMediaUrl(`MEDIA://blob/${ID}/thumb`)).toEqual({ blobId: ID, variant: 'thumb' });
    // Dot segments (plain or %2e-encoded) are resolved by the URL parser first; what remains must still be exact.
    expect(parseMediaUrl(`media://blob/%2e%2e/${ID}/original`)).toEqual({ blobId: ID, variant: 'original' });
  });

  it.each([
    ['a traversal', 'media://blob/../../etc/passwd/original'],
    ['a traversal inside the id', `media://blob/${ID}/../../../etc/passwd`],
    ['encoded slashes', 'media://blob/..%2f..%2fetc%2fpasswd/original'],
    ['encoded slashes, uppercase', 'media://blob/..%2F..%2Fetc%2Fpasswd/original'],
    ['an encoded slash before the variant', `media://blob/${ID}%2foriginal`],
    ['encoded dot-dots', `media://blob/${ID}/%2e%2e/%2E%2E/etc/passwd`],
    ['a backslash', `media://blob/${ID}\\original`],
    ['an absolute path', 'media://blob//etc/passwd'],
    ['a Windows path', 'media://blob/C:/Windows/win.ini'],
    ['uppercase hex', `media://blob/${ID.toUpperCase()}/original`],
    ['a short id', `media://blob/${ID.slice(1)}/original`],
    ['a long id', `media://blob/${ID}0/original`],
    ['a non-hex id', `media://blob/${'g'.repeat(64)}/original`],
    ['an unknown variant', `media://blob/${ID}/full`],
    ['an uppercase variant', `media://blob/${ID}/ORIGINAL`],
    ['an extra segment', `media://blob/${ID}/original/x`],
    ['a trailing slash', `media://blob/${ID}/original/`],
    ['a missing variant', `media://blob/${ID}`],
    ['another host', `media://file/${ID}/original`],
    ['a look-alike host', `media://blob.evil.com/${ID}/original`],
    ['an uppercase host', `media://BLOB/${ID}/original`],
    ['credentials', `media://user:pw@blob/${ID}/original`],
    ['a port', `media://blob:80/${ID}/original`],
    ['a query', `media://blob/${ID}/original?x=1`],
    ['a fragment', `media://blob/${ID}/original#x`],
    ['another scheme', `file://blob/${ID}/original`],
    ['https', `https://blob/${ID}/original`],
    ['javascript:', 'javascript:alert(1)'],
    ['data:', 'data:image/png;base64,AAAA'],
    ['no host', `media:/${ID}/original`],
    ['garbage', 'not a url'],
    ['empty', ''],
  ])('refuses %s', (_label, url) => {
    expect(parseMediaUrl(url)).toBeNull();
  });
});

describe('media constants', () => {
  it('accepts exactly 64 lowercase hex characters as a blob id', () => {
    expect(BLOB_ID_RE.test(ID)).toBe(true);
    expect(BLOB_ID_RE.test(`${ID}\n`)).toBe(false);
    expect(BLOB_ID_RE.test(ID.toUpperCase())).toBe(false);
  });

  it('serves only PNG, JPEG and WebP', () => {
    expect([...MEDIA_MIME_ALLOWLIST].sort()).toEqual(['image/jpeg', 'image/png', 'image/webp']);
    expect(MEDIA_MIME_ALLOWLIST.has('image/svg+xml')).toBe(false);
    expect(MEDIA_MIME_ALLOWLIST.has('text/html')).toBe(false);
  });
});
