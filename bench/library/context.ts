/** What every section of bench/library gets, and what it gives back. */
import type { App } from '../../src/main/app';

/** The synthetic library a run builds (see build.ts). */
export interface BenchContext {
  /** Images in the library. */
  n: number;
  /** The library folder (SQLite file, objects/, thumbs/). */
  dataDir: string;
  /** The app opened on it (services, dispatcher). Sections that start the web host close it first (`closeApp`). */
  app: App;
  /** The project holding every image. */
  projectId: string;
  /** A small second project (the gallery section starts there, then opens the big one). */
  smallProjectId: string;
  /** Closes `app` (idempotent); the web host then opens the same folder. */
  closeApp(): Promise<void>;
}

/** One section's result: lines for the table, and `key=value` pairs for the last line. */
export interface SectionResult {
  table: string[];
  line: Record<string, string | number>;
}

/** p-th percentile (0–100) of values, nearest rank; NaN for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

/** mulberry32: a small seeded PRNG (the same library for the same N on every run). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
