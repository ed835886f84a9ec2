import { jest } from '@jest/globals';
import { UnauthorizedException } from '@nestjs/common';
import { AccessTokenService } from './access-token.service.js';
import { BetterAuthTokensService } from './better-auth-tokens.service.js';
import { SessionsService } from './sessions.service.js';
import { TokenVerifierService } from './token-verifier.service.js';
import { UsersService } from './users.service.js';

const jwtWith = (header: object) => `${Buffer.from(JSON.stringify(header)).toString('base64url')}.e30.sig`;

describe('TokenVerifierService', () => {
  const ownClaims = { sub: 'own-user', email: 'o@example.com', sid: 'sid-1', exp: 2e9 };
  const own = {
    verify: jest.fn(() => Promise.resolve({ sub: 'own-user', email: 'o@example.com', sid: 'sid-1' })),
    known: jest.fn((token: string) => (token === 'own-seen' ? ownClaims : undefined)),
  };
  const betterAuth = {
    verify: jest.fn(() => Promise.resolve({ sub: 'ba-user', email: 'b@example.com', name: 'B' })),
    known: jest.fn((token: string) => (token === 'ba-seen' ? { sub: 'ba-user', exp: 2e9 } : undefined)),
  };
  const sessions = { isRevoked: jest.fn(() => Promise.resolve(false)), isKnownLive: jest.fn(() => true) };
  const users = { ensureExists: jest.fn(() => Promise.resolve(undefined)), isKnown: jest.fn(() => true) };
  const verifier = new TokenVerifierService(
    own as unknown as AccessTokenService,
    betterAuth as unknown as BetterAuthTokensService,
    sessions as unknown as SessionsService,
    users as unknown as UsersService,
  );

  beforeEach(() => jest.clearAllMocks());

  it('sends HS256 tokens to our own verifier and checks their session', async () => {
    await expect(verifier.authenticate(jwtWith({ alg: 'HS256' }))).resolves.toEqual({
      id: 'own-user',
      email: 'o@example.com',
      sessionId: 'sid-1',
      issuer: 'service',
    });
    expect(sessions.isRevoked).toHaveBeenCalledWith('sid-1');
    expect(betterAuth.verify).not.toHaveBeenCalled();
  });

  it('refuses an HS256 token whose session was signed out', async () => {
    sessions.isRevoked.mockResolvedValueOnce(true);
    await expect(verifier.authenticate(jwtWith({ alg: 'HS256' }))).rejects.toThrow('The session has been signed out');
  });

  it.each(['EdDSA', 'RS256', 'ES256', 'none', 'HS512'])(
    'sends %s tokens to the Better Auth verifier, never to the shared secret',
    async (alg) => {
      await verifier.authenticate(jwtWith({ alg }));
      expect(betterAuth.verify).toHaveBeenCalled();
      expect(own.verify).not.toHaveBeenCalled();
    },
  );

  it('provisions the user from the verified claims', async () => {
    await verifier.authenticate(jwtWith({ alg: 'EdDSA' }));
    expect(users.ensureExists).toHaveBeenCalledWith({ sub: 'ba-user', email: 'b@example.com', name: 'B' });
  });

  it.each(['abc', 'a.b', 'a.b.c.d', `${'x'.repeat(9000)}.e30.sig`, 'bm90LWpzb24.e30.sig'])(
    'refuses the malformed token %#',
    async (token) => {
      await expect(verifier.authenticate(token)).rejects.toThrow(UnauthorizedException);
      expect(own.verify).not.toHaveBeenCalled();
    },
  );

  describe('knownUser', () => {
    it('answers a remembered token whose session and user are known, from either issuer', () => {
      expect(verifier.knownUser('own-seen')).toEqual({
        id: 'own-user',
        email: 'o@example.com',
        sessionId: 'sid-1',
        expiresAt: 2e9,
        issuer: 'service',
      });
      expect(sessions.isKnownLive).toHaveBeenCalledWith('sid-1');
      expect(verifier.knownUser('ba-seen')).toEqual({
        id: 'ba-user',
        email: null,
        expiresAt: 2e9,
        issuer: 'better-auth',
      });
    });

    it('leaves the rest to authenticate(): a new token, a session to look up again, an unknown user', () => {
      expect(verifier.knownUser('never-seen')).toBeUndefined();
      sessions.isKnownLive.mockReturnValueOnce(false);
      expect(verifier.knownUser('own-seen')).toBeUndefined();
      users.isKnown.mockReturnValueOnce(false);
      expect(verifier.knownUser('ba-seen')).toBeUndefined();
    });
  });
});
