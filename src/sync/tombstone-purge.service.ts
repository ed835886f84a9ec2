import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { syncConfig } from '../config/sync.config.js';
import { PushRepository } from './push.repository.js';
import { SyncRepository } from './sync.repository.js';

/** Temp ids name objects for at least this long after a client's last push (the contract's 7 days). */
export const MIN_CLIENT_RETENTION_DAYS = 7;

/** Hourly is plenty for a retention counted in days; the first run waits for start-up to settle. */
const PURGE_EVERY_MS = 3_600_000;
const FIRST_PURGE_MS = 60_000;
/** Rows per statement: each batch holds its locks briefly, so writers barely notice a big purge. */
const PURGE_BATCH = 5_000;

/**
 * Deletes tombstones older than SYNC_RETENTION_DAYS, raising each owner's purge point as it goes,
 * so /api/sync answers 410 to a cursor that needs what was purged; and push clients (counters, temp
 * ids) with no push for as long (at least 7 days), so such a client is told it is unknown (409,
 * expected_id 1) when it comes back. Every instance runs it; the work is idempotent, so two at once
 * only share it.
 */
@Injectable()
export class TombstonePurgeService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(TombstonePurgeService.name);
  private timer?: NodeJS.Timeout;

  constructor(
    @Inject(syncConfig.KEY) private readonly config: ConfigType<typeof syncConfig>,
    private readonly changes: SyncRepository,
    private readonly clients: PushRepository,
  ) {}

  onApplicationBootstrap(): void {
    const run = (delay: number) => {
      this.timer = setTimeout(() => {
        void this.purge()
          .catch((error: unknown) => this.logger.warn(`Tombstone purge failed (${String(error)}); next try in an hour`))
          .finally(() => run(PURGE_EVERY_MS));
      }, delay);
      this.timer.unref();
    };
    run(FIRST_PURGE_MS);
  }

  onModuleDestroy(): void {
    clearTimeout(this.timer);
  }

  /** Purges everything due, tombstones a batch at a time; how many tombstones went. */
  async purge(): Promise<number> {
    await this.clients.purgeClients(Math.max(this.config.retentionDays, MIN_CLIENT_RETENTION_DAYS));
    let total = 0;
    for (;;) {
      const deleted = await this.changes.purgeTombstones(this.config.retentionDays, PURGE_BATCH);
      total += deleted;
      if (deleted < PURGE_BATCH) return total;
    }
  }
}
