import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { TooManyRequestsException } from '../common/problem.js';

export const MAX_FAILED_SIGN_INS = 10;
const WINDOW = `interval '15 minutes'`;
/** Namespace of the per-email advisory locks (any constant that no other lock uses). */
const LOCK_NAMESPACE = 727_073_692;

/**
 * Per-email lockout: after MAX_FAILED_SIGN_INS failed sign-ins within 15 minutes, that email's
 * sign-ins are refused until the oldest of them is 15 minutes old. Kept in PostgreSQL, so it holds
 * across instances. Each attempt is recorded as failed before the password is checked and cleared
 * when it succeeds, so concurrent guesses cannot slip past the count.
 */
@Injectable()
export class SignInLockoutService {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Records an attempt for `email`, or throws 429 while the email is locked out. */
  begin(email: string): Promise<void> {
    return this.db.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock($1, hashtext($2))`, [LOCK_NAMESPACE, email]);
      const [locked] = await tx.query(
        `SELECT extract(epoch FROM attempted_at + ${WINDOW} - now())::float AS retry_after
           FROM sign_in_attempts WHERE email = $1 AND attempted_at > now() - ${WINDOW}
          ORDER BY attempted_at DESC OFFSET $2 LIMIT 1`,
        [email, MAX_FAILED_SIGN_INS - 1],
      );
      if (locked) {
        throw new TooManyRequestsException('Too many failed sign-ins for this email; try again later', locked.retry_after);
      }
      await tx.query(`INSERT INTO sign_in_attempts (email) VALUES ($1)`, [email]);
    });
  }

  /** The password was right: the email's failed attempts no longer count. */
  async succeeded(email: string): Promise<void> {
    await this.db.query(`DELETE FROM sign_in_attempts WHERE email = $1`, [email]);
  }
}
