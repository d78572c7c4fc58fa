/**
 * 0011: `export_presets.xmp_sidecar` (0/1): the preset also writes `<name>.xmp` beside each exported file, a
 * standalone XMP document as Lightroom's sidecars are (issue 10). Existing presets keep writing none.
 */
export const up = /* sql */ `
ALTER TABLE export_presets ADD COLUMN xmp_sidecar INTEGER NOT NULL DEFAULT 0 CHECK (xmp_sidecar IN (0, 1));
`;
