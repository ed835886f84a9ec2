import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { TooManyRequestsException } from '../common/problem.js';
import { authConfig } from '../config/auth.config.js';

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
    @InjectDataSource() private readonly db: DataSource,
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
    const [{ hits, retry_after }] = await this.db.query(
      `INSERT INTO auth_rate_limits AS r (key, window_started_at, hits) VALUES ($1, now(), 1)
       ON CONFLICT (key) DO UPDATE SET
         window_started_at = CASE WHEN r.window_started_at > now() - interval '1 minute' THEN r.window_started_at ELSE now() END,
         hits = CASE WHEN r.window_started_at > now() - interval '1 minute' THEN r.hits + 1 ELSE 1 END
       RETURNING hits, extract(epoch FROM window_started_at + interval '1 minute' - now())::float AS retry_after`,
      [`address:${address}`],
    );
    if (hits > limit) {
      throw new TooManyRequestsException(`Too many sign-in requests from your address (limit ${limit} a minute); try again later`, retry_after);
    }
  }

  /** Drops windows and sign-in attempts too old to matter, so the tables stay small. */
  private async prune(): Promise<void> {
    try {
      await this.db.query(`DELETE FROM auth_rate_limits WHERE window_started_at <= now() - interval '1 minute'`);
      await this.db.query(`DELETE FROM sign_in_attempts WHERE attempted_at <= now() - interval '15 minutes'`);
    } catch (error) {
      this.logger.warn(`Could not prune rate-limit state: ${(error as Error).message}`);
    }
  }
}
