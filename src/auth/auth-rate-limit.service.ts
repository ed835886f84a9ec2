import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { TooManyRequestsException } from '../common/problem.js';
import { authConfig } from '../config/auth.config.js';
import { AuthRateLimitsRepository } from './auth-rate-limits.repository.js';
import { SignInAttemptsRepository } from './sign-in-attempts.repository.js';

const PRUNE_EVERY_MS = 60_000;

/**
 * AUTH_RATE_LIMIT: auth requests per client address per minute (fixed one-minute windows), counted
 * in PostgreSQL so that every instance sharing the database enforces one limit. 0 turns it off.
 */
@Injectable()
export class AuthRateLimitService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('AuthRateLimit');
  private pruner?: NodeJS.Timeout;

  constructor(
    private readonly windows: AuthRateLimitsRepository,
    private readonly signInAttempts: SignInAttemptsRepository,
    @Inject(authConfig.KEY) private readonly config: ConfigType<typeof authConfig>,
  ) {}

  onModuleInit(): void {
    this.pruner = setInterval(() => void this.prune(), PRUNE_EVERY_MS).unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.pruner);
  }

  /** Counts one request from `address`; throws 429 once the address is over the limit this minute. */
  async hit(address: string): Promise<void> {
    const limit = this.config.rateLimitPerMinute;
    if (limit === 0) return;
    const { hits, retryAfterSeconds } = await this.windows.hit(`address:${address}`);
    if (hits > limit) {
      throw new TooManyRequestsException(
        `Too many sign-in requests from your address (limit ${limit} a minute); try again later`,
        retryAfterSeconds,
      );
    }
  }

  /** Drops windows and sign-in attempts too old to matter, so the tables stay small. */
  private async prune(): Promise<void> {
    try {
      await this.windows.prune();
      await this.signInAttempts.prune();
    } catch (error) {
      this.logger.warn(`Could not prune rate-limit state: ${(error as Error).message}`);
    }
  }
}
