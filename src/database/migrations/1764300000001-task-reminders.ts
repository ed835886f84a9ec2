import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Reminders: when a task's `remind_at` passes, the scheduler (issue 12) sends one event and sets
 * `reminded_at`. Its one query, the reminders due and not yet sent, reads a partial index that holds
 * only those, so it stays small however many tasks have been reminded already.
 */
export class TaskReminders1764300000001 implements MigrationInterface {
  name = 'TaskReminders1764300000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE tasks ADD COLUMN remind_at timestamptz(3)`);
    await q.query(`ALTER TABLE tasks ADD COLUMN reminded_at timestamptz(3)`);
    await q.query(
      `CREATE INDEX tasks_pending_reminders_idx ON tasks (remind_at) WHERE reminded_at IS NULL AND remind_at IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE tasks DROP COLUMN reminded_at, DROP COLUMN remind_at`);
  }
}
