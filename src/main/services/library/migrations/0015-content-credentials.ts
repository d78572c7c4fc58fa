/**
 * 0015: C2PA Content Credentials (issue 10). A manifest is a property of a file's bytes, so it is kept per blob:
 * one row per blob whose bytes were read for a manifest, `state` 'none' when they carry none (so a blob is read
 * once), else 'valid' / 'untrusted' / 'invalid' with the summary as JSON (src/shared/provenance.ts,
 * `ContentCredentials`). `read_at` is epoch ms. The search filter "has content credentials" looks up
 * `blob_credentials_present`. No foreign key to blobs: a foreign key counts as a reference that keeps a blob out of
 * the trash's clean-up (trash.ts); a row left after its blob was deleted still describes those bytes, should they
 * come back, and nothing lists it without an asset.
 */
export const up = /* sql */ `
CREATE TABLE blob_credentials (
  blob_id TEXT PRIMARY KEY,
  state TEXT NOT NULL CHECK (state IN ('none', 'valid', 'untrusted', 'invalid')),
  summary TEXT,
  read_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX blob_credentials_present ON blob_credentials(blob_id) WHERE state <> 'none';
`;
