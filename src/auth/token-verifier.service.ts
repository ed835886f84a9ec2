import { Injectable } from '@nestjs/common';
import { type AccessClaims, AccessTokenService, invalidToken } from './access-token.service.js';
import { BetterAuthTokensService } from './better-auth-tokens.service.js';
import type { AuthUser } from './current-user.decorator.js';
import { SessionsService } from './sessions.service.js';
import { UsersService } from './users.service.js';

/** Tokens longer than this are refused before any parsing or crypto. */
const MAX_TOKEN_LENGTH = 8_192;

/**
 * Decides which issuer a bearer token claims to come from (by its `alg`), has that issuer's
 * verifier check it, and provisions its user. HS256 goes to our own secret; the asymmetric
 * algorithms to Better Auth's JWKS. Nothing else is accepted.
 */
@Injectable()
export class TokenVerifierService {
  constructor(
    private readonly accessTokens: AccessTokenService,
    private readonly betterAuth: BetterAuthTokensService,
    private readonly sessions: SessionsService,
    private readonly users: UsersService,
  ) {}

  async authenticate(token: string): Promise<AuthUser> {
    if (token.length > MAX_TOKEN_LENGTH) throw invalidToken('The token is too long');
    const alg = algorithmOf(token);
    let claims: AccessClaims;
    let issuer: AuthUser['issuer'];
    if (alg === 'HS256') {
      claims = await this.accessTokens.verify(token);
      if (claims.sid && (await this.sessions.isRevoked(claims.sid)))
        throw invalidToken('The session has been signed out');
      issuer = 'service';
    } else {
      claims = await this.betterAuth.verify(token);
      issuer = 'better-auth';
    }
    await this.users.ensureExists(claims);
    return userOf(claims, issuer);
  }

  /**
   * The user of a token whose every check is remembered (its signature, never its `exp`; its
   * session's revocation state; its user's row), else undefined and authenticate() does the work.
   * No promise, no parse: authenticate() cost about 12 µs of a GET's CPU (docs/performance.md).
   */
  knownUser(token: string): AuthUser | undefined {
    // A token is in the cache of the verifier that checked it, so the cache tells its issuer.
    let claims = this.accessTokens.known(token);
    let issuer: AuthUser['issuer'] = 'service';
    if (claims) {
      if (claims.sid && !this.sessions.isKnownLive(claims.sid)) return undefined;
    } else {
      claims = this.betterAuth.known(token);
      issuer = 'better-auth';
    }
    return claims && this.users.isKnown(claims.sub) ? userOf(claims, issuer) : undefined;
  }
}

function userOf(claims: AccessClaims, issuer: AuthUser['issuer']): AuthUser {
  return { id: claims.sub, email: claims.email ?? null, sessionId: claims.sid, expiresAt: claims.exp, issuer };
}

function algorithmOf(token: string): string {
  const [header, payload, signature] = token.split('.');
  if (!header || !payload || signature === undefined || token.split('.').length !== 3) {
    throw invalidToken('The token is not a JWT');
  }
  try {
    const { alg } = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as { alg?: unknown };
    if (typeof alg === 'string') return alg;
  } catch {
    // fall through
  }
  throw invalidToken('The token header is not valid');
}
