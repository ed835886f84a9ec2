import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { transaction } from '../database/transaction.js';

/** How long a failed sign-in counts. */
const WINDOW = `interval '15 minutes'`;
/** Namespace of the per-email advisory locks (any constant that no other lock uses). */
const LOCK_NAMESPACE = 727_073_692;

/** The SQL of `sign_in_attempts`: recent sign-in attempts per email, kept to count failures. */
@Injectable()
export class SignInAttemptsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * Records an attempt for `email` unless it already has `max` attempts within the window; then it
   * records nothing and returns the seconds until the oldest of them leaves the window. Serialised
   * per email by an advisory lock, so concurrent attempts cannot slip past the count.
   */
  recordUnlessLocked(email: string, max: number): Promise<{ retryAfterSeconds: number } | null> {
    return transaction(this.db, async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock($1, hashtext($2))`, [LOCK_NAMESPACE, email]);
      const [locked]: { retry_after: number }[] = await tx.query(
        `SELECT extract(epoch FROM attempted_at + ${WINDOW} - now())::float AS retry_after
           FROM sign_in_attempts WHERE email = $1 AND attempted_at > now() - ${WINDOW}
          ORDER BY attempted_at DESC OFFSET $2 LIMIT 1`,
        [email, max - 1],
      );
      if (locked) return { retryAfterSeconds: locked.retry_after };
      await tx.query(`INSERT INTO sign_in_attempts (email) VALUES ($1)`, [email]);
      return null;
    });
  }

  async deleteFor(email: string): Promise<void> {
    await this.db.query(`DELETE FROM sign_in_attempts WHERE email = $1`, [email]);
  }

  /** Drops attempts too old to count. */
  async prune(): Promise<void> {
    await this.db.query(`DELETE FROM sign_in_attempts WHERE attempted_at <= now() - ${WINDOW}`);
  }
}
