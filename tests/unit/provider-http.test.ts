/**
 * The shared provider transport (src/main/services/providers/http.ts), without a network: Retry-After in its three
 * forms, the backoff bounds (fast-check), the retry-delay decision, undici / socket error mapping, capped body
 * reading, JSON + schema parsing, and each provider's retry rule as its client declares it.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { z } from 'zod';
import { AppError, type ErrorCode } from '../../src/shared/errors';
import {
  backoffDelayMs,
  isTransientFailure,
  jsonOrUndefined,
  parseJsonReply,
  parseRetryAfter,
  readCapped,
  retryAfterFromHeaders,
  retryDelayMs,
  transportError,
  type HttpMethod,
  type ReadableBody,
  type RetryPolicy,
} from '../../src/main/services/providers/http';
import { apiframeRetryable } from '../../src/main/services/providers/apiframe/client';
import { evolinkRetryable, errorFromEvolinkReply } from '../../src/main/services/providers/evolink/client';
import { errorFromReply as openAiErrorFromReply, openAiRetryable, retryAfterOf } from '../../src/main/services/providers/openai/client';

const NOW = Date.parse('2025-06-01T12:00:00Z');

describe('Retry-After', () => {
  it('delay-seconds: whole, fractional (rounded to ms), padded', () => {
    expect(parseRetryAfter('120', NOW)).toBe(120_000);
    expect(parseRetryAfter('0', NOW)).toBe(0);
    expect(parseRetryAfter('1.5', NOW)).toBe(1_500);
    expect(parseRetryAfter('0.0004', NOW)).toBe(0);
    expect(parseRetryAfter('  7 ', NOW)).toBe(7_000);
  });

  it('HTTP date: relative to now, never negative', () => {
    expect(parseRetryAfter('Sun, 01 Jun 2025 12:00:30 GMT', NOW)).toBe(30_000);
    expect(parseRetryAfter('Sun, 01 Jun 2025 11:59:00 GMT', NOW)).toBe(0);
  });

  it('absent or unparseable → undefined', () => {
    expect(parseRetryAfter(undefined, NOW)).toBeUndefined();
    expect(parseRetryAfter('', NOW)).toBeUndefined();
    expect(parseRetryAfter('soon', NOW)).toBeUndefined();
  });

  it('any whole number of seconds maps to that many thousand ms', () => {
    fc.assert(fc.property(fc.nat({ max: 10_000_000 }), (n) => parseRetryAfter(String(n), NOW) === n * 1000));
  });

  it('any IMF-fixdate within a day ahead maps to its distance in ms', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 86_400 }), (s) => {
        const date = new Date(NOW + s * 1000).toUTCString();
        return parseRetryAfter(date, NOW) === s * 1000;
      }),
    );
  });

  it("retry-after-ms (OpenAI's header) wins only where the provider reads it", () => {
    const headers = { 'retry-after-ms': '250', 'retry-after': '3' };
    expect(retryAfterFromHeaders(headers, { retryAfterMs: true }, NOW)).toBe(250);
    expect(retryAfterFromHeaders(headers, { retryAfterMs: false }, NOW)).toBe(3_000);
    expect(retryAfterFromHeaders({ 'retry-after-ms': '12.6' }, { retryAfterMs: true }, NOW)).toBe(13);
    // An unparseable retry-after-ms falls back to Retry-After.
    expect(retryAfterFromHeaders({ 'retry-after-ms': 'x', 'retry-after': '2' }, { retryAfterMs: true }, NOW)).toBe(2_000);
    // A repeated header: the first value counts.
    expect(retryAfterFromHeaders({ 'retry-after': ['4', '9'] }, { retryAfterMs: false }, NOW)).toBe(4_000);
    expect(retryAfterFromHeaders({}, { retryAfterMs: true }, NOW)).toBeUndefined();
    // The OpenAI client's exported helper is the retry-after-ms reading.
    expect(retryAfterOf(headers, NOW)).toBe(250);
    expect(retryAfterOf({ 'retry-after': 'Sun, 01 Jun 2025 12:01:00 GMT' }, NOW)).toBe(60_000);
  });
});

describe('backoff', () => {
  const policyArb = fc.record({
    base: fc.integer({ min: 0, max: 10_000 }),
    cap: fc.integer({ min: 0, max: 120_000 }),
    attempt: fc.integer({ min: 0, max: 40 }),
    r: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
  });

  it('full jitter: an integer in [0, min(cap, base·2^n)), or 0 when that bound is 0', () => {
    fc.assert(
      fc.property(policyArb, ({ base, cap, attempt, r }) => {
        const bound = Math.min(cap, base * 2 ** attempt);
        const d = backoffDelayMs(attempt, base, cap, () => r);
        expect(Number.isInteger(d)).toBe(true);
        expect(d).toBeGreaterThanOrEqual(0);
        if (bound === 0) expect(d).toBe(0);
        else expect(d).toBeLessThan(bound);
      }),
    );
  });

  it('never above the cap, however many attempts', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000 }), fc.integer({ min: 1, max: 60_000 }), (attempt, cap) => {
        expect(backoffDelayMs(attempt, 500, cap, () => 0.999999)).toBeLessThan(cap);
      }),
    );
  });

  it('the SDK numbers: 250 ms base, 8 s cap (Apiframe / EvoLink defaults)', () => {
    expect(backoffDelayMs(0, 250, 8_000, () => 0.5)).toBe(125);
    expect(backoffDelayMs(3, 250, 8_000, () => 0.5)).toBe(1_000);
    expect(backoffDelayMs(10, 250, 8_000, () => 0.5)).toBe(4_000);
  });

  const policy: RetryPolicy = {
    maxRetries: 2,
    backoffBaseMs: 100,
    backoffCapMs: 1_000,
    maxRetryAfterMs: 5_000,
    retryable: () => true,
  };

  it('a 429 with a hint waits exactly that; over maxRetryAfterMs → null (thrown for the job engine)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100_000 }), fc.nat({ max: 5 }), (ms, attempt) => {
        const err = new AppError('rate_limited', 'slow down', { retryAfterMs: ms });
        expect(retryDelayMs(policy, attempt, err, () => 0.5)).toBe(ms > 5_000 ? null : ms);
      }),
    );
  });

  it('a 429 without a hint, and any other failure, waits the jittered backoff', () => {
    expect(retryDelayMs(policy, 1, new AppError('rate_limited', 'x'), () => 0.5)).toBe(100);
    expect(retryDelayMs(policy, 0, new AppError('network', 'x'), () => 0.5)).toBe(50);
  });
});

describe('transport error mapping', () => {
  const ctx = { label: 'Prov', what: 'GET /v1/x', timeoutMs: 1234, timedOut: false };
  const withCode = (code: string, message = 'boom', cause?: unknown) =>
    Object.assign(new Error(message, cause === undefined ? undefined : { cause }), { code });

  it('an AppError passes through unchanged', () => {
    const e = new AppError('provider_auth', 'no');
    expect(transportError(e, { ...ctx, timedOut: true })).toBe(e);
  });

  it("the caller's aborted signal → canceled, whatever undici threw", () => {
    const ac = new AbortController();
    ac.abort();
    const err = transportError(withCode('UND_ERR_ABORTED'), { ...ctx, timedOut: true, signal: ac.signal });
    expect(err).toMatchObject({ code: 'canceled', message: 'Prov request canceled' });
  });

  it('our own timer, or an undici / socket timeout code → timeout', () => {
    expect(transportError(new Error('This operation was aborted'), { ...ctx, timedOut: true })).toMatchObject({
      code: 'timeout',
      message: 'Prov GET /v1/x timed out after 1234 ms',
    });
    for (const code of ['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT', 'ETIMEDOUT']) {
      expect(transportError(withCode(code), ctx).code).toBe('timeout');
    }
  });

  it('anything else → network, naming the code, the cause’s code and the message; cause kept', () => {
    const refused = withCode('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:9');
    const mapped = transportError(refused, ctx);
    expect(mapped).toMatchObject({ code: 'network', retryable: true });
    expect(mapped.message).toBe('Prov GET /v1/x failed: ECONNREFUSED connect ECONNREFUSED 127.0.0.1:9');
    expect(mapped.cause).toBe(refused);
    const socket = withCode('UND_ERR_SOCKET', 'other side closed', { code: 'ECONNRESET' });
    expect(transportError(socket, ctx).message).toBe('Prov GET /v1/x failed: UND_ERR_SOCKET ECONNRESET other side closed');
    expect(transportError('weird', ctx)).toMatchObject({ code: 'network', message: 'Prov GET /v1/x failed: weird' });
  });
});

describe('capped body reading', () => {
  function fakeBody(chunks: Uint8Array[]): ReadableBody & { destroyed: boolean; read: number } {
    const state = {
      destroyed: false,
      read: 0,
      on: () => state,
      destroy: () => {
        state.destroyed = true;
      },
      async *[Symbol.asyncIterator]() {
        for (const c of chunks) {
          if (state.destroyed) return;
          state.read++;
          yield Buffer.from(c);
        }
      },
    };
    return state;
  }
  const tooLarge = () => new AppError('provider_bad_response', 'too large');

  it('reads a body up to and including the cap', async () => {
    const body = fakeBody([new Uint8Array(3), new Uint8Array([1, 2])]);
    expect(Array.from(await readCapped(body, '5', 5, tooLarge))).toEqual([0, 0, 0, 1, 2]);
    expect(body.destroyed).toBe(false);
  });

  it('a Content-Length over the cap is refused before reading', async () => {
    const body = fakeBody([new Uint8Array(10)]);
    await expect(readCapped(body, '10', 9, tooLarge)).rejects.toThrow('too large');
    expect(body).toMatchObject({ destroyed: true, read: 0 });
  });

  it('a body that grows over the cap while streaming is refused at the chunk that crosses it', async () => {
    const body = fakeBody([new Uint8Array(4), new Uint8Array(4), new Uint8Array(4), new Uint8Array(4)]);
    await expect(readCapped(body, undefined, 6, tooLarge)).rejects.toThrow('too large');
    expect(body).toMatchObject({ destroyed: true, read: 2 });
  });

  it('a non-numeric Content-Length is ignored (the stream is still capped)', async () => {
    const body = fakeBody([new Uint8Array(2)]);
    expect((await readCapped(body, 'lots', 2, tooLarge)).length).toBe(2);
  });
});

describe('parseJsonReply', () => {
  const schema = z.object({ id: z.string(), n: z.number() });
  const reply = (text: string, headers: Record<string, string> = {}) => ({
    status: 200,
    headers,
    bytes: new TextEncoder().encode(text),
  });

  it('returns the parsed value', () => {
    expect(parseJsonReply(reply('{"id":"a","n":1,"x":true}'), schema, 'Thing', 'Prov')).toEqual({ id: 'a', n: 1 });
  });

  it('not JSON → provider_bad_response naming the status and content type', () => {
    const err = (() => {
      try {
        parseJsonReply(reply('<html>', { 'content-type': 'text/html' }), schema, 'Thing', 'Prov');
      } catch (e) {
        return e as AppError;
      }
    })();
    expect(err).toMatchObject({ code: 'provider_bad_response', status: 200 });
    expect(err?.message).toBe('Prov replied 200 with a body that is not JSON (text/html)');
  });

  it('jsonOrUndefined: bytes or text; an HTML error page is undefined, not a throw', () => {
    expect(jsonOrUndefined('{"error":"x"}')).toEqual({ error: 'x' });
    expect(jsonOrUndefined(new TextEncoder().encode('[1]'))).toEqual([1]);
    expect(jsonOrUndefined('<html>502</html>')).toBeUndefined();
    expect(jsonOrUndefined('')).toBeUndefined();
  });

  it('schema failure → provider_bad_response naming the path', () => {
    expect(() => parseJsonReply(reply('{"id":"a","n":"1"}'), schema, 'Thing', 'Prov')).toThrow(
      /^Prov Thing reply failed its schema at n: /,
    );
  });
});

describe('retry rules of the three providers', () => {
  const codes: ErrorCode[] = ['rate_limited', 'provider_unavailable', 'network', 'timeout', 'provider_rejected', 'insufficient_credits'];
  const err = (code: ErrorCode, status?: number) => new AppError(code, code, status === undefined ? {} : { status });

  it('transient: 5xx but 501, network, timeout', () => {
    expect(isTransientFailure(err('provider_unavailable', 503))).toBe(true);
    expect(isTransientFailure(err('provider_unavailable', 501))).toBe(false);
    expect(isTransientFailure(err('network'))).toBe(true);
    expect(isTransientFailure(err('timeout'))).toBe(true);
    expect(isTransientFailure(err('rate_limited', 429))).toBe(false);
    expect(isTransientFailure(err('provider_rejected', 400))).toBe(false);
  });

  type Rule = (m: HttpMethod, k: boolean, e: AppError) => boolean;
  const table = (rule: Rule, method: HttpMethod, key: boolean) =>
    Object.fromEntries(codes.map((c) => [c, rule(method, key, err(c, c === 'provider_unavailable' ? 502 : undefined))]));

  it('Apiframe: 429 always; transient failures for GETs and keyed POSTs only', () => {
    const transient = { rate_limited: true, provider_unavailable: true, network: true, timeout: true, provider_rejected: false, insufficient_credits: false };
    const only429 = { ...transient, provider_unavailable: false, network: false, timeout: false };
    expect(table(apiframeRetryable, 'GET', false)).toEqual(transient);
    expect(table(apiframeRetryable, 'POST', true)).toEqual(transient);
    expect(table(apiframeRetryable, 'POST', false)).toEqual(only429);
    expect(apiframeRetryable('GET', false, err('provider_unavailable', 501))).toBe(false);
  });

  it('EvoLink: createTask (POST, no key) on 429 only; uploads (unique name) and GETs also on transient failures', () => {
    expect(table(evolinkRetryable, 'POST', false)).toMatchObject({ rate_limited: true, provider_unavailable: false, network: false, timeout: false });
    expect(table(evolinkRetryable, 'POST', true)).toMatchObject({ rate_limited: true, provider_unavailable: true, network: true, timeout: true });
    expect(table(evolinkRetryable, 'GET', false)).toMatchObject({ provider_unavailable: true, network: true, timeout: true, provider_rejected: false });
  });

  it('OpenAI: a POST only on 429 (even if asked with a key); GETs also on transient failures', () => {
    expect(table(openAiRetryable, 'POST', false)).toMatchObject({ rate_limited: true, provider_unavailable: false, network: false, timeout: false });
    expect(table(openAiRetryable, 'POST', true)).toMatchObject({ rate_limited: true, provider_unavailable: false, network: false, timeout: false });
    expect(table(openAiRetryable, 'GET', false)).toMatchObject({ provider_unavailable: true, network: true, timeout: true });
  });

  it("OpenAI's 429 insufficient_quota maps to insufficient_credits, which no rule retries", () => {
    const body = JSON.stringify({ error: { message: 'quota', type: 'insufficient_quota', code: 'insufficient_quota' } });
    const mapped = openAiErrorFromReply(429, { 'retry-after': '1' }, body, 'POST /v1/images/generations');
    expect(mapped).toMatchObject({ code: 'insufficient_credits', retryable: false, status: 429 });
    expect(openAiRetryable('POST', false, mapped)).toBe(false);
    expect(openAiRetryable('GET', false, mapped)).toBe(false);
  });

  it("EvoLink's 429 without Retry-After waits its documented 30 s, which is under the 60 s in-call bound", () => {
    const mapped = errorFromEvolinkReply(429, {}, '', 'POST /v1/images/generations');
    expect(mapped).toMatchObject({ code: 'rate_limited', retryAfterMs: 30_000 });
    expect(evolinkRetryable('POST', false, mapped)).toBe(true);
  });
});
