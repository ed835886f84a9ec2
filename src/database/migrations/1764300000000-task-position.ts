import { generateNKeysBetween } from 'fractional-indexing';
import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Manual order: every task gets a `position` key, existing ones in the order they were created (the
 * list's old default order, reversed: oldest first, as a new task now goes to the end).
 */
export class TaskPosition1764300000000 implements MigrationInterface {
  name = 'TaskPosition1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE tasks ADD COLUMN position text COLLATE "C"`);
    const [{ most }] = (await q.query(
      `SELECT coalesce(max(n), 0)::int AS most FROM (SELECT count(*) AS n FROM tasks GROUP BY user_id) AS per_user`,
    )) as { most: number }[];
    // Every user's n-th task takes the same n-th key: one key list, as long as the longest list.
    await q.query(
      `UPDATE tasks SET position = ($1::text[])[ranked.n]
         FROM (SELECT id, row_number() OVER (PARTITION BY user_id ORDER BY created_at, id) AS n FROM tasks) AS ranked
        WHERE ranked.id = tasks.id`,
      [generateNKeysBetween(null, null, most)],
    );
    await q.query(`ALTER TABLE tasks ALTER COLUMN position SET NOT NULL`);
    await q.query(`CREATE UNIQUE INDEX tasks_user_position_key ON tasks (user_id, position)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE tasks DROP COLUMN position`);
  }
}
