/**
 * Provider API keys, kept in the OS keychain (macOS Keychain, Windows Credential Manager, Secret Service on
 * Linux) through `@napi-rs/keyring`, or in memory for this session when no keychain can be reached.
 *
 * Rules: keys are read only in the main process, never sent to the renderer (only `status()` is,
 * which gives the last four characters), never written to SQLite, logs or crash reports. Nothing here logs a key,
 * and no error message built here contains one.
 *
 * On Linux the keyring crate's default store silently falls back from Secret Service to the kernel keyring
 * (keyutils), which forgets everything at logout or reboot, so we pin the entry to `secret-service`: without a
 * Secret Service the probe fails and we say "session" instead of pretending the key is stored.
 */
import { createRequire } from 'node:module';
import { AppError } from '@shared/errors';
import type { KeyedProviderId } from '@shared/capabilities';

/** Where keys currently live. */
export type KeyStorage = 'keychain' | 'session';

/** What the settings screen may know about a provider's key (never the key itself). */
export interface KeyStatus {
  keySet: boolean;
  /** Last four characters, for recognition; null when no key is set or the key is too short to show any of it. */
  keyLast4: string | null;
  keyStorage: KeyStorage;
}

/**
 * The keychain operations the store needs, synchronous like `@napi-rs/keyring`'s `Entry`. Injected in tests to
 * simulate an unreachable keychain.
 */
export interface KeyringBackend {
  /** The secret stored for (service, account), or null when there is none. Throws when the keychain fails. */
  get(service: string, account: string): string | null;
  /** Stores (replacing) the secret. Throws when the keychain fails. */
  set(service: string, account: string, secret: string): void;
  /** Deletes the secret; false when there was none. Throws when the keychain fails. */
  delete(service: string, account: string): boolean;
}

type KeyringModule = typeof import('@napi-rs/keyring');

/**
 * The default backend over `@napi-rs/keyring`. The native module is loaded on first use, so a platform without
 * a prebuilt binding degrades to session storage (the probe throws) instead of failing at import time.
 */
export function napiKeyringBackend(): KeyringBackend {
  let mod: KeyringModule | undefined;
  const entry = (service: string, account: string) => {
    mod ??= createRequire(import.meta.url)('@napi-rs/keyring') as KeyringModule;
    // Pin Linux to Secret Service (see the file comment); the option is ignored on macOS and Windows.
    return new mod.Entry(service, account, { linux: { store: 'secret-service' } });
  };
  return {
    get: (service, account) => entry(service, account).getPassword() ?? null,
    set: (service, account, secret) => entry(service, account).setPassword(secret),
    delete: (service, account) => entry(service, account).deleteCredential(),
  };
}

/** Longest key accepted; real provider keys are well under 200 characters. */
export const MAX_KEY_LENGTH = 4096;

/**
 * The keychain account name for a provider's key: `api-key:<provider>` for its usual key (origin null, the only
 * form before keys were kept per origin), `api-key:<provider>@<origin>` for the key saved for another origin
 * (see SettingsService.keyOrigin).
 */
export const keyAccount = (provider: string, origin: string | null = null): string =>
  origin === null ? `api-key:${provider}` : `api-key:${provider}@${origin}`;

/** Account read by the probe; never written. */
const PROBE_ACCOUNT = 'api-key:__probe__';

/**
 * Checks and normalises a key the user typed or pasted: surrounding whitespace is trimmed; an empty key, or one
 * with whitespace, control characters or non-ASCII characters inside (which cannot go in an HTTP header and are
 * a sign of a bad paste) is refused.
 * @throws AppError 'validation' with `params.field = 'key'` and `params.reason`
 */
export function normalizeKey(raw: string): string {
  const key = raw.trim();
  const refuse = (reason: string, message: string) =>
    new AppError('validation', `key: ${message}`, { params: { field: 'key', reason } });
  if (key.length === 0) throw refuse('empty', 'the key is empty');
  if (key.length > MAX_KEY_LENGTH) throw refuse('too_long', `the key is longer than ${MAX_KEY_LENGTH} characters`);
  // Unicode whitespace before control characters so that a pasted "abc def" says "whitespace".
  if (/\s/u.test(key)) throw refuse('whitespace', 'the key contains whitespace');
  if (/\p{Cc}|\p{Cf}/u.test(key)) throw refuse('control', 'the key contains control characters');
  if (/[^\x21-\x7e]/.test(key)) throw refuse('non_ascii', 'the key contains non-ASCII characters');
  return key;
}

/**
 * Keeps provider API keys. Call {@link SecretStore.init} once before use; until then it behaves as session
 * storage. Reads are cached in memory, so only the first `get` of a provider touches the keychain.
 */
