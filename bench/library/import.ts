/**
 * The import/export section of bench/library (picked up by bench/library.ts when this file exists): 1,000
 * distinct ~1 MP photos imported into a library of their own (so the figure does not depend on N), then exported
 * as original bytes and as JPEG. Carries `import_per_s` to the main bench's last line.
 */
import type { BenchContext, SectionResult } from './context';
import { formatImportExport, runImportExportBench } from './import-export';

/** Runs the import/export measurements; `ctx` is unused (its own temp library). */
export async function importSection(_ctx: BenchContext): Promise<SectionResult> {
  const r = await runImportExportBench({ n: 1000 });
  return {
    table: [
      'import / export (1000 distinct 1152×864 JPEGs)',
      `  import           ${r.importPerS.toFixed(1)} images/s (target ≥ 200 with the image pool), peak RSS ${r.importPeakRssMb.toFixed(0)} MB`,
      `  export original  ${r.exportOriginalPerS.toFixed(1)} images/s`,
      `  export JPEG      ${r.exportJpegPerS.toFixed(1)} images/s`,
      `  ${formatImportExport(r)}`,
    ],
    line: { import_per_s: r.importPerS.toFixed(1) },
  };
}
