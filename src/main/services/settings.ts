/**
 * Non-secret settings kept in the library's `settings` table: the UI language and each provider's base URL.
 * Keys are never stored here (see services/secrets).
 *
 * A key follows its origin, never the base URL: each key is kept for the origin it was saved for
 * ({@link SettingsService.keyOrigin}), so re-pointing a provider at another server finds no key there (Settings asks
 * for one) instead of sending the stored key to whoever now answers. A base URL the user sets must be https, or
 * http on loopback only; link-local and cloud metadata addresses are refused. The `ATELIER_*_BASE_URL` variables
 * are the user's own choice and stay trusted: their base URL uses the provider's usual key.
 */
import { BlockList, isIP } from 'node:net';
import type { Db } from './library/db';
import { SettingsRepository } from './repositories/settings';
import { CUSTOM_MODEL_RE, type CustomModelId, type KeyedProviderId } from '@shared/capabilities';
import { AppError } from '@shared/errors';
import { LOCALES, THEMES, type Locale, type Theme } from '@shared/domain';
import { applyOverrides, DEFAULT_PRICES, PRICED_PROVIDERS, priceKey, priceRow, type PriceOverride, type PriceTable } from '@shared/pricing';

/** The settings key holding the user's price overrides (a JSON array of {@link PriceOverride}). */
const PRICE_OVERRIDES_KEY = 'prices.overrides';

/** Documented production endpoints. Apiframe: OpenAPI `servers[0].url`. */
export const DEFAULT_BASE_URLS: Record<KeyedProviderId, string> = {
  apiframe: 'https://api.apiframe.ai',
  // EvoLink: the task API host; its Files API host is derived from it (see providers/evolink/adapter.ts).
  evolink: 'https://api.evolink.ai',
  openai: 'https://api.openai.com/v1',
  // LocalAI's default address; users point this at their own server.
  'openai-compatible': 'http://127.0.0.1:8080/v1',
};

/** Environment variables that fix a provider's base URL (for gateways, proxies and tests). */
export const BASE_URL_ENV: Record<KeyedProviderId, string> = {
  apiframe: 'ATELIER_APIFRAME_BASE_URL',
  evolink: 'ATELIER_EVOLINK_BASE_URL',
  openai: 'ATELIER_OPENAI_BASE_URL',
  'openai-compatible': 'ATELIER_OPENAI_COMPATIBLE_BASE_URL',
};

/**
 * Checks and normalises a base URL: http or https only, no credentials, query or fragment; trailing slashes
 * removed. @throws AppError('validation') naming the field `baseUrl` and the reason
 */
export function normaliseBaseUrl(raw: string): string {
  let u: URL;
  try {
    u = new URL(raw.trim());
  } catch {
    throw new AppError('validation', `base URL "${raw}" is not a URL`, { params: { field: 'baseUrl', reason: 'not_a_url' } });
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new AppError('validation', `base URL must be http or https, not ${u.protocol}`, {
      params: { field: 'baseUrl', reason: 'not_http' },
    });
  }
  if (u.username || u.password || u.search || u.hash) {
    throw new AppError('validation', 'base URL must not carry credentials, a query or a fragment', {
      params: { field: 'baseUrl', reason: 'extra_parts' },
    });
  }
  return u.toString().replace(/\/+$/, '');
}

