import { Injectable } from '@nestjs/common';
import type { UserTransaction } from '../database/user-writes.js';

/** A remembered Idempotency-Key: the request it was first used with and what that request returned. */
export interface IdempotencyKeyRow<T> {
  request_hash: Buffer;
  /** Null until the request that claimed the key has stored its result (in the same transaction). */
  response: T | null;
  response_version: number | null;
}

/** Which key of which user's route: `(user_id, scope, key)`, the table's primary key. */
export interface KeyRef {
  scope: string;
  key: string;
}

/**
 * The SQL of `idempotency_keys`. A key is claimed, and its response stored, in the transaction of
 * the write it guards, so both commit or neither does.
 */
@Injectable()
export class IdempotencyRepository {
  /** Expired keys go lazily, one user at a time (the primary key's prefix), as that user writes. */
  async deleteExpired(write: UserTransaction): Promise<void> {
    await write.db.query(`DELETE FROM idempotency_keys WHERE user_id = $1 AND expires_at <= now()`, [write.userId]);
  }

  /**
   * Claims the key for a request with this hash; false if the user already holds it. A concurrent claim
   * of the same key waits on the primary key until the first one commits or rolls back.
   */
  async claim(write: UserTransaction, { scope, key }: KeyRef, requestHash: Buffer, ttlHours: number): Promise<boolean> {
    const claimed: unknown[] = await write.db.query(
      `INSERT INTO idempotency_keys (user_id, scope, key, request_hash, expires_at)
       VALUES ($1, $2, $3, $4, now() + make_interval(hours => $5)) ON CONFLICT DO NOTHING RETURNING 1`,
      [write.userId, scope, key, requestHash, ttlHours],
    );
    return claimed.length > 0;
  }

  async find<T>(write: UserTransaction, { scope, key }: KeyRef): Promise<IdempotencyKeyRow<T>> {
    const [row]: IdempotencyKeyRow<T>[] = await write.db.query(
      `SELECT request_hash, response, response_version FROM idempotency_keys WHERE user_id = $1 AND scope = $2 AND key = $3`,
      [write.userId, scope, key],
    );
    return row;
  }

  async saveResponse(write: UserTransaction, { scope, key }: KeyRef, response: object, version: number): Promise<void> {
    await write.db.query(
      `UPDATE idempotency_keys SET response = $4, response_version = $5 WHERE user_id = $1 AND scope = $2 AND key = $3`,
      [write.userId, scope, key, JSON.stringify(response), version],
    );
  }
}