export class SecretStore {
  private readonly service: string;
  private readonly backend: KeyringBackend;
  private readonly warn: (message: string) => void;
  private mode: KeyStorage = 'session';
  private initialized = false;
  /** Session keys, and the cache of keychain reads (null = known to be absent), by keychain account. */
  private readonly memory = new Map<string, string | null>();

  /**
   * @param opts.service keychain service name (default 'Atelier'; tests use their own to never touch a real key)
   * @param opts.backend keychain operations (default: `@napi-rs/keyring`)
   * @param opts.warn receives a one-line reason when the keychain is unusable (never a key)
   */
  constructor(opts: { service?: string; backend?: KeyringBackend; warn?: (message: string) => void } = {}) {
    this.service = opts.service ?? 'Atelier';
    this.backend = opts.backend ?? napiKeyringBackend();
    this.warn = opts.warn ?? (() => {});
  }

  /**
   * Probes the keychain once by reading an entry that does not exist, and chooses where keys live: 'keychain'
   * when the read works, else 'session' (no D-Bus, no Secret Service, locked keychain, no native binding).
   * Idempotent.
   * @returns the storage chosen
   */
  init(): KeyStorage {
    if (this.initialized) return this.mode;
    this.initialized = true;
    try {
      this.backend.get(this.service, PROBE_ACCOUNT);
      this.mode = 'keychain';
    } catch (err) {
      this.mode = 'session';
      this.warn(`OS keychain unavailable, API keys will be kept for this session only: ${reason(err)}`);
    }
    return this.mode;
  }

  /** Where keys live now: 'keychain', or 'session' (memory, lost when the app quits). */
  storage(): KeyStorage {
    return this.mode;
  }

  /**
   * The key for `provider` saved for `origin` (null: the provider's usual key), or null when none is set. Main
   * process only: never send the result to the renderer, and send it only to `origin`.
   * @throws AppError 'keychain_unavailable' when the keychain worked at start-up but fails now (e.g. locked)
   */
  get(provider: KeyedProviderId, origin: string | null = null): string | null {
    const account = keyAccount(provider, origin);
    const cached = this.memory.get(account);
    if (cached !== undefined || this.mode === 'session') return cached ?? null;
    let value: string | null;
    try {
      value = this.backend.get(this.service, account);
    } catch (err) {
      throw unavailable('read', err);
    }
    this.memory.set(account, value);
    return value;
  }

  /**
   * Stores a key for `provider` after {@link normalizeKey}. When the keychain refuses the write, the store
   * switches to session storage for the rest of the run (the UI then says so) rather than losing the key.
   * @param origin the origin the key is for (null: the provider's usual key)
   * @throws AppError 'validation' (field 'key') for an empty or malformed key
   */
  set(provider: KeyedProviderId, key: string, origin: string | null = null): void {
    const value = normalizeKey(key);
    const account = keyAccount(provider, origin);
    if (this.mode === 'keychain') {
      try {
        this.backend.set(this.service, account, value);
      } catch (err) {
        this.mode = 'session';
        this.warn(`OS keychain refused a write, API keys will be kept for this session only: ${reason(err)}`);
      }
    }
    this.memory.set(account, value);
  }

  /**
   * Removes the key for `provider` and `origin` (null: the usual key; no-op when none is set).
   * @throws AppError 'keychain_unavailable' when the keychain cannot delete it (the key would survive otherwise)
   */
  clear(provider: KeyedProviderId, origin: string | null = null): void {
    const account = keyAccount(provider, origin);
    if (this.mode === 'keychain') {
      try {
        this.backend.delete(this.service, account);
      } catch (err) {
        throw unavailable('delete', err);
      }
    }
    this.memory.set(account, null);
  }

  /**
   * What the settings screen shows: whether a key is set, its last four characters (only for keys of 8+
   * characters, so that a short key is not mostly revealed), and where it lives.
   * @throws AppError 'keychain_unavailable' as {@link SecretStore.get}
   */
  status(provider: KeyedProviderId, origin: string | null = null): KeyStatus {
    const key = this.get(provider, origin);
    return {
      keySet: key !== null,
      keyLast4: key !== null && key.length >= 8 ? key.slice(-4) : null,
      keyStorage: this.mode,
    };
  }
}

/** A short reason from a keychain error; keychain errors never carry the secret, but stay brief anyway. */
function reason(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0]!.slice(0, 300);
}

/** The error for a keychain that worked at start-up and fails now (e.g. locked since). */
function unavailable(op: 'read' | 'delete', err: unknown): AppError {
  return new AppError('keychain_unavailable', `the OS keychain could not ${op} the API key: ${reason(err)}`, {
    retryable: true,
  });
}