/** Link-local ranges (RFC 3927, RFC 4291 §2.5.6) and the cloud metadata addresses inside or beside them. */
const LINK_LOCAL = new BlockList();
LINK_LOCAL.addSubnet('169.254.0.0', 16, 'ipv4');
LINK_LOCAL.addSubnet('fe80::', 10, 'ipv6');
/** Cloud instance metadata endpoints: AWS/GCP/Azure/OpenStack 169.254.169.254, AWS IPv6 fd00:ec2::254, GCP's name. */
const METADATA_IPS = new BlockList();
METADATA_IPS.addAddress('169.254.169.254', 'ipv4');
METADATA_IPS.addAddress('fd00:ec2::254', 'ipv6');
const METADATA_HOSTS = new Set(['metadata.google.internal', 'metadata', 'instance-data', 'instance-data.ec2.internal']);
const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** The IPv4 inside an IPv4-mapped IPv6 address (`::ffff:a9fe:a9fe` → `169.254.169.254`), else null. */
function mappedIpv4(ip6: string): string | null {
  const m = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(ip6);
  if (m) {
    const hi = parseInt(m[1]!, 16);
    const lo = parseInt(m[2]!, 16);
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  const d = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip6);
  return d ? d[1]! : null;
}

/** True for a loopback host: `localhost` (and `*.localhost`), 127.0.0.0/8, ::1 (also IPv4-mapped). */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  const v = isIP(h);
  if (v === 4) return LOOPBACK.check(h, 'ipv4');
  if (v === 6) {
    const v4 = mappedIpv4(h);
    return v4 ? LOOPBACK.check(v4, 'ipv4') : LOOPBACK.check(h, 'ipv6');
  }
  return false;
}

/**
 * Refuses a base URL the user set that a key must never be sent to: a cloud metadata address
 * (169.254.169.254, fd00:ec2::254, metadata.google.internal), any other link-local address (169.254.0.0/16,
 * fe80::/10, also written IPv4-mapped), and plain http anywhere but loopback. Takes a URL that
 * {@link normaliseBaseUrl} accepted. Host names are judged as written (they are not resolved here).
 * @throws AppError('validation') with `params.field = 'baseUrl'` and `params.reason` 'metadata' | 'link_local' | 'http_not_loopback'
 */
export function checkBaseUrlTarget(url: string): void {
  const u = new URL(url);
  const host = u.hostname.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
  const v = isIP(host);
  const v4 = v === 4 ? host : v === 6 ? mappedIpv4(host) : null;
  const refuse = (reason: string, message: string) =>
    new AppError('validation', `base URL ${u.origin}: ${message}`, { params: { field: 'baseUrl', reason } });
  if (METADATA_HOSTS.has(host) || (v4 ? METADATA_IPS.check(v4, 'ipv4') : v === 6 && METADATA_IPS.check(host, 'ipv6'))) {
    throw refuse('metadata', 'that is a cloud metadata address; API keys are never sent there');
  }
  if (v4 ? LINK_LOCAL.check(v4, 'ipv4') : v === 6 && LINK_LOCAL.check(host, 'ipv6')) {
    throw refuse('link_local', 'link-local addresses (169.254.0.0/16, fe80::/10) are refused');
  }
  if (u.protocol === 'http:' && !isLoopbackHost(host)) {
    throw refuse('http_not_loopback', 'plain http is allowed only for this computer (127.0.0.1, ::1, localhost); use https');
  }
}

export class SettingsService {
  private readonly repo: SettingsRepository;

  constructor(
    db: Db,
    private readonly env: Record<string, string | undefined>,
  ) {
    this.repo = new SettingsRepository(db);
  }

  private read(key: string): string | null {
    return this.repo.get(key);
  }

  private write(key: string, value: string | null): void {
    this.repo.set(key, value);
  }

  /** The UI language: the stored choice, else `ATELIER_LOCALE`, else English. */
  locale(): Locale {
    const v = this.read('app.locale') ?? this.env['ATELIER_LOCALE'] ?? 'en';
    return (LOCALES as readonly string[]).includes(v) ? (v as Locale) : 'en';
  }

  setLocale(locale: Locale): void {
    this.write('app.locale', locale);
  }

  /** The UI theme: the stored choice, else `system` (follow the OS). */
  theme(): Theme {
    const v = this.read('app.theme');
    return v !== null && (THEMES as readonly string[]).includes(v) ? (v as Theme) : 'system';
  }

  setTheme(theme: Theme): void {
    this.write('app.theme', theme);
  }

