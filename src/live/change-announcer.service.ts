import { type BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import type { AfterCommit } from '../database/user-writes.js';

/**
 * Tells every instance's event streams that users' rows changed, after the change has committed:
 * one `announce_user_changes()` call (migration 1764600000000, which says why not in the writing
 * transaction) sends each user's newest committed stamp on the `user_changes` channel.
 *
 * The request does not wait for it. At most one call is in flight, and calls start at least
 * ANNOUNCE_INTERVAL_MS apart; users whose writes commit meanwhile go out together in the next one.
 * An idle instance announces a write at once; a busy one sends at most 200 short transactions a
 * second, however many writes it serves (each was a query per write or two, a fifth of a toggle's
 * CPU: docs/performance.md).
 */
/** A change reaches other devices this much later at most, under load; see the class. */
export const ANNOUNCE_INTERVAL_MS = 5;

/**
 * The call, committed without waiting for the WAL flush: a transaction that sends notifications
 * has a commit record like any other, and with synchronous_commit on, each announcement waited for
 * its own flush (200 a second under load). The transaction writes no data, and its notifications
 * are delivered at commit either way; a crash can only lose an announcement, which the streams'
 * catch-up covers. `set_config(..., true)` holds until this statement's own commit.
 */
const ANNOUNCE = "SELECT set_config('synchronous_commit', 'off', true), announce_user_changes($1::text[])";

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
    this.inFlight ??= this.flush();
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
        await this.dataSource.query(ANNOUNCE, [users]);
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
