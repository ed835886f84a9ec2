import { Injectable } from '@nestjs/common';
import { ValidationFailedException } from '../common/problem.js';
import { createHash } from 'node:crypto';
import { VERSION } from '../common/etag.js';
import { type UserWrite, type UserWriteOptions, UserWrites } from '../database/user-writes.js';
import type { TaskDto, VersionedTask } from './dto/task.dto.js';
import { IdempotencyRepository } from './idempotency.repository.js';

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
  constructor(
    private readonly writes: UserWrites,
    private readonly keys: IdempotencyRepository,
  ) {}

  once(
    userId: string,
    key: string,
    request: object,
    create: (write: UserWrite) => Promise<VersionedTask>,
    options: Pick<UserWriteOptions, 'serialized'> = {},
  ): Promise<VersionedTask> {
    const hash = fingerprint(request);
    return this.writes.run(
      userId,
      async (write) => {
        await this.keys.deleteExpired(write);
        if (!(await this.keys.claim(write, key, hash, IDEMPOTENCY_KEY_TTL_HOURS))) return this.replay(write, key, hash);
        const task = await create(write);
        await this.keys.saveResponse(write, key, task, task[VERSION]);
        return task;
      },
      { atomic: true, ...options },
    );
  }

  private async replay(write: UserWrite, key: string, hash: Buffer): Promise<VersionedTask> {
    const stored = await this.keys.find<TaskDto>(write, key);
    if (!hash.equals(stored.request_hash)) {
      throw new ValidationFailedException(
        [{ field: 'Idempotency-Key', message: 'was already used with a different request body' }],
        'This Idempotency-Key was already used with a different request body',
      );
    }
    // The claim waited for the first attempt to commit, and it stored its response before it did.
    return { ...stored.response!, [VERSION]: stored.response_version! };
  }
}

/** The same fields with the same values give the same hash, whatever their order or spacing. */
function fingerprint(request: object): Buffer {
  const fields = Object.entries(request)
    .filter(([, value]) => value !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : 1));
  return createHash('sha256').update(JSON.stringify(fields)).digest();
}