  /**
   * True once the first-run welcome was finished or skipped on this library (`app.welcomeDone`), or when
   * `ATELIER_SKIP_WELCOME=1` (scripted setups and tests that make their own projects).
   */
  welcomeDone(): boolean {
    return this.read('app.welcomeDone') === '1' || this.env['ATELIER_SKIP_WELCOME'] === '1';
  }

  completeWelcome(): void {
    this.write('app.welcomeDone', '1');
  }

  /** Model names the user gave for an OpenAI-compatible server, as `custom:<name>` ids. */
  customModels(): CustomModelId[] {
    try {
      const v = JSON.parse(this.read('provider.openai-compatible.models') ?? '[]') as unknown;
      return Array.isArray(v) ? v.filter((m): m is CustomModelId => typeof m === 'string' && CUSTOM_MODEL_RE.test(m)) : [];
    } catch {
      return [];
    }
  }

  /**
   * Stores the model names of the OpenAI-compatible server (plain names; stored as `custom:<name>`).
   * @throws AppError('validation') naming the first bad name
   */
  setCustomModels(names: string[]): CustomModelId[] {
    const ids = [...new Set(names.map((n) => n.trim()).filter(Boolean))].map((n) => `custom:${n}` as CustomModelId);
    const bad = ids.find((m) => !CUSTOM_MODEL_RE.test(m));
    if (bad) {
      throw new AppError('validation', `model name "${bad.slice(7)}" may hold only letters, digits and . _ : / - (up to 128)`, {
        params: { field: 'models', reason: 'bad_name' },
      });
    }
    this.write('provider.openai-compatible.models', JSON.stringify(ids));
    return ids;
  }

  /**
   * Live previews for `provider` (Settings): true unless turned off; only OpenAI streams partial images
   * (https://platform.openai.com/docs/api-reference/images-streaming).
   */
  streamPartials(provider: 'openai'): boolean {
    return this.read(`provider.${provider}.streamPartials`) !== '0';
  }

  setStreamPartials(provider: 'openai', enabled: boolean): void {
    this.write(`provider.${provider}.streamPartials`, enabled ? '1' : '0');
  }

  /** Paused queue scopes (`all` or provider ids), kept across restarts. */
  pausedScopes(): string[] {
    const v = this.read('queue.paused');
    try {
      const list = v ? (JSON.parse(v) as unknown) : [];
      return Array.isArray(list) ? list.filter((x): x is string => typeof x === 'string') : [];
    } catch {
      return [];
    }
  }

  setPausedScopes(scopes: string[]): void {
    this.write('queue.paused', JSON.stringify(scopes));
  }

  /** The base URL in force: the environment variable, else the user's setting, else the documented default. */
  baseUrl(provider: KeyedProviderId): { baseUrl: string; fromEnv: boolean } {
    const env = this.env[BASE_URL_ENV[provider]];
    if (env) return { baseUrl: normaliseBaseUrl(env), fromEnv: true };
    return { baseUrl: this.read(`provider.${provider}.baseUrl`) ?? DEFAULT_BASE_URLS[provider], fromEnv: false };
  }

  /**
   * The origin the provider's key is kept for, given the base URL in force: null for the provider's usual key
   * (the base URL is on the default's origin, or the environment sets it), else the base URL's origin
   * (`https://gateway.example:8443`), whose key is a separate keychain entry. A key is only ever sent to the
   * origin it was saved for.
   */
  keyOrigin(provider: KeyedProviderId): string | null {
    const { baseUrl, fromEnv } = this.baseUrl(provider);
    if (fromEnv) return null;
    let origin: string;
    try {
      origin = new URL(baseUrl).origin;
    } catch {
      return `invalid:${baseUrl}`;
    }
    return origin === new URL(DEFAULT_BASE_URLS[provider]).origin ? null : origin;
  }

