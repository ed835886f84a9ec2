import { pageBounds, Statement } from '../database/statement.js';
import { transaction } from '../database/transaction.js';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { CategoriesRepository, type StampedCategoryRow } from '../categories/categories.repository.js';
import { ListsRepository, type StampedListRow } from '../lists/lists.repository.js';
import { PushRepository } from './push.repository.js';
import { type StampedTaskRow, TasksRepository } from '../tasks/tasks.repository.js';

export interface Tombstone {
  kind: string;
  id: number;
  change_seq: number;
}

/** What changed for a user after a stamp, and where the user's cursor stands, as of one snapshot. */
export interface ChangeSet {
  /** The user's newest stamp (0 before any change). */
  head: number;
  /** The newest stamp whose tombstone may have been purged. */
  purged: number;
  tasks: StampedTaskRow[];
  categories: StampedCategoryRow[];
  lists: StampedListRow[];
  tombstones: Tombstone[];
  /** The push client asked about, as of the same snapshot (undefined: not asked, or never seen). */
  client?: { user_id: string; last_mutation_id: number };
}

// GET /api/sync's statements, prepared once per connection (database/statement.ts).
const HEAD = new Statement(
  'SELECT seq::float8 AS seq, purged_seq::float8 AS purged_seq FROM user_changes WHERE user_id = $1',
);
const TOMBSTONES = new Statement(
  `SELECT kind, id, change_seq::float8 AS change_seq FROM sync_tombstones
    WHERE user_id = $1 AND change_seq > $2 ORDER BY sync_tombstones.change_seq ${pageBounds('$3')}`,
);

/**
 * The SQL of the change cursor (`user_changes`) and the deletion history (`sync_tombstones`), and
 * the snapshot GET /api/sync reads every synced table in. The stamps are written by the
 * record_user_change() trigger (docs/live-updates.md, "How the cursor works"), never here.
 */
@Injectable()
export class SyncRepository {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly tasks: TasksRepository,
    private readonly categories: CategoriesRepository,
    private readonly lists: ListsRepository,
    private readonly clients: PushRepository,
  ) {}

  /**
   * Up to `limit` rows of each kind stamped after `after`, oldest first. One REPEATABLE READ
   * snapshot for all of them: as stamps follow commit order, the snapshot holds every stamp up to
   * its head and no gap, whatever commits meanwhile.
   */
  changesAfter(
    userId: string,
    after: number,
    limit: number,
    withTombstones: boolean,
    clientId?: string,
  ): Promise<ChangeSet> {
    return transaction(this.db, 'REPEATABLE READ', async (db) => {
      const [cursor] = await HEAD.rows<{ seq: number; purged_seq: number }>(db, [userId]);
      const tasks = await this.tasks.changedSince(db, userId, after, limit);
      const categories = await this.categories.changedSince(db, userId, after, limit);
      const lists = await this.lists.changedSince(db, userId, after, limit);
      const tombstones = withTombstones ? await TOMBSTONES.rows<Tombstone>(db, [userId, after, limit]) : [];
      const client = clientId === undefined ? undefined : await this.clients.find(clientId, db);
      return { head: cursor?.seq ?? 0, purged: cursor?.purged_seq ?? 0, tasks, categories, lists, tombstones, client };
    });
  }

  /** The current stamp of each of these users that has one. */
  async heads(userIds: string[]): Promise<Map<string, number>> {
    const rows: { user_id: string; seq: number }[] = await this.db.query(
      `SELECT user_id, seq::float8 AS seq FROM user_changes WHERE user_id = ANY ($1)`,
      [userIds],
    );
    return new Map(rows.map((row) => [row.user_id, row.seq]));
  }

  /**
   * Deletes up to `batch` tombstones older than `retentionDays` and raises their owners' purge
   * point in the same statement, so a reader sees both or neither. The number deleted.
   */
  async purgeTombstones(retentionDays: number, batch: number): Promise<number> {
    const [{ deleted }]: { deleted: number }[] = await this.db.query(
      `WITH gone AS (
         DELETE FROM sync_tombstones
          WHERE ctid = ANY (ARRAY(SELECT ctid FROM sync_tombstones
                                   WHERE deleted_at < now() - make_interval(days => $1) LIMIT $2))
         RETURNING user_id, change_seq
       ), marked AS (
         UPDATE user_changes u SET purged_seq = GREATEST(u.purged_seq, g.seq)
           FROM (SELECT user_id, max(change_seq) AS seq FROM gone GROUP BY user_id) g
          WHERE u.user_id = g.user_id
         RETURNING 1
       )
       SELECT (SELECT count(*) FROM gone)::int AS deleted, (SELECT count(*) FROM marked) AS marked`,
      [retentionDays, batch],
    );
    return deleted;
  }
}
