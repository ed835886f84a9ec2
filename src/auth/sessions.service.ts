import { Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash, randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { authConfig } from '../config/auth.config.js';

/** How long an instance trusts its last look at a session before asking the database again. */
export const REVOCATION_RECHECK_MS = 2_000;

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
  private readonly revocation = new Map<string, { revoked: boolean; checkedAt: number }>();

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(authConfig.KEY) private readonly config: ConfigType<typeof authConfig>,
  ) {}

  async start(userId: string): Promise<IssuedRefresh> {
    const [{ id }] = await this.db.query(`INSERT INTO auth_sessions (user_id) VALUES ($1) RETURNING id`, [userId]);
    return { sessionId: id, userId, refreshToken: await this.issueRefreshToken(id) };
  }

  /** Spends a refresh token and returns its successor, atomically: of two racing uses one wins. */
  async rotate(refreshToken: string): Promise<IssuedRefresh> {
    const tokenHash = sha256(refreshToken);
    // TypeORM returns [rows, rowCount] for UPDATE.
    const [[spent]] = await this.db.query(
      `UPDATE refresh_tokens rt SET used_at = now()
         FROM auth_sessions s
        WHERE rt.token_hash = $1 AND rt.used_at IS NULL AND rt.expires_at > now()
          AND s.id = rt.session_id AND s.revoked_at IS NULL
       RETURNING rt.session_id, s.user_id`,
      [tokenHash],
    );
    if (spent) {
      return { sessionId: spent.session_id, userId: spent.user_id, refreshToken: await this.issueRefreshToken(spent.session_id) };
    }
    const [known] = await this.db.query(`SELECT session_id, used_at FROM refresh_tokens WHERE token_hash = $1`, [tokenHash]);
    if (known?.used_at) {
      await this.revoke(known.session_id);
      throw new UnauthorizedException({ message: 'This refresh token was already used; the session has been revoked', invalidToken: true });
    }
    throw new UnauthorizedException({ message: 'The refresh token is invalid or expired', invalidToken: true });
  }

  async revoke(sessionId: string): Promise<void> {
    await this.db.query(`UPDATE auth_sessions SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL`, [sessionId]);
    this.revocation.set(sessionId, { revoked: true, checkedAt: Date.now() });
  }

  /** Revokes the session a refresh token belongs to, if it is that user's. */
  async revokeByRefreshToken(userId: string, refreshToken: string): Promise<void> {
    const [row] = await this.db.query(
      `SELECT rt.session_id FROM refresh_tokens rt JOIN auth_sessions s ON s.id = rt.session_id
        WHERE rt.token_hash = $1 AND s.user_id = $2`,
      [sha256(refreshToken), userId],
    );
    if (row) await this.revoke(row.session_id);
  }

  /**
   * Whether a session has been revoked, looked up at most every REVOCATION_RECHECK_MS per session,
   * so sign-out on any instance reaches every other instance within that time.
   */
  async isRevoked(sessionId: string): Promise<boolean> {
    const cached = this.revocation.get(sessionId);
    if (cached && (cached.revoked || Date.now() - cached.checkedAt < REVOCATION_RECHECK_MS)) return cached.revoked;
    const [row] = await this.db.query(`SELECT revoked_at FROM auth_sessions WHERE id = $1`, [sessionId]);
    const revoked = !row || row.revoked_at !== null;
    if (this.revocation.size > 50_000) this.revocation.clear();
    this.revocation.set(sessionId, { revoked, checkedAt: Date.now() });
    return revoked;
  }

  private async issueRefreshToken(sessionId: string): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    await this.db.query(
      `INSERT INTO refresh_tokens (token_hash, session_id, expires_at) VALUES ($1, $2, now() + make_interval(secs => $3))`,
      [sha256(token), sessionId, this.config.refreshTokenTtlSeconds],
    );
    return token;
  }
}
