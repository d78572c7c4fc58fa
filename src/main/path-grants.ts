/**
 * Path grants (issue 9, item 13): in the desktop window the main process accepts only files and folders the user
 * chose in this session, through a native dialog (`dialog.showOpenDialog`) or a drop, never a path the page names.
 *
 * Each chosen path is granted here and the renderer gets an opaque token for it: `pg_` and 32 random bytes,
 * base64url. The handlers of the calls that take a path (`references.stage`, `import.start`, `export.checkTarget`,
 * `export.start`, `library.backup`) resolve the token back to the path; anything else — a raw path, a forged or
 * stale token — is refused with `forbidden`. Tokens live in memory only, so none survives a restart.
 *
 * Drops: the preload (not the page) calls `webUtils.getPathForFile(file)` on the dropped `File` and sends the path
 * over IPC to be granted (src/main/ipc-dispatch.ts), so the page only ever holds tokens; a `File` made by the page
 * itself has no path and cannot be granted.
 *
 * The local web host is another trust model: there the user types a folder into the page (export and backup
 * targets) and sends files' bytes rather than paths (references, imports), so web calls pass paths as typed and
 * this registry is not consulted (see {@link resolvePathRef}).
 *
 * Plain Node (never imports electron).
 */
import { randomBytes } from 'node:crypto';
import { isAbsolute } from 'node:path';
import type { CallContext } from '@shared/contract';
import { AppError } from '@shared/errors';

/** How a token looks: `pg_` + 43 base64url characters (32 random bytes). */
export const PATH_TOKEN_RE = /^pg_[A-Za-z0-9_-]{43}$/;

/** The in-memory registry of paths the user chose in this session. */
export class PathGrants {
  private readonly byToken = new Map<string, string>();
  private readonly byPath = new Map<string, string>();

  /**
   * Grants `path` (absolute, as the dialog or the drop gave it) and returns its token; the same path keeps its token.
   * @throws AppError `validation` (`field: 'path'`) for an empty or relative path
   */
  grant(path: string): string {
    if (typeof path !== 'string' || path === '' || !isAbsolute(path) || path.includes('\0')) {
      throw new AppError('validation', 'only an absolute path can be granted', { params: { field: 'path', reason: 'not_absolute' } });
    }
    const known = this.byPath.get(path);
    if (known) return known;
    const token = `pg_${randomBytes(32).toString('base64url')}`;
    this.byToken.set(token, path);
    this.byPath.set(path, token);
    return token;
  }

  /**
   * The path behind `token`.
   * @param field the input field it came in, for the error (`paths`, `targetDir`, `source.path`…)
   * @throws AppError `forbidden` (`params: { field, reason: 'not_granted' }`) for anything not granted in this session
   */
  resolve(token: string, field = 'path'): string {
    const path = PATH_TOKEN_RE.test(token) ? this.byToken.get(token) : undefined;
    if (path === undefined) {
      // The message never repeats the input: it may be a path the page is probing for.
      throw new AppError('forbidden', `${field}: not a file or folder chosen in this window`, { params: { field, reason: 'not_granted' } });
    }
    return path;
  }

  /** Number of granted paths (for tests and diagnostics). */
  get size(): number {
    return this.byToken.size;
  }
}

/**
 * The path a call names, by transport: in Electron `ref` must be a token of `grants` (else `forbidden`); in the web
 * host it is the path the user typed, returned as is (the service then checks it: absolute, exists, writable…).
 * @throws AppError `forbidden` as {@link PathGrants.resolve}
 */
export function resolvePathRef(grants: PathGrants, ref: string, ctx: CallContext, field: string): string {
  return ctx.transport === 'electron' ? grants.resolve(ref, field) : ref;
}
