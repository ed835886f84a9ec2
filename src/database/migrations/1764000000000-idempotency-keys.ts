import type { MigrationInterface, QueryRunner } from 'typeorm';

export class IdempotencyKeys1764000000000 implements MigrationInterface {
  name = 'IdempotencyKeys1764000000000';

  async up(q: QueryRunner): Promise<void> {
    // The response columns are filled in the same transaction that claims the key, so no other
    // transaction ever sees them empty.
    await q.query(`
      CREATE TABLE idempotency_keys (
        user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        key text NOT NULL,
        request_hash bytea NOT NULL,
        response jsonb,
        response_version integer,
        expires_at timestamptz(3) NOT NULL,
        PRIMARY KEY (user_id, key)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE idempotency_keys`);
  }
}
