import { expect, jest } from '@jest/globals';
import { exportJWK, generateKeyPair, jwtVerify, type KeyLike, SignJWT } from 'jose';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { JwksCache, type JwksCacheOptions, JwksUnavailableError } from './jwks-cache.js';

interface Key {
  kid: string;
  privateKey: KeyLike;
  jwk: Record<string, unknown>;
}

async function newKey(kid: string): Promise<Key> {
  const { publicKey, privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'EdDSA' } };
}

const sign = (key: Key) =>
  new SignJWT({ sub: 'user-1' })
    .setProtectedHeader({ alg: 'EdDSA', kid: key.kid })
    .setExpirationTime('5m')
    .sign(key.privateKey);

/** A JWKS endpoint whose keys and health the test controls, counting every fetch. */
let server: Server;
let url: URL;
let published: Key[];
let status: number;
let hits: number;

beforeEach(async () => {
  published = [];
  status = 200;
  hits = 0;
  server = createServer((_req, res) => {
    hits++;
    res
      .writeHead(status, { 'content-type': 'application/json' })
      .end(JSON.stringify({ keys: published.map((k) => k.jwk) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`);
});

afterEach(() => new Promise((resolve) => server.close(resolve)));

function cache(options: Partial<JwksCacheOptions> = {}) {
  const failures: string[] = [];
  const jwks = new JwksCache(url, {
    cooldownMs: 60_000,
    maxAgeMs: 600_000,
    timeoutMs: 2_000,
    onFetchError: (reason) => failures.push(reason),
    ...options,
  });
  return { jwks, failures, verify: (token: string) => jwtVerify(token, jwks.getKey) };
}

it('fetches the key set once for many verifications', async () => {
  const key = await newKey('a');
  published = [key];
  const { verify } = cache();
  const token = await sign(key);
  await Promise.all(Array.from({ length: 20 }, () => verify(token)));
  await verify(token);
  expect(hits).toBe(1);
});

describe('with a clock the test moves', () => {
  // Only Date is faked: the HTTP server and fetch keep their real timers.
  beforeEach(() => {
    jest.useFakeTimers({
      doNotFake: [
        'hrtime',
        'nextTick',
        'performance',
        'queueMicrotask',
        'setImmediate',
        'clearImmediate',
        'setInterval',
        'clearInterval',
        'setTimeout',
        'clearTimeout',
      ],
    });
    jest.setSystemTime(new Date('2026-11-22T10:00:00Z'));
  });
  afterEach(() => jest.useRealTimers());
  const advance = (ms: number) => jest.setSystemTime(Date.now() + ms);

  it('refetches for an unknown kid, but not again within the cooldown', async () => {
    const [a, b, c] = await Promise.all([newKey('a'), newKey('b'), newKey('c')]);
    published = [a];
    const { verify } = cache({ cooldownMs: 10_000 });
    await verify(await sign(a));
    published = [a, b];
    const tokenB = await sign(b);
    advance(9_999);
    await expect(verify(tokenB)).rejects.toMatchObject({ code: 'ERR_JWKS_NO_MATCHING_KEY' });
    expect(hits).toBe(1);

    advance(2);
    await expect(verify(tokenB)).resolves.toMatchObject({ payload: { sub: 'user-1' } });
    expect(hits).toBe(2);

    // A kid the issuer never published costs at most one fetch per cooldown, however often it is sent.
    advance(10_000);
    const tokenC = await sign(c);
    for (let i = 0; i < 10; i++) {
      await expect(verify(tokenC)).rejects.toMatchObject({ code: 'ERR_JWKS_NO_MATCHING_KEY' });
      advance(999);
    }
    expect(hits).toBe(3);
  });
});

it('says why when the issuer is down, without fetching per request', async () => {
  status = 500;
  const { verify, failures } = cache();
  const token = await sign(await newKey('a'));
  for (let i = 0; i < 5; i++) {
    await expect(verify(token)).rejects.toThrow(JwksUnavailableError);
  }
  await expect(verify(token)).rejects.toMatchObject({ reason: 'it answered HTTP 500' });
  expect(hits).toBe(1);
  expect(failures).toEqual(['it answered HTTP 500']);
});

it('reports a refused connection', async () => {
  await new Promise((resolve) => server.close(resolve));
  const { verify, failures } = cache();
  await expect(verify(await sign(await newKey('a')))).rejects.toMatchObject({
    reason: expect.stringContaining('refused'),
  });
  expect(failures).toHaveLength(1);
});

it('keeps verifying with the keys it has when a refresh of a stale set fails', async () => {
  const key = await newKey('a');
  published = [key];
  const { verify, failures } = cache({ maxAgeMs: 100, cooldownMs: 100 });
  const token = await sign(key);
  await verify(token);
  status = 503;
  await sleep(150);
  await expect(verify(token)).resolves.toMatchObject({ payload: { sub: 'user-1' } });
  expect(hits).toBe(2);
  expect(failures).toEqual(['it answered HTTP 503']);
});

it('recovers once the issuer is back, after the cooldown', async () => {
  const key = await newKey('a');
  status = 502;
  const { verify } = cache({ cooldownMs: 100 });
  const token = await sign(key);
  await expect(verify(token)).rejects.toThrow(JwksUnavailableError);
  published = [key];
  status = 200;
  await sleep(150);
  await expect(verify(token)).resolves.toMatchObject({ payload: { sub: 'user-1' } });
});
