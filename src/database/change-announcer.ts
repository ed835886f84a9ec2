import { type BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/**
 * Tells every instance's event streams that users' rows changed, after the change has committed:
 * one `announce_user_changes()` call (migration 1764600000000, which says why not in the writing
 * transaction) sends each user's newest committed stamp on the `user_changes` channel.
 *
 * The request does not wait for it. At most one call is in flight; users whose writes commit
 * meanwhile go out together in the next one, so a busy instance sends one short transaction for
 * many writes, and an idle one announces each write at once.
 */
@Injectable()
export class ChangeAnnouncer implements BeforeApplicationShutdown {
  private readonly logger = new Logger(ChangeAnnouncer.name);
  private readonly pending = new Set<string>();
  private inFlight?: Promise<void>;

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
      try {
        await this.dataSource.query('SELECT announce_user_changes($1::text[])', [users]);
      } catch (error) {
        // The writes have committed whatever happens here. Streams that miss this hear of it at the
        // user's next change, or from their instance's periodic catch-up (EventStreamsService).
        this.logger.warn(`Could not announce changes to live event streams: ${(error as Error).message}`);
      }
    }
    this.inFlight = undefined;
  }
}
