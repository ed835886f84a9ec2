import { Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { LRUCache } from 'lru-cache';
import { createHash, randomBytes } from 'node:crypto';
import { authConfig } from '../config/auth.config.js';
import { SessionsRepository } from './sessions.repository.js';

/** How long an instance trusts its last look at a session before asking the database again. */
export const REVOCATION_RECHECK_MS = 2_000;

/** Sessions whose state an instance remembers; the least recently used is asked about again. */
const REVOCATIONS_MAX = 50_000;

export interface IssuedRefresh {
  sessionId: string;
  userId: string;
  refreshToken: string;
}

const sha256 = (token: string) => createHash('sha256').update(token).digest();

/**
 * Sessions and their refresh-token families. Refresh tokens are opaque, single-use and stored only
 * hashed; exchanging a spent one is taken as theft and revokes the whole family (RFC 9700 4.14.2).
 */
@Injectable()
export class SessionsService {
  private readonly revocation = new LRUCache<string, { revoked: boolean; checkedAt: number }>({ max: REVOCATIONS_MAX });

  constructor(
    private readonly sessions: SessionsRepository,
    @Inject(authConfig.KEY) private readonly config: ConfigType<typeof authConfig>,
  ) {}

  async start(userId: string): Promise<IssuedRefresh> {
    const id = await this.sessions.insertSession(userId);
    return { sessionId: id, userId, refreshToken: await this.issueRefreshToken(id, userId) };
  }

  /** Spends a refresh token and returns its successor, atomically: of two racing uses one wins. */
  async rotate(refreshToken: string): Promise<IssuedRefresh> {
    const tokenHash = sha256(refreshToken);
    const spent = await this.sessions.spendRefreshToken(tokenHash);
    if (spent) return { ...spent, refreshToken: await this.issueRefreshToken(spent.sessionId, spent.userId) };
    const known = await this.sessions.findRefreshToken(tokenHash);
    if (known?.usedAt) {
      await this.revoke(known.sessionId);
      throw new UnauthorizedException({
        message: 'This refresh token was already used; the session has been revoked',
        invalidToken: true,
      });
    }
    throw new UnauthorizedException({ message: 'The refresh token is invalid or expired', invalidToken: true });
  }

  async revoke(sessionId: string): Promise<void> {
    await this.sessions.revokeSession(sessionId);
    this.revocation.set(sessionId, { revoked: true, checkedAt: Date.now() });
  }

  /** Revokes the session a refresh token belongs to, if it is that user's. */
  async revokeByRefreshToken(userId: string, refreshToken: string): Promise<void> {
    const sessionId = await this.sessions.findSessionIdOfRefreshToken(sha256(refreshToken), userId);
    if (sessionId) await this.revoke(sessionId);
  }

  /**
   * Whether a session has been revoked, looked up at most every REVOCATION_RECHECK_MS per session,
   * so sign-out on any instance reaches every other instance within that time.
   */
  async isRevoked(sessionId: string): Promise<boolean> {
    const cached = this.revocation.get(sessionId);
    if (cached && (cached.revoked || Date.now() - cached.checkedAt < REVOCATION_RECHECK_MS)) return cached.revoked;
    // A session that is gone counts as revoked.
    const revoked = (await this.sessions.findSessionRevokedAt(sessionId)) !== null;
    this.revocation.set(sessionId, { revoked, checkedAt: Date.now() });
    return revoked;
  }

  /**
   * Whether a session was found not revoked less than REVOCATION_RECHECK_MS ago: isRevoked() would
   * answer false without a lookup. False also when it must be looked up.
   */
  isKnownLive(sessionId: string): boolean {
    const cached = this.revocation.get(sessionId);
    return cached !== undefined && !cached.revoked && Date.now() - cached.checkedAt < REVOCATION_RECHECK_MS;
  }

  /**
   * Which of these sessions are revoked (or gone), asked of the database now: long-lived event
   * streams check theirs together every REVOCATION_RECHECK_MS instead of one lookup each.
   */
  async revokedAmong(sessionIds: string[]): Promise<Set<string>> {
    if (!sessionIds.length) return new Set();
    return new Set(await this.sessions.revokedAmong(sessionIds));
  }

  private async issueRefreshToken(sessionId: string, userId: string): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    await this.sessions.insertRefreshToken(sha256(token), sessionId, userId, this.config.refreshTokenTtlSeconds);
    return token;
  }
}
