import { Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { JwtService } from '@nestjs/jwt';
import { randomUUID } from 'node:crypto';
import { authConfig } from '../config/auth.config.js';
import { VerifiedTokens } from './verified-tokens.js';

/** The claim that marks one of our JWTs as an access token. */
export const ACCESS_TOKEN_TYPE = 'access';

export interface AccessClaims {
  sub: string;
  email?: string | null;
  name?: string;
  sid?: string;
  typ?: string;
  jti?: string;
  iat?: number;
  exp?: number;
}

const MAX_SUB_LENGTH = 255;
/**
 * How long a checked signature is remembered (never past `exp`): jsonwebtoken's check is about 23 µs,
 * a tenth of a GET's CPU (docs/performance.md), and the secret cannot change without a restart.
 */
const VERIFIED_TOKEN_TTL_MS = 60_000;

/**
 * The service's own HS256 access tokens: issued at sign-in, and also accepted when a trusted
 * backend mints them by hand with the shared secret (`{ sub, iat, exp }` is enough).
 */
@Injectable()
export class AccessTokenService {
  private readonly verified = new VerifiedTokens(VERIFIED_TOKEN_TTL_MS);

  constructor(
    private readonly jwt: JwtService,
    @Inject(authConfig.KEY) private readonly config: ConfigType<typeof authConfig>,
  ) {}

  get ttlSeconds(): number {
    return this.config.accessTokenTtlSeconds;
  }

  sign(user: { id: string; email: string | null }, sessionId: string): Promise<string> {
    const claims: AccessClaims = {
      sub: user.id,
      email: user.email,
      sid: sessionId,
      typ: ACCESS_TOKEN_TYPE,
      jti: randomUUID(),
    };
    return this.jwt.signAsync(claims, { expiresIn: this.config.accessTokenTtlSeconds });
  }

  /** The claims of a token verified before and not expired since; undefined otherwise (then verify()). */
  known(token: string): AccessClaims | undefined {
    return this.verified.known(token);
  }

  /** Verifies signature (HS256 only), expiry and the claims we rely on; throws 401 otherwise. */
  verify(token: string): Promise<AccessClaims> {
    return this.verified.verify(token, (unchecked) => this.check(unchecked));
  }

  private async check(token: string): Promise<AccessClaims> {
    let claims: AccessClaims;
    try {
      claims = await this.jwt.verifyAsync<AccessClaims>(token, { algorithms: ['HS256'] });
    } catch (error) {
      const expired = (error as Error).name === 'TokenExpiredError';
      throw invalidToken(expired ? 'The access token has expired' : 'The access token is invalid');
    }
    if (typeof claims.exp !== 'number') throw invalidToken('The access token has no expiry (exp)');
    if (typeof claims.sub !== 'string' || !claims.sub || claims.sub.length > MAX_SUB_LENGTH) {
      throw invalidToken('The access token has no valid subject (sub)');
    }
    if (claims.typ !== undefined && claims.typ !== ACCESS_TOKEN_TYPE)
      throw invalidToken('The token is not an access token');
    if (claims.sid !== undefined && typeof claims.sid !== 'string') throw invalidToken('The access token is invalid');
    return claims;
  }
}

export function invalidToken(detail: string): UnauthorizedException {
  return new UnauthorizedException({ message: detail, invalidToken: true });
}
