/**
 * SecretStore against a real Secret Service (gnome-keyring over D-Bus), checked from the outside with
 * `secret-tool`. `npm test` (scripts/test.mjs) runs vitest inside `dbus-run-session` with an unlocked throw-away
 * keyring and a temporary HOME. Each run uses its own service name, so even when run by hand inside a real
 * desktop session it can never read or overwrite the user's real Atelier keys.
 *
 * @napi-rs/keyring stores Secret Service items with the attributes `service` and `username` (not `account`), and
 * the label `keyring:<username>@<service>`.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src/shared/errors';
import { SecretStore, type KeyringBackend } from '../../src/main/services/secrets/secrets';

const SERVICE = `Atelier-test-${randomBytes(6).toString('hex')}`;
const ACCOUNT = 'api-key:apiframe';
const KEY = 'sk-test-0123456789abcdefWXYZ';

/** `secret-tool lookup`: the stored secret, or null when there is none (secret-tool exits 1). */
function lookup(service: string, account: string): string | null {
  try {
    return execFileSync('secret-tool', ['lookup', 'service', service, 'username', account], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch {
    return null;
  }
}

describe('SecretStore with the real keychain', () => {
  beforeAll(() => {
    if (!process.env.DBUS_SESSION_BUS_ADDRESS) {
      throw new Error(
        'DBUS_SESSION_BUS_ADDRESS is not set: this test needs a D-Bus session with an unlocked gnome-keyring. ' +
          'Run it through `npm test` (scripts/test.mjs starts one), or by hand with: HOME=$(mktemp -d) ' +
          "dbus-run-session -- sh -c 'echo -n pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null; " +
          "npx vitest run --project integration tests/integration/secrets'",
      );
    }
  });

  afterAll(() => {
    try {
      execFileSync('secret-tool', ['clear', 'service', SERVICE], { stdio: 'ignore' });
    } catch {
      // nothing left to clear
    }
  });

  it('finds the keychain, stores a key where secret-tool sees it, reads it back in a new instance, clears it', () => {
    const store = new SecretStore({ service: SERVICE });
    expect(store.init()).toBe('keychain');
    expect(store.storage()).toBe('keychain');
    expect(store.get('apiframe')).toBeNull();
    expect(store.status('apiframe')).toEqual({ keySet: false, keyLast4: null, keyStorage: 'keychain' });

    store.set('apiframe', `  ${KEY}\n`); // trimmed
    expect(lookup(SERVICE, ACCOUNT)).toBe(KEY);
    expect(store.status('apiframe')).toEqual({ keySet: true, keyLast4: 'WXYZ', keyStorage: 'keychain' });

    const again = new SecretStore({ service: SERVICE });
    expect(again.init()).toBe('keychain');
    expect(again.get('apiframe')).toBe(KEY);

    again.clear('apiframe');
    expect(lookup(SERVICE, ACCOUNT)).toBeNull();
    expect(again.get('apiframe')).toBeNull();
    expect(new SecretStore({ service: SERVICE }).get('apiframe')).toBeNull();
  });

  it('replaces a key rather than adding a second one', () => {
    const store = new SecretStore({ service: SERVICE });
    store.init();
    store.set('apiframe', 'first-key-1111');
    store.set('apiframe', 'second-key-2222');
    expect(lookup(SERVICE, ACCOUNT)).toBe('second-key-2222');
    const all = execFileSync('secret-tool', ['search', '--all', 'service', SERVICE], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(all.match(/^\[\//gm)).toHaveLength(1); // one "[/path]" header per item
    expect(all).toContain('secret = second-key-2222');
    store.clear('apiframe');
  });
});

describe('SecretStore without a keychain', () => {
  const failing: KeyringBackend = {
    get: () => {
      throw new Error('Platform failure: DBus error: no session bus');
    },
    set: () => {
      throw new Error('Platform failure');
    },
    delete: () => {
      throw new Error('Platform failure');
    },
  };

  it('falls back to session storage and still works in memory', () => {
    const warnings: string[] = [];
    const store = new SecretStore({ service: SERVICE, backend: failing, warn: (m) => warnings.push(m) });
    expect(store.init()).toBe('session');
    expect(store.storage()).toBe('session');
    expect(warnings).toHaveLength(1);
    expect(store.get('apiframe')).toBeNull();
    store.set('apiframe', KEY);
    expect(store.get('apiframe')).toBe(KEY);
    expect(store.status('apiframe')).toEqual({ keySet: true, keyLast4: 'WXYZ', keyStorage: 'session' });
    store.clear('apiframe');
    expect(store.get('apiframe')).toBeNull();
    expect(warnings.join('\n')).not.toContain(KEY);
    // A new instance starts empty: session keys do not outlive the store.
    const other = new SecretStore({ backend: failing });
    other.init();
    expect(other.get('apiframe')).toBeNull();
  });

  it('switches to session storage when the keychain refuses a write after a good probe', () => {
    const warnings: string[] = [];
    const store = new SecretStore({
      backend: { get: () => null, set: failing.set, delete: () => false },
      warn: (m) => warnings.push(m),
    });
    expect(store.init()).toBe('keychain');
    store.set('apiframe', KEY);
    expect(store.storage()).toBe('session');
    expect(store.get('apiframe')).toBe(KEY);
    expect(warnings.join('\n')).not.toContain(KEY);
  });

  it("reports a keychain that fails after start-up as 'keychain_unavailable', not as a missing key", () => {
    let calls = 0;
    const store = new SecretStore({
      backend: {
        get: () => {
          if (calls++ === 0) return null; // the probe works
          throw new Error('Platform failure: locked');
        },
        set: () => {},
        delete: () => true,
      },
    });
    store.init();
    expect(() => store.get('apiframe')).toThrow(expect.objectContaining({ code: 'keychain_unavailable' }));
  });

  it("uses service 'Atelier' and account 'api-key:<provider>' by default", () => {
    const seen: string[] = [];
    const store = new SecretStore({
      backend: {
        get: (s, a) => (seen.push(`get ${s} ${a}`), null),
        set: (s, a) => void seen.push(`set ${s} ${a}`),
        delete: (s, a) => (seen.push(`delete ${s} ${a}`), true),
      },
    });
    store.init();
    store.set('apiframe', KEY);
    store.clear('apiframe');
    expect(seen.slice(1)).toEqual(['set Atelier api-key:apiframe', 'delete Atelier api-key:apiframe']);
  });

  it.each([
    ['', 'empty'],
    ['   \t ', 'empty'],
    ['abc def', 'whitespace'],
    ['abc\u00a0def', 'whitespace'],
    ['abc\u0000def', 'control'],
    ['abc\u007fdef', 'control'],
    ['abc\u200bdef', 'control'],
    ['clé-123456', 'non_ascii'],
    ['x'.repeat(5000), 'too_long'],
  ])('refuses the key %j (%s) naming the field "key"', (key, why) => {
    const store = new SecretStore({ backend: failing });
    store.init();
    let caught: unknown;
    try {
      store.set('apiframe', key);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(AppError);
    expect((caught as AppError).code).toBe('validation');
    expect((caught as AppError).params).toEqual({ field: 'key', reason: why });
    expect((caught as AppError).message).not.toContain(key.trim() || '\u0001');
    expect(store.get('apiframe')).toBeNull();
  });

  it('does not show the last four characters of a very short key', () => {
    const store = new SecretStore({ backend: failing });
    store.init();
    store.set('apiframe', 'abc123');
    expect(store.status('apiframe')).toEqual({ keySet: true, keyLast4: null, keyStorage: 'session' });
  });
});
