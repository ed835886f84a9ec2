import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Keys are kept per user and scope (the creating route), so any resource's route can take them. */
export class IdempotencyScope1764700000000 implements MigrationInterface {
  name = 'IdempotencyScope1764700000000';

  async up(q: QueryRunner): Promise<void> {
    // Every key until now was for creating a task.
    await q.query(`ALTER TABLE idempotency_keys ADD COLUMN scope text NOT NULL DEFAULT 'POST /api/tasks'`);
    await q.query(`ALTER TABLE idempotency_keys ALTER COLUMN scope DROP DEFAULT`);
    await q.query(`ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_pkey`);
    await q.query(
      `ALTER TABLE idempotency_keys ADD CONSTRAINT idempotency_keys_pkey PRIMARY KEY (user_id, scope, key)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM idempotency_keys WHERE scope <> 'POST /api/tasks'`);
    await q.query(`ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_pkey`);
    await q.query(`ALTER TABLE idempotency_keys ADD CONSTRAINT idempotency_keys_pkey PRIMARY KEY (user_id, key)`);
    await q.query(`ALTER TABLE idempotency_keys DROP COLUMN scope`);
  }
}
