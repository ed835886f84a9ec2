import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { VERSION } from '../common/etag.js';
import { ValidationFailedException } from '../common/problem.js';
import type { UserTransaction, Work } from '../database/user-writes.js';
import { IdempotencyRepository, type KeyRef } from './idempotency.repository.js';

/** How long a key is remembered: a day, like the IETF draft's examples and Stripe. */
export const IDEMPOTENCY_KEY_TTL_HOURS = 24;

/** A result that carries its version (the ETag's), as every creating route's does. */
type Versioned = { [VERSION]: number };

/**
 * Idempotency-Key for a creating route. The key row is claimed in the same transaction that
 * creates, so a concurrent retry with the same key waits on the key's primary key until the first
 * attempt commits (then replays its result) or rolls back (then runs itself). A failed attempt
 * stores nothing, so retrying it is safe.
 */
@Injectable()
export class IdempotencyService {
  constructor(private readonly keys: IdempotencyRepository) {}

  /**
   * `create`, run once per key: a retry of the same request (`scope`, e.g. `POST /api/tasks`, and
   * `request`, the validated body) returns the first result; the same key with another body is a
   * 422. The returned work must run in a transaction (UserWrites' runAtomic and the like).
   */
  once<T extends Versioned>(
    scope: string,
    key: string,
    request: object,
    create: Work<UserTransaction, T>,
  ): Work<UserTransaction, T> {
    const ref = { scope, key };
    const hash = fingerprint(request);
    return async (write) => {
      await this.keys.deleteExpired(write);
      if (!(await this.keys.claim(write, ref, hash, IDEMPOTENCY_KEY_TTL_HOURS)))
        return this.replay<T>(write, ref, hash);
      const result = await create(write);
      await this.keys.saveResponse(write, ref, result, result[VERSION]);
      return result;
    };
  }

  private async replay<T extends Versioned>(write: UserTransaction, ref: KeyRef, hash: Buffer): Promise<T> {
    const stored = await this.keys.find<Omit<T, typeof VERSION>>(write, ref);
    if (!hash.equals(stored.request_hash)) {
      throw new ValidationFailedException(
        [{ field: 'Idempotency-Key', message: 'was already used with a different request body' }],
        'This Idempotency-Key was already used with a different request body',
      );
    }
    // The claim waited for the first attempt to commit, and it stored its response before it did.
    return { ...stored.response!, [VERSION]: stored.response_version! } as T;
  }
}

/** The same fields with the same values give the same hash, whatever their order or spacing. */
function fingerprint(request: object): Buffer {
  const fields = Object.entries(request)
    .filter(([, value]) => value !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : 1));
  return createHash('sha256').update(JSON.stringify(fields)).digest();
}
