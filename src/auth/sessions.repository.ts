import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

export interface SpentRefreshToken {
  sessionId: string;
  userId: string;
}

export interface RefreshTokenRecord {
  sessionId: string;
  usedAt: Date | null;
}

/** The SQL of `auth_sessions` and their `refresh_tokens`, which are stored only as hashes. */
@Injectable()
export class SessionsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** A new session's id. */
  async insertSession(userId: string): Promise<string> {
    const [{ id }]: { id: string }[] = await this.db.query(
      `INSERT INTO auth_sessions (user_id) VALUES ($1) RETURNING id`,
      [userId],
    );
    return id;
  }

  /** Those of `ids` that are revoked or gone, in one query (the event streams' sweep). */
  async revokedAmong(ids: string[]): Promise<string[]> {
    const rows: { id: string }[] = await this.db.query(
      `SELECT s.id FROM unnest($1::uuid[]) AS s(id)
        WHERE NOT EXISTS (SELECT 1 FROM auth_sessions a WHERE a.id = s.id AND a.revoked_at IS NULL)`,
      [ids],
    );
    return rows.map((row) => row.id);
  }

  async insertRefreshToken(tokenHash: Buffer, sessionId: string, userId: string, ttlSeconds: number): Promise<void> {
    await this.db.query(
      `INSERT INTO refresh_tokens (token_hash, session_id, user_id, expires_at) VALUES ($1, $2, $3, now() + make_interval(secs => $4))`,
      [tokenHash, sessionId, userId, ttlSeconds],
    );
  }

  /**
   * Marks a refresh token used if it is unused, unexpired and its session is not revoked, in one
   * statement: of two racing uses, one wins. Null when it was not spendable.
   */
  async spendRefreshToken(tokenHash: Buffer): Promise<SpentRefreshToken | null> {
    // TypeORM returns [rows, rowCount] for UPDATE.
    const [[spent]]: [{ session_id: string; user_id: string }[], number] = await this.db.query(
      `UPDATE refresh_tokens rt SET used_at = now()
         FROM auth_sessions s
        WHERE rt.token_hash = $1 AND rt.used_at IS NULL AND rt.expires_at > now()
          AND s.id = rt.session_id AND s.revoked_at IS NULL
       RETURNING rt.session_id, s.user_id`,
      [tokenHash],
    );
    return spent ? { sessionId: spent.session_id, userId: spent.user_id } : null;
  }

  async findRefreshToken(tokenHash: Buffer): Promise<RefreshTokenRecord | null> {
    const [row]: { session_id: string; used_at: Date | null }[] = await this.db.query(
      `SELECT session_id, used_at FROM refresh_tokens WHERE token_hash = $1`,
      [tokenHash],
    );
    return row ? { sessionId: row.session_id, usedAt: row.used_at } : null;
  }

  /** The session a refresh token belongs to, if it is that user's. */
  async findSessionIdOfRefreshToken(tokenHash: Buffer, userId: string): Promise<string | null> {
    const [row]: { session_id: string }[] = await this.db.query(
      `SELECT session_id FROM refresh_tokens WHERE token_hash = $1 AND user_id = $2`,
      [tokenHash, userId],
    );
    return row?.session_id ?? null;
  }

  async revokeSession(sessionId: string): Promise<void> {
    await this.db.query(`UPDATE auth_sessions SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL`, [
      sessionId,
    ]);
  }

  /** When the session was revoked: null while it is not, undefined when there is no such session. */
  async findSessionRevokedAt(sessionId: string): Promise<Date | null | undefined> {
    const [row]: { revoked_at: Date | null }[] = await this.db.query(
      `SELECT revoked_at FROM auth_sessions WHERE id = $1`,
      [sessionId],
    );
    return row ? row.revoked_at : undefined;
  }
}