  /**
   * Stores a user base URL (null restores the default). Moving to another origin leaves the key behind: the key
   * saved for that origin (if any) is used from then on.
   * @throws AppError('validation') for a non-http(s) URL, plain http off loopback, a link-local or metadata address
   *   (see {@link checkBaseUrlTarget}), or ('conflict') while the environment fixes it
   */
  setBaseUrl(provider: KeyedProviderId, raw: string | null): void {
    if (this.env[BASE_URL_ENV[provider]]) {
      throw new AppError('conflict', `${BASE_URL_ENV[provider]} fixes the base URL; unset it to change it here`, {
        params: { field: 'baseUrl', reason: 'from_env' },
      });
    }
    if (raw === null) return this.write(`provider.${provider}.baseUrl`, null);
    const url = normaliseBaseUrl(raw);
    checkBaseUrlTarget(url);
    this.write(`provider.${provider}.baseUrl`, url);
  }

  /** The user's price overrides as stored (unreadable or malformed entries are skipped). */
  private priceOverrides(): PriceOverride[] {
    try {
      const v = JSON.parse(this.read(PRICE_OVERRIDES_KEY) ?? '[]') as unknown;
      if (!Array.isArray(v)) return [];
      return v.filter(
        (o): o is PriceOverride =>
          !!o &&
          typeof o === 'object' &&
          typeof (o as PriceOverride).provider === 'string' &&
          typeof (o as PriceOverride).model === 'string' &&
          typeof (o as PriceOverride).item === 'string' &&
          typeof (o as PriceOverride).value === 'number' &&
          typeof (o as PriceOverride).at === 'string',
      );
    } catch {
      return [];
    }
  }

  /**
   * The price table in force: {@link DEFAULT_PRICES} with the user's overrides applied (each overridden row carries
   * `overriddenAt`, the UTC date it was set). Credits or USD per row, as its `unit` says.
   */
  prices(): PriceTable {
    return applyOverrides(DEFAULT_PRICES, this.priceOverrides());
  }

  /**
   * Overrides one published price (`value` in the row's unit, finite and ≥ 0), or restores the published value
   * (`value` null).
   * @param today the override's date, YYYY-MM-DD (default today, UTC)
   * @returns the table in force afterwards
   * @throws AppError('validation') naming the field: `provider`, `model` or `item` for a row the table does not
   *   have, `value` for a value that is not a finite number ≥ 0. Nothing is stored then.
   */
  setPrice(provider: string, model: string, item: string, value: number | null, today = new Date().toISOString().slice(0, 10)): PriceTable {
    if (!(PRICED_PROVIDERS as readonly string[]).includes(provider)) {
      throw new AppError('validation', `no prices are kept for provider "${provider}"`, { params: { field: 'provider', reason: 'unknown' } });
    }
    if (!DEFAULT_PRICES.rows.some((r) => r.provider === provider && r.model === model)) {
      throw new AppError('validation', `no prices are kept for ${provider} model "${model}"`, { params: { field: 'model', reason: 'unknown' } });
    }
    if (!priceRow(DEFAULT_PRICES, provider, model, item)) {
      throw new AppError('validation', `${provider} ${model} has no price "${item}"`, { params: { field: 'item', reason: 'unknown' } });
    }
    if (value !== null) {
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw new AppError('validation', `price ${item}: ${String(value)} is not a finite number`, { params: { field: 'value', reason: 'not_finite' } });
      }
      if (value < 0) {
        throw new AppError('validation', `price ${item}: ${value} is below 0`, { params: { field: 'value', reason: 'negative' } });
      }
    }
    const key = priceKey(provider, model, item);
    const rest = this.priceOverrides().filter((o) => priceKey(o.provider, o.model, o.item) !== key);
    const next = value === null ? rest : [...rest, { provider, model, item, value, at: today }];
    this.write(PRICE_OVERRIDES_KEY, next.length ? JSON.stringify(next) : null);
    return this.prices();
  }
}
