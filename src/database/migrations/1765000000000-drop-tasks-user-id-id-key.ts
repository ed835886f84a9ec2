import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `tasks_user_id_id_key` was the key task_categories' links referenced while a task's labels were its
 * owner's (1764200000000). Since labels are each member's own (1764800000000) links reference the task
 * alone, and no statement reads by (user_id, id): the primary key finds a task. The unique index
 * was still written on every create and every update of a task that changes an indexed column (the
 * stamp does, on all of them): one index entry in thirteen, for nothing.
 */
export class DropTasksUserIdIdKey1765000000000 implements MigrationInterface {
  name = 'DropTasksUserIdIdKey1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE tasks DROP CONSTRAINT tasks_user_id_id_key`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE tasks ADD CONSTRAINT tasks_user_id_id_key UNIQUE (user_id, id)`);
  }
}
