import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

export interface RateLimitWindow {
  /** Requests counted in the current window, this one included. */
  hits: number;
  /** Seconds until the window ends. */
  retryAfterSeconds: number;
}

/** The SQL of `auth_rate_limits`: one fixed one-minute window per key. */
@Injectable()
export class AuthRateLimitsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Counts one request for `key`, starting a new window when the last one is over, in one statement. */
  async hit(key: string): Promise<RateLimitWindow> {
    const [{ hits, retry_after }]: { hits: number; retry_after: number }[] = await this.db.query(
      `INSERT INTO auth_rate_limits AS r (key, window_started_at, hits) VALUES ($1, now(), 1)
       ON CONFLICT (key) DO UPDATE SET
         window_started_at = CASE WHEN r.window_started_at > now() - interval '1 minute' THEN r.window_started_at ELSE now() END,
         hits = CASE WHEN r.window_started_at > now() - interval '1 minute' THEN r.hits + 1 ELSE 1 END
       RETURNING hits, extract(epoch FROM window_started_at + interval '1 minute' - now())::float AS retry_after`,
      [key],
    );
    return { hits, retryAfterSeconds: retry_after };
  }

  /** Drops windows that are over. */
  async prune(): Promise<void> {
    await this.db.query(`DELETE FROM auth_rate_limits WHERE window_started_at <= now() - interval '1 minute'`);
  }
}
