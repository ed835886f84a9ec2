import { Injectable } from '@nestjs/common';
import type { UserWrite } from '../database/user-writes.js';

/** A remembered Idempotency-Key: the request it was first used with and what that request returned. */
export interface IdempotencyKeyRow<T> {
  request_hash: Buffer;
  /** Null until the request that claimed the key has stored its result (in the same transaction). */
  response: T | null;
  response_version: number | null;
}

/**
 * The SQL of `idempotency_keys`. A user's keys change only inside that user's write (UserWrites), so
 * a key is claimed, and its response stored, in the transaction of the write it guards.
 */
@Injectable()
export class IdempotencyRepository {
  /** Expired keys go lazily, one user at a time (the primary key's prefix), as that user writes. */
  async deleteExpired(write: UserWrite): Promise<void> {
    await write.db.query(`DELETE FROM idempotency_keys WHERE user_id = $1 AND expires_at <= now()`, [write.userId]);
  }

  /**
   * Claims `key` for a request with this hash; false if the user already holds it. A concurrent claim
   * of the same key waits on the key's unique index until the first one commits or rolls back.
   */
  async claim(write: UserWrite, key: string, requestHash: Buffer, ttlHours: number): Promise<boolean> {
    const claimed: unknown[] = await write.db.query(
      `INSERT INTO idempotency_keys (user_id, key, request_hash, expires_at)
       VALUES ($1, $2, $3, now() + make_interval(hours => $4)) ON CONFLICT DO NOTHING RETURNING 1`,
      [write.userId, key, requestHash, ttlHours],
    );
    return claimed.length > 0;
  }

  async find<T>(write: UserWrite, key: string): Promise<IdempotencyKeyRow<T>> {
    const [row]: IdempotencyKeyRow<T>[] = await write.db.query(
      `SELECT request_hash, response, response_version FROM idempotency_keys WHERE user_id = $1 AND key = $2`,
      [write.userId, key],
    );
    return row;
  }

  async saveResponse(write: UserWrite, key: string, response: object, version: number): Promise<void> {
    await write.db.query(
      `UPDATE idempotency_keys SET response = $3, response_version = $4 WHERE user_id = $1 AND key = $2`,
      [write.userId, key, JSON.stringify(response), version],
    );
  }
}
