import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Rate-limit state lives in the database so every instance sharing it enforces the same limits. */
export class AuthRateLimits1763900000000 implements MigrationInterface {
  name = 'AuthRateLimits1763900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE auth_rate_limits (
        key text PRIMARY KEY,
        window_started_at timestamptz(3) NOT NULL,
        hits integer NOT NULL
      )`);
    await q.query(`
      CREATE TABLE sign_in_attempts (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        email text NOT NULL,
        attempted_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX sign_in_attempts_email_idx ON sign_in_attempts (email, attempted_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE sign_in_attempts`);
    await q.query(`DROP TABLE auth_rate_limits`);
  }
}
