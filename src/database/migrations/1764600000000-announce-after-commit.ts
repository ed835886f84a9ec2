import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Change notifications move out of the writing transaction (why: docs/live-updates.md, "Events across
 * instances"). The trigger still stamps every change but no longer notifies; announce_user_changes()
 * sends users' newest committed stamps, called once their writes have committed.
 */
export class AnnounceAfterCommit1764600000000 implements MigrationInterface {
  name = 'AnnounceAfterCommit1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(recordUserChange(false));
    await q.query(`
      CREATE FUNCTION announce_user_changes(owners text[]) RETURNS void LANGUAGE sql AS $$
        SELECT pg_notify('user_changes', user_id || ':' || seq) FROM user_changes WHERE user_id = ANY (owners)
      $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION announce_user_changes(text[])`);
    await q.query(recordUserChange(true));
  }
}

/** The trigger function of migration 1764400000000, with or without its notification. */
function recordUserChange(notify: boolean): string {
  return `
    CREATE OR REPLACE FUNCTION record_user_change() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      owner text := CASE WHEN TG_OP = 'DELETE' THEN OLD.user_id ELSE NEW.user_id END;
      stamp bigint;
    BEGIN
      -- No counter for an owner who is being deleted (the cascade from users reaches here): the
      -- guard keeps the upsert from referencing a user that no longer exists.
      INSERT INTO user_changes AS u (user_id, seq)
        SELECT owner, 1 WHERE EXISTS (SELECT 1 FROM users WHERE id = owner)
        ON CONFLICT (user_id) DO UPDATE SET seq = u.seq + 1
        RETURNING seq INTO stamp;
      IF stamp IS NULL THEN
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
      END IF;
      IF TG_OP = 'DELETE' THEN
        INSERT INTO sync_tombstones (user_id, kind, id, change_seq) VALUES (owner, TG_ARGV[0], OLD.id, stamp)
          ON CONFLICT (user_id, kind, id) DO UPDATE SET change_seq = EXCLUDED.change_seq, deleted_at = now();
      ELSE
        NEW.change_seq := stamp;
      END IF;${notify ? `\n      PERFORM pg_notify('user_changes', owner || ':' || stamp);` : ''}
      RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END $$`;
}
