import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import {
  conditionalChanges,
  type ConditionalRow,
  type ConditionalWrite,
  conditionalResult,
  conditionalUpdateSql,
  accepted,
  notWritten,
  type Target,
} from '../database/conditional-write.js';
import { pageBounds, Statement } from '../database/statement.js';
import type { UserTransaction, UserWrite } from '../database/user-writes.js';

/** A row of `categories` with its counts, as PostgreSQL returns it (counts are bigint, hence strings). */
export interface CategoryRow {
  id: number;
  user_id: string;
  name: string;
  color: string;
  created_at: Date;
  updated_at: Date;
  version: number;
  task_count: string;
  pending_count: string;
}

/** A row with the change cursor value it was last stamped with. */
export type StampedCategoryRow = CategoryRow & { change_seq: number };

export type NewCategory = Pick<CategoryRow, 'name' | 'color'>;

/** The columns a write may set; absent ones keep their value. */
export type CategoryChanges = Partial<NewCategory>;

const WRITABLE = ['name', 'color'] as const satisfies readonly (keyof CategoryChanges)[];

const COLUMNS = 'id, user_id, name, color, created_at, updated_at, version';

/**
 * The counts of the owner's categories (`$owner`; those whose id matches `which`, a condition on
 * `tc.category_id`, when given) as one aggregate over their links, joined to each row `c`: a LATERAL
 * count per category scanned the user's tasks once per category (0.8 s for 200 over 10,000 tasks).
 */
const counts = (owner: string, which?: string, row = 'c') => `LEFT JOIN (
    SELECT tc.category_id, count(*) AS task_count, count(*) FILTER (WHERE NOT t.completed) AS pending_count
      FROM task_categories tc JOIN tasks t ON t.id = tc.task_id
     WHERE tc.user_id = ${owner}${which ? ` AND tc.category_id ${which}` : ''}
     GROUP BY tc.category_id) AS counts ON counts.category_id = ${row}.id`;

const withCounts = (row = 'c') =>
  `${row}.*, coalesce(counts.task_count, 0) AS task_count, coalesce(counts.pending_count, 0) AS pending_count`;

/** GET /api/sync's, prepared once per connection (database/statement.ts). */
const CHANGED_SINCE = new Statement(
  `WITH c AS (SELECT ${COLUMNS}, change_seq::float8 AS change_seq FROM categories
               WHERE user_id = $1 AND change_seq > $2 ORDER BY categories.change_seq ${pageBounds('$3')})
   SELECT ${withCounts()} FROM c ${counts('$1', 'IN (SELECT id FROM c)')}
    ORDER BY c.change_seq`,
);

/**
 * The SQL of `categories`. Every statement is scoped by the owner, so another user's category looks
 * exactly like no category. Writes take the UserWrite that UserWrites.run() hands out.
 */
@Injectable()
export class CategoriesRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** All of the user's categories, by name case-insensitively (the unique index's order), then id. */
  list(userId: string): Promise<CategoryRow[]> {
    return this.db.query(
      `SELECT ${withCounts()} FROM (SELECT ${COLUMNS} FROM categories WHERE user_id = $1) AS c ${counts('$1')}
       ORDER BY lower(c.name), c.id`,
      [userId],
    );
  }

  /**
   * Up to `limit` of the user's categories stamped after `after`, oldest stamp first, with their counts
   * as of the same snapshot (`db`: GET /api/sync's transaction), aggregated for these categories only.
   */
  changedSince(db: EntityManager, userId: string, after: number, limit: number): Promise<StampedCategoryRow[]> {
    return CHANGED_SINCE.rows(db, [userId, after, limit]);
  }

  async find(userId: string, id: number): Promise<CategoryRow | null> {
    const [row] = await Statement.built(
      `SELECT ${withCounts()} FROM (SELECT ${COLUMNS} FROM categories WHERE id = $1 AND user_id = $2) AS c
       ${counts('$2', '= $1')}`,
    ).rows<CategoryRow>(this.db, [id, userId]);
    return row ?? null;
  }

  /**
   * Inserts the category unless the user already has `limit`: null then. Run it serialized
   * (UserWrites.runSerialized): this statement starts after the user's write lock, so its count sees
   * every creation committed before it.
   */
  async insertWithin(write: UserTransaction, category: NewCategory, limit: number): Promise<CategoryRow | null> {
    const [row]: CategoryRow[] = await write.db.query(
      `INSERT INTO categories (user_id, name, color)
       SELECT $1, $2, $3 WHERE (SELECT count(*) FROM categories WHERE user_id = $1) < $4
       RETURNING ${COLUMNS}, 0 AS task_count, 0 AS pending_count`,
      [write.userId, category.name, category.color, limit],
    );
    return row ?? null;
  }

  /**
   * Sets the given columns if If-Match accepts the category's version. One
   * statement both writes and tells "no such category" (404) from "changed since you read it" (412).
   */
  async update(write: UserWrite, target: Target, changes: CategoryChanges): Promise<ConditionalWrite<CategoryRow>> {
    const { sets, params } = conditionalChanges(write, target, changes, WRITABLE);
    const sql = conditionalUpdateSql({
      table: 'categories',
      sets,
      returning: COLUMNS,
      select: withCounts('changed'),
      joins: counts('$2', '= $1', 'changed'),
    });
    const [row] = await write.db.query<ConditionalRow<CategoryRow>[]>(sql, params);
    return conditionalResult(row);
  }

  /**
   * Deletes the category if If-Match accepts its version, unlinking its tasks, whose versions move
   * on (their `category_ids` change). Run it with UserWrites.runLinking: the category is locked first,
   * which keeps new links out, then its tasks in id order, before any is written (docs/reliability.md).
   */
  async delete(write: UserTransaction, target: Target): Promise<ConditionalWrite<true>> {
    const { id } = target;
    const [current]: { version: number }[] = await write.db.query(
      `SELECT version FROM categories WHERE id = $1 AND user_id = $2 FOR UPDATE`,
      [id, write.userId],
    );
    if (!accepted(target, current)) return notWritten(Boolean(current));
    const tasks: { id: number }[] = await write.db.query(
      `SELECT id FROM tasks
        WHERE user_id = $2 AND id IN (SELECT task_id FROM task_categories WHERE user_id = $2 AND category_id = $1)
        ORDER BY id FOR UPDATE`,
      [id, write.userId],
    );
    await write.db.query(
      `WITH touched AS (UPDATE tasks SET updated_at = now(), version = version + 1 WHERE user_id = $2 AND id = ANY ($3::int[]))
       DELETE FROM categories WHERE id = $1 AND user_id = $2`,
      [id, write.userId, tasks.map((task) => task.id)],
    );
    return { outcome: 'written', row: true };
  }
}
