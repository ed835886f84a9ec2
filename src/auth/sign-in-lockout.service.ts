import { Injectable } from '@nestjs/common';
import { TooManyRequestsException } from '../common/problem.js';
import { SignInAttemptsRepository } from './sign-in-attempts.repository.js';

export const MAX_FAILED_SIGN_INS = 10;

/**
 * Per-email lockout: after MAX_FAILED_SIGN_INS failed sign-ins within 15 minutes, that email's
 * sign-ins are refused until the oldest of them is 15 minutes old. Kept in PostgreSQL, so it holds
 * across instances. Each attempt is recorded as failed before the password is checked and cleared
 * when it succeeds, so concurrent guesses cannot slip past the count.
 */
@Injectable()
export class SignInLockoutService {
  constructor(private readonly attempts: SignInAttemptsRepository) {}

  /** Records an attempt for `email`, or throws 429 while the email is locked out. */
  async begin(email: string): Promise<void> {
    const locked = await this.attempts.recordUnlessLocked(email, MAX_FAILED_SIGN_INS);
    if (locked) {
      throw new TooManyRequestsException(
        'Too many failed sign-ins for this email; try again later',
        locked.retryAfterSeconds,
      );
    }
  }

  /** The password was right: the email's failed attempts no longer count. */
  async succeeded(email: string): Promise<void> {
    await this.attempts.deleteFor(email);
  }
}
