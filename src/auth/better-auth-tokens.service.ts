import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { errors, type JWTPayload, jwtVerify } from 'jose';
import { authConfig } from '../config/auth.config.js';
import { type AccessClaims, invalidToken } from './access-token.service.js';
import { JwksCache, JwksUnavailableError } from './jwks-cache.js';
import { VerifiedTokens } from './verified-tokens.js';

/** What Better Auth's jwt plugin can be configured to sign with. Never HS256, never none. */
export const BETTER_AUTH_ALGORITHMS = ['EdDSA', 'RS256', 'PS256', 'ES256', 'ES512'];

/** Least time between two fetches of Better Auth's key set: bounds what unknown kids can cost. */
export const JWKS_COOLDOWN_MS = 10_000;

/**
 * How long a checked signature is trusted (never past `exp`): an Ed25519 check costs ~150 µs, as much
 * as the rest of a GET. A key Better Auth withdraws stops working within this time.
 */
export const VERIFIED_TOKEN_TTL_MS = 60_000;

/**
 * Verifies tokens from Better Auth's `jwt` plugin against its JWKS, fetched lazily and refetched for
 * an unknown `kid` or when stale (at most once per cooldown), so the service starts and serves its
 * own tokens whether or not Better Auth is up. jose, because jsonwebtoken (under @nestjs/jwt, which
 * checks our HS256 tokens) cannot verify EdDSA, Better Auth's default.
 */
@Injectable()
export class BetterAuthTokensService {
  private readonly logger = new Logger('BetterAuth');
  private readonly jwks?: JwksCache;
  private readonly verified = new VerifiedTokens(VERIFIED_TOKEN_TTL_MS);

  constructor(@Inject(authConfig.KEY) private readonly config: ConfigType<typeof authConfig>) {
    const { jwksUrl } = config.betterAuth;
    if (jwksUrl) {
      this.jwks = new JwksCache(new URL(jwksUrl), {
        cooldownMs: JWKS_COOLDOWN_MS,
        maxAgeMs: 10 * 60_000,
        timeoutMs: 5_000,
        onFetchError: (reason) => this.logger.warn(`Could not fetch Better Auth's keys from ${jwksUrl}: ${reason}`),
      });
    } else {
      this.logger.log('BETTER_AUTH_URL is not set: only tokens signed with BETTER_AUTH_SECRET are accepted');
    }
  }

  /** The claims of a token verified before and not expired since; undefined otherwise (then verify()). */
  known(token: string): AccessClaims | undefined {
    return this.verified.known(token);
  }

  verify(token: string): Promise<AccessClaims> {
    return this.verified.verify(token, (unchecked) => this.check(unchecked));
  }

  private async check(token: string): Promise<AccessClaims> {
    if (!this.jwks) {
      throw invalidToken(
        'This token is not signed with HS256, and Better Auth verification is not configured (set BETTER_AUTH_URL)',
      );
    }
    const { issuer, audience } = this.config.betterAuth;
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.jwks.getKey, {
        algorithms: BETTER_AUTH_ALGORITHMS,
        issuer,
        audience,
        requiredClaims: ['exp', 'sub'],
      }));
    } catch (error) {
      const mismatch = claimMismatch(error, { iss: issuer, aud: audience });
      // Signed by Better Auth for another origin: a configuration mistake (localhost vs 127.0.0.1), so
      // the log and the 401 show both values (public URLs, from a signed claim: no probe).
      if (mismatch) this.logger.warn(`Refused a Better Auth token: ${mismatch}`);
      throw invalidToken(mismatch ?? explain(error));
    }
    if (typeof payload.sub !== 'string' || !payload.sub || payload.sub.length > 255) {
      throw invalidToken('The token has no valid subject (sub)');
    }
    return {
      sub: payload.sub,
      email: typeof payload.email === 'string' ? payload.email : null,
      name: typeof payload.name === 'string' ? payload.name : undefined,
      exp: payload.exp,
    };
  }
}

const CLAIM_NAMES: Record<string, string> = { iss: 'issuer', aud: 'audience' };

/** For an `iss` or `aud` that is not the configured one: what the token says and what was expected. */
function claimMismatch(error: unknown, expected: Record<'iss' | 'aud', string | undefined>): string | undefined {
  if (!(error instanceof errors.JWTClaimValidationFailed)) return undefined;
  const claim = error.claim;
  if (claim !== 'iss' && claim !== 'aud') return undefined;
  const received = error.payload[claim];
  const shown = received === undefined ? 'none' : JSON.stringify(received).slice(0, 200);
  return `The token's ${CLAIM_NAMES[claim]} (${claim}) is ${shown}, but this API expects ${JSON.stringify(expected[claim])}`;
}

function explain(error: unknown): string {
  if (error instanceof JwksUnavailableError) {
    return `Better Auth's signing keys could not be fetched (${error.reason}), so the token could not be checked`;
  }
  if (error instanceof errors.JWTExpired) return 'The token has expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf') return 'The token is not valid yet (nbf)';
    return `The token's ${error.claim} claim is missing or invalid`;
  }
  if (error instanceof errors.JWKSNoMatchingKey) return 'The token is signed by a key Better Auth does not publish';
  if (error instanceof errors.JWSSignatureVerificationFailed)
    return "The token's signature does not match Better Auth's key";
  if (error instanceof errors.JOSEAlgNotAllowed) return 'The token is signed with an algorithm that is not accepted';
  return 'The token is invalid';
}
