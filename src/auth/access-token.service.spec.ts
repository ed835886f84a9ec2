import { afterEach, beforeEach, jest } from '@jest/globals';
import { UnauthorizedException } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { createHmac } from 'node:crypto';
import { AccessTokenService } from './access-token.service.js';

const SECRET = 'unit-test-secret-unit-test-secret-0123456789';
const now = () => Math.floor(Date.now() / 1000);

function mint(
  payload: object,
  header: object = { alg: 'HS256', typ: 'JWT' },
  secret = SECRET,
  hash = 'sha256',
): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${part(header)}.${part(payload)}`;
  return `${unsigned}.${createHmac(hash, secret).update(unsigned).digest('base64url')}`;
}

describe('AccessTokenService', () => {
  const jwt = new JwtService({
    secret: SECRET,
    signOptions: { algorithm: 'HS256' },
    verifyOptions: { algorithms: ['HS256'] },
  });
  const service = new AccessTokenService(jwt, { accessTokenTtlSeconds: 600 } as never);

  it('signs tokens it then accepts, with the access marker, session and expiry', async () => {
    const token = await service.sign({ id: 'u1', email: 'u1@example.com' }, 'session-1');
    const claims = await service.verify(token);
    expect(claims).toMatchObject({ sub: 'u1', email: 'u1@example.com', sid: 'session-1', typ: 'access' });
    expect(claims.exp! - claims.iat!).toBe(600);
  });

  it('accepts a hand-minted { sub, iat, exp }', async () => {
    await expect(service.verify(mint({ sub: 'backend', iat: now(), exp: now() + 60 }))).resolves.toMatchObject({
      sub: 'backend',
    });
  });

  it.each([
    ['no exp', mint({ sub: 'u', iat: now() })],
    ['no sub', mint({ iat: now(), exp: now() + 60 })],
    ['an empty sub', mint({ sub: '', exp: now() + 60 })],
    ['a numeric sub', mint({ sub: 42, exp: now() + 60 })],
    ['an expired token', mint({ sub: 'u', exp: now() - 1 })],
    ['another secret', mint({ sub: 'u', exp: now() + 60 }, undefined, 'x'.repeat(40))],
    ['HS512 with the right secret', mint({ sub: 'u', exp: now() + 60 }, { alg: 'HS512' }, SECRET, 'sha512')],
    [
      'alg none',
      `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'u', exp: now() + 60 })).toString('base64url')}.`,
    ],
    ['another token type', mint({ sub: 'u', exp: now() + 60, typ: 'refresh' })],
  ])('rejects %s with 401', async (_, token) => {
    await expect(service.verify(token)).rejects.toThrow(UnauthorizedException);
  });
});

/** The cache of verified tokens: it saves the signature check, never the expiry check. */
describe('AccessTokenService: verified tokens', () => {
  const jwt = new JwtService({ secret: SECRET, verifyOptions: { algorithms: ['HS256'] } });
  const service = new AccessTokenService(jwt, { accessTokenTtlSeconds: 600 } as never);
  let verifyAsync: jest.Spied<JwtService['verifyAsync']>;

  beforeEach(() => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'], now: Date.now() });
    verifyAsync = jest.spyOn(jwt, 'verifyAsync');
  });
  afterEach(() => {
    verifyAsync.mockRestore();
    jest.useRealTimers();
  });

  it('checks the signature of a token once, and again after a minute', async () => {
    const token = mint({ sub: 'ada', exp: now() + 3600 });
    await expect(service.verify(token)).resolves.toMatchObject({ sub: 'ada' });
    await expect(service.verify(token)).resolves.toMatchObject({ sub: 'ada' });
    expect(verifyAsync).toHaveBeenCalledTimes(1);

    jest.setSystemTime(Date.now() + 60_000);
    await expect(service.verify(token)).resolves.toMatchObject({ sub: 'ada' });
    expect(verifyAsync).toHaveBeenCalledTimes(2);
  });

  it('stops accepting a remembered token when it expires', async () => {
    const token = mint({ sub: 'ada', exp: now() + 10 });
    await expect(service.verify(token)).resolves.toMatchObject({ sub: 'ada' });
    jest.setSystemTime(Date.now() + 10_000);
    await expect(service.verify(token)).rejects.toMatchObject({
      response: { message: 'The access token has expired' },
    });
  });

  it('does not remember a token it refused', async () => {
    const forged = mint({ sub: 'ada', exp: now() + 3600 }, undefined, 'another secret, as long as the real one');
    await expect(service.verify(forged)).rejects.toThrow(UnauthorizedException);
    await expect(service.verify(forged)).rejects.toThrow(UnauthorizedException);
    expect(verifyAsync).toHaveBeenCalledTimes(2);
  });
});
