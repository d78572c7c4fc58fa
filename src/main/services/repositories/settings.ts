/**
 * The `settings` table: one text value per key (migration 0001). Keys in use: `app.locale`,
 * `provider.<id>.baseUrl`, `provider.openai-compatible.models`, `queue.paused`, `prices.overrides` (SettingsService)
 * and `search.docOrder` (the search index). API keys are never stored here (see services/secrets).
 */
import type { Db } from '../library/db';
import { Statements } from './statements';

/** The tables this repository owns: only it writes them. */
export const OWNS = ['settings'] as const;

/** Reads and writes the library's key-value settings. */
export class SettingsRepository {
  private readonly st: Statements;

  constructor(db: Db) {
    this.st = new Statements(db);
  }

  /** The value stored under `key`, or null where none is. */
  get(key: string): string | null {
    const row = this.st.get('SELECT value FROM settings WHERE key = ?').get(key) as { value: string } | undefined;
    return row?.value ?? null;
  }

  /** Stores `value` under `key`, replacing what was there; null removes the key. */
  set(key: string, value: string | null): void {
    if (value === null) this.st.get('DELETE FROM settings WHERE key = ?').run(key);
    else this.st.get('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
  }
}
