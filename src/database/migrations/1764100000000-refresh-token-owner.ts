import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every user-owned table carries its owner: refresh tokens reached theirs only through the session.
 * With `user_id` on the row, the table can be distributed by user like the others (docs/scaling.md).
 */
export class RefreshTokenOwner1764100000000 implements MigrationInterface {
  name = 'RefreshTokenOwner1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE refresh_tokens ADD COLUMN user_id text`);
    await q.query(`UPDATE refresh_tokens rt SET user_id = s.user_id FROM auth_sessions s WHERE s.id = rt.session_id`);
    await q.query(`ALTER TABLE refresh_tokens ALTER COLUMN user_id SET NOT NULL`);
    await q.query(
      `ALTER TABLE refresh_tokens ADD CONSTRAINT refresh_tokens_user_id_fkey FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE refresh_tokens DROP COLUMN user_id`);
  }
}
