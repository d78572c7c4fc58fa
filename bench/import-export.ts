/**
 * `npm run bench:import-export [-- N]`: import of N (default 1000) distinct ~1 MP photos, export of them as
 * original bytes and as JPEG; prints images/s and peak RSS. Target: import ≥ 200 images/s with the image pool (issue 12; ≥ 100 before it).
 */
import { formatImportExport, runImportExportBench } from './library/import-export';

const n = Number(process.argv[2] ?? 1000);
const r = await runImportExportBench({ n, log: (line) => console.log(line) });
console.log(`import: ${r.importPerS.toFixed(1)} images/s (target ≥ 200 with the image pool), peak RSS ${r.importPeakRssMb.toFixed(0)} MB`);
console.log(`export original: ${r.exportOriginalPerS.toFixed(1)} images/s; export JPEG: ${r.exportJpegPerS.toFixed(1)} images/s`);
console.log(formatImportExport(r));
