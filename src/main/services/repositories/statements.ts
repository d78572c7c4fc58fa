/**
 * Prepared statements for repositories: each SQL text is prepared once, the first time it is used, and the same
 * statement is reused after. SQL built from a small, fixed set of parts (a patch naming some columns, a list of
 * placeholders) is cached the same way, one statement per distinct text.
 */
import type Database from 'better-sqlite3';
import type { Db } from '../library/db';

/** A prepared statement whose parameters and rows the caller types at the call site. */
export type Statement = Database.Statement<unknown[], unknown>;

/** A lazily filled cache of the statements of one repository on one connection. */
export class Statements {
  private readonly cache = new Map<string, Statement>();

  /**
   * @param db the connection
   * @param max most statements kept; when one more is needed the cache is emptied and fills again (for SQL
   *   assembled per query, such as the search plans, whose distinct texts have no small bound). Unbounded by default.
   */
  constructor(
    private readonly db: Db,
    private readonly max = Number.POSITIVE_INFINITY,
  ) {}

  /**
   * The statement for `sql`, prepared on first use. A statement put in pluck mode by its caller stays in it, so each
   * SQL text is used in one mode only.
   * @throws SqliteError when the SQL does not compile against the schema
   */
  get(sql: string): Statement {
    let st = this.cache.get(sql);
    if (!st) {
      if (this.cache.size >= this.max) this.cache.clear();
      st = this.db.prepare(sql);
      this.cache.set(sql, st);
    }
    return st;
  }
}
