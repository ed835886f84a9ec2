import { Injectable, UnprocessableEntityException } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { VERSION as TASK_VERSION } from '../common/etag.js';
import type { VersionedTask } from './dto/task.dto.js';

/** How long a key is remembered: a day, like the IETF draft's examples and Stripe. */
export const IDEMPOTENCY_KEY_TTL_HOURS = 24;

/**
 * Idempotent task creation. The key row is claimed in the same transaction that creates the task,
 * so a concurrent retry with the same key waits on the key's unique index until the first attempt
 * commits (then replays its result) or rolls back (then runs itself). A failed attempt stores
 * nothing, so retrying it is safe.
 */
@Injectable()
export class IdempotencyService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  once(userId: string, key: string, request: object, create: (db: EntityManager) => Promise<VersionedTask>): Promise<VersionedTask> {
    const hash = fingerprint(request);
    return this.db.transaction(async (db) => {
      // Expired keys go lazily, one user at a time (the primary key's prefix), as that user writes.
      await db.query(`DELETE FROM idempotency_keys WHERE user_id = $1 AND expires_at <= now()`, [userId]);
      const claimed = await db.query(
        `INSERT INTO idempotency_keys (user_id, key, request_hash, expires_at)
         VALUES ($1, $2, $3, now() + make_interval(hours => $4)) ON CONFLICT DO NOTHING RETURNING 1`,
        [userId, key, hash, IDEMPOTENCY_KEY_TTL_HOURS],
      );
      if (!claimed.length) return replay(db, userId, key, hash);
      const task = await create(db);
      await db.query(`UPDATE idempotency_keys SET response = $3, response_version = $4 WHERE user_id = $1 AND key = $2`, [
        userId,
        key,
        JSON.stringify(task),
        task[TASK_VERSION],
      ]);
      return task;
    });
  }
}

async function replay(db: EntityManager, userId: string, key: string, hash: Buffer): Promise<VersionedTask> {
  const [stored] = await db.query(`SELECT request_hash, response, response_version FROM idempotency_keys WHERE user_id = $1 AND key = $2`, [userId, key]);
  if (!hash.equals(stored.request_hash)) {
    throw new UnprocessableEntityException('This Idempotency-Key was already used with a different request body');
  }
  return { ...stored.response, [TASK_VERSION]: stored.response_version };
}

/** The same fields with the same values give the same hash, whatever their order or spacing. */
function fingerprint(request: object): Buffer {
  const fields = Object.entries(request)
    .filter(([, value]) => value !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : 1));
  return createHash('sha256').update(JSON.stringify(fields)).digest();
}
