import { type BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { outsideEnclosure } from '../database/enclosure.js';
import { Statement } from '../database/statement.js';
import type { AfterCommit } from '../database/user-writes.js';

/** Least time between the starts of two calls: under load, a change reaches other devices at most this much later. */
export const ANNOUNCE_INTERVAL_MS = 5;

/**
 * Commits without waiting for the WAL flush (`set_config(..., true)` lasts until this statement's own
 * commit): it writes no data, and a lost announcement is caught up (docs/live-updates.md). Prepared
 * once per connection: sent unnamed, it was planned on each of up to 200 calls a second (0.15 ms of
 * PostgreSQL's CPU each, pg_stat_statements in the bench: 5,185 plans for 5,185 calls).
 */
export const ANNOUNCE = new Statement(
  "SELECT set_config('synchronous_commit', 'off', true), announce_user_changes($1::text[])",
);

/**
 * Tells every instance's event streams that users' rows changed, once the change has committed (why
 * not in the writing transaction: docs/live-updates.md, "Events across instances"), with each user's
 * newest committed stamp. The request does not wait. One call is in flight at a time; the users of
 * writes that commit meanwhile go out together in the next, so a busy instance sends at most 200
 * short transactions a second rather than one per write.
 */
@Injectable()
export class ChangeAnnouncer implements AfterCommit, BeforeApplicationShutdown {
  private readonly logger = new Logger(ChangeAnnouncer.name);
  private readonly pending = new Set<string>();
  private inFlight?: Promise<void>;
  /** Milliseconds from the start of one call to the start of the next, and how they are waited for (tests change both). */
  intervalMs = ANNOUNCE_INTERVAL_MS;
  wait: (ms: number) => Promise<unknown> = sleep;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Call once the user's change has committed. */
  announce(userId: string): void {
    this.pending.add(userId);
    // On the pool, even when the write that announces was a pushed mutation's (enclosure.ts): that
    // transaction has committed, and the announcement is a transaction of its own.
    this.inFlight ??= outsideEnclosure(() => this.flush());
  }

  /** Sends what is pending before the pool closes, so a write just before shutdown is announced. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.inFlight;
  }

  private async flush(): Promise<void> {
    while (this.pending.size) {
      const users = [...this.pending];
      this.pending.clear();
      const started = performance.now();
      try {
        await ANNOUNCE.rows(this.dataSource, [users]);
      } catch (error) {
        // The writes have committed whatever happens here. Streams that miss this hear of it at the
        // user's next change, or from their instance's periodic catch-up (EventStreamsService).
        this.logger.warn(`Could not announce changes to live event streams: ${(error as Error).message}`);
      }
      const rest = this.intervalMs - (performance.now() - started);
      if (rest > 0) await this.wait(rest);
    }
    this.inFlight = undefined;
  }
}
