import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { exportJWK, generateKeyPair, type KeyLike, SignJWT } from 'jose';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BetterAuthTokensService, VERIFIED_TOKEN_TTL_MS } from './better-auth-tokens.service.js';

/** The cache of verified tokens: it saves the signature check, never the expiry check. */
describe('BetterAuthTokensService: verified tokens', () => {
  let server: Server;
  let privateKey: KeyLike;
  let origin: string;
  let service: BetterAuthTokensService;
  let check: jest.Spied<(token: string) => Promise<unknown>>;

  beforeAll(async () => {
    const keys = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    privateKey = keys.privateKey;
    const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(keys.publicKey)), kid: 'k1', alg: 'EdDSA' }] });
    server = createServer((_request, response) =>
      response.writeHead(200, { 'content-type': 'application/json' }).end(jwks),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  beforeEach(() => {
    // Only the clock is faked: the JWKS fetch still needs real timers.
    jest.useFakeTimers({
      doNotFake: [
        'nextTick',
        'setImmediate',
        'setTimeout',
        'clearTimeout',
        'setInterval',
        'clearInterval',
        'queueMicrotask',
      ],
    });
    jest.setSystemTime(new Date('2026-11-22T10:00:00Z'));
    const config = { betterAuth: { jwksUrl: `${origin}/api/auth/jwks`, issuer: origin, audience: origin } };
    service = new BetterAuthTokensService(config as ConstructorParameters<typeof BetterAuthTokensService>[0]);
    check = jest.spyOn(service as unknown as { check: (token: string) => Promise<unknown> }, 'check');
  });
  afterEach(() => jest.useRealTimers());

  const sign = (expiresInSeconds: number) =>
    new SignJWT({ email: 'ada@example.com' })
      .setProtectedHeader({ alg: 'EdDSA', kid: 'k1' })
      .setSubject('ada')
      .setIssuer(origin)
      .setAudience(origin)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + expiresInSeconds)
      .sign(privateKey);

  it('checks the signature of a token once, then again after VERIFIED_TOKEN_TTL_MS', async () => {
    const token = await sign(3600);
    await expect(service.verify(token)).resolves.toMatchObject({ sub: 'ada' });
    await expect(service.verify(token)).resolves.toMatchObject({ sub: 'ada' });
    expect(check).toHaveBeenCalledTimes(1);

    jest.setSystemTime(Date.now() + VERIFIED_TOKEN_TTL_MS);
    await expect(service.verify(token)).resolves.toMatchObject({ sub: 'ada' });
    expect(check).toHaveBeenCalledTimes(2);
  });

  it('stops accepting a verified token when it expires, even within the TTL', async () => {
    const token = await sign(10);
    await expect(service.verify(token)).resolves.toMatchObject({ sub: 'ada' });

    jest.setSystemTime(Date.now() + 10_000);
    await expect(service.verify(token)).rejects.toMatchObject({ response: { message: 'The token has expired' } });
  });

  it('names the expected and the received issuer in the 401 and in the log line', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    try {
      const token = await new SignJWT({})
        .setProtectedHeader({ alg: 'EdDSA', kid: 'k1' })
        .setSubject('ada')
        .setIssuer('http://localhost:3000')
        .setAudience(origin)
        .setExpirationTime('1h')
        .sign(privateKey);
      const detail = `The token's issuer (iss) is "http://localhost:3000", but this API expects "${origin}"`;
      await expect(service.verify(token)).rejects.toMatchObject({ response: { message: detail } });
      expect(warn).toHaveBeenCalledWith(`Refused a Better Auth token: ${detail}`);
    } finally {
      warn.mockRestore();
    }
  });

  it('does not remember a token that failed', async () => {
    const token = await sign(3600);
    const forged = `${token.slice(0, -4)}AAAA`;
    await expect(service.verify(forged)).rejects.toMatchObject({ status: 401 });
    await expect(service.verify(forged)).rejects.toMatchObject({ status: 401 });
    expect(check).toHaveBeenCalledTimes(2);
  });
});
