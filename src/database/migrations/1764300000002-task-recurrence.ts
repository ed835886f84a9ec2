import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Recurring tasks: the rule as the client sent it, and the date its series counts from (internal:
 * the due date when the rule was set, later a date the series reached). A recurring task always
 * has a due date, which the check keeps true whatever writes it.
 */
export class TaskRecurrence1764300000002 implements MigrationInterface {
  name = 'TaskRecurrence1764300000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE tasks ADD COLUMN recurrence text`);
    await q.query(`ALTER TABLE tasks ADD COLUMN recurrence_start timestamptz(3)`);
    await q.query(
      `ALTER TABLE tasks ADD CONSTRAINT tasks_recurrence_check
         CHECK (recurrence IS NULL OR (due_date IS NOT NULL AND recurrence_start IS NOT NULL))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE tasks DROP COLUMN recurrence_start, DROP COLUMN recurrence`);
  }
}
