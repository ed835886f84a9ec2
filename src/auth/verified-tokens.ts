import { LRUCache } from 'lru-cache';
import type { AccessClaims } from './access-token.service.js';

/**
 * Tokens whose signature has been checked, so a client sending the same token pays for the check
 * once: the claims are served until `exp` or for `ttlMs`, whichever comes first. Bounded by count.
 * The deadline is compared with the wall clock, not left to lru-cache's `ttl`: `exp` is wall-clock
 * time, while lru-cache ages on a monotonic clock and still serves an entry at exactly its ttl.
 */
export class VerifiedTokens {
  private readonly entries: LRUCache<string, { claims: AccessClaims; until: number }>;

  constructor(
    private readonly ttlMs: number,
    max = 10_000,
  ) {
    this.entries = new LRUCache({ max });
  }

  /** The claims of `token` if its signature has been checked and it has not expired since. */
  known(token: string): AccessClaims | undefined {
    const known = this.entries.get(token);
    return known && Date.now() < known.until ? known.claims : undefined;
  }

  /** The claims of `token`: remembered, or from `check`, which throws for a token it refuses. */
  async verify(token: string, check: (token: string) => Promise<AccessClaims>): Promise<AccessClaims> {
    const known = this.known(token);
    if (known) return known;
    const claims = await check(token);
    this.entries.set(token, { claims, until: Math.min(claims.exp! * 1000, Date.now() + this.ttlMs) });
    return claims;
  }
}
