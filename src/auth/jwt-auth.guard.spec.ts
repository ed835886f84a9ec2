import { jest } from '@jest/globals';
import { type ExecutionContext, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { AuthUser } from './current-user.decorator.js';
import { bearerToken, JwtAuthGuard } from './jwt-auth.guard.js';
import { TokenVerifierService } from './token-verifier.service.js';

describe('JwtAuthGuard', () => {
  const user: AuthUser = { id: 'u1', email: 'u1@example.com', issuer: 'service' };
  const remembered: AuthUser = { id: 'u2', email: null, issuer: 'better-auth' };
  const verifier = {
    authenticate: jest.fn(async (token: string) =>
      token === 'good' ? user : Promise.reject(new UnauthorizedException()),
    ),
    knownUser: jest.fn((token: string) => (token === 'seen' ? remembered : undefined)),
  };
  const contextFor = (request: object, isPublic = false) => {
    const reflector = { getAllAndOverride: () => isPublic } as unknown as Reflector;
    const context = {
      getHandler: () => undefined,
      getClass: () => undefined,
      switchToHttp: () => ({ getRequest: () => request }),
    } as unknown as ExecutionContext;
    const guard = new JwtAuthGuard(reflector, verifier as unknown as TokenVerifierService);
    // As Nest calls it: a value, a promise or a throw, all awaited.
    return { guard: { canActivate: async (c: ExecutionContext) => guard.canActivate(c) }, context };
  };

  beforeEach(() => verifier.authenticate.mockClear());

  it('lets @Public() routes through without looking for a token', async () => {
    const { guard, context } = contextFor({ headers: {} }, true);
    await expect(guard.canActivate(context)).resolves.toBe(true);
    expect(verifier.authenticate).not.toHaveBeenCalled();
  });

  it('puts the verified user on the request', async () => {
    const request: { headers: object; user?: AuthUser } = { headers: { authorization: 'Bearer good' } };
    const { guard, context } = contextFor(request);
    await expect(guard.canActivate(context)).resolves.toBe(true);
    expect(request.user).toBe(user);
    expect(verifier.authenticate).toHaveBeenCalledWith('good');
  });

  it('takes a user the verifier remembers without authenticating again', async () => {
    const request: { headers: object; user?: AuthUser } = { headers: { authorization: 'Bearer seen' } };
    const { guard, context } = contextFor(request);
    await expect(guard.canActivate(context)).resolves.toBe(true);
    expect(request.user).toBe(remembered);
    expect(verifier.authenticate).not.toHaveBeenCalled();
  });

  it('refuses a request without a token, and a token the verifier rejects', async () => {
    await expect(contextFor({ headers: {} }).guard.canActivate(contextFor({ headers: {} }).context)).rejects.toThrow(
      UnauthorizedException,
    );
    const bad = contextFor({ headers: { authorization: 'Bearer bad' } });
    await expect(bad.guard.canActivate(bad.context)).rejects.toThrow(UnauthorizedException);
  });
});

describe('bearerToken', () => {
  it.each(['Bearer abc', 'bearer abc', 'BEARER abc', 'Bearer   abc  '])('reads %j', (header) => {
    expect(bearerToken(header)).toBe('abc');
  });

  it.each([undefined, '', 'abc', 'Basic abc', 'Bearer', 'Bearer a b', 'Bearerabc'])('refuses %j', (header) => {
    expect(() => bearerToken(header)).toThrow(UnauthorizedException);
  });
});
