import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The per-user change cursor behind GET /api/sync and GET /api/events: for each changed row,
 * record_user_change() bumps the owner's counter and stamps the row, or leaves a tombstone
 * (docs/live-updates.md, "How the cursor works").
 */
export class SyncCursor1764400000000 implements MigrationInterface {
  name = 'SyncCursor1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE user_changes (
        user_id text PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
        seq bigint NOT NULL,
        purged_seq bigint NOT NULL DEFAULT '0'
      )`);
    await q.query(`
      CREATE TABLE sync_tombstones (
        user_id text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        kind text NOT NULL,
        id integer NOT NULL,
        change_seq bigint NOT NULL,
        deleted_at timestamptz(3) NOT NULL DEFAULT now(),
        PRIMARY KEY (user_id, kind, id)
      )`);
    await q.query(`CREATE INDEX sync_tombstones_user_change_seq_idx ON sync_tombstones (user_id, change_seq)`);
    await q.query(`CREATE INDEX sync_tombstones_deleted_at_idx ON sync_tombstones (deleted_at)`);

    // Existing tasks get stamps 1..n per owner, in id order, before the trigger takes over.
    await q.query(`ALTER TABLE tasks ADD COLUMN change_seq bigint`);
    await q.query(`
      UPDATE tasks t SET change_seq = s.n
        FROM (SELECT id, row_number() OVER (PARTITION BY user_id ORDER BY id) AS n FROM tasks) s
       WHERE s.id = t.id`);
    await q.query(`ALTER TABLE tasks ALTER COLUMN change_seq SET NOT NULL`);
    await q.query(
      `INSERT INTO user_changes (user_id, seq) SELECT user_id, max(change_seq) FROM tasks GROUP BY user_id`,
    );
    await q.query(`CREATE INDEX tasks_user_change_seq_idx ON tasks (user_id, change_seq)`);

    await q.query(`
      CREATE FUNCTION record_user_change() RETURNS trigger LANGUAGE plpgsql AS $$
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
        END IF;
        PERFORM pg_notify('user_changes', owner || ':' || stamp);
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
      END $$`);
    await q.query(
      `CREATE TRIGGER tasks_change BEFORE INSERT OR UPDATE ON tasks FOR EACH ROW EXECUTE FUNCTION record_user_change('tasks')`,
    );
    await q.query(
      `CREATE TRIGGER tasks_delete AFTER DELETE ON tasks FOR EACH ROW EXECUTE FUNCTION record_user_change('tasks')`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER tasks_delete ON tasks`);
    await q.query(`DROP TRIGGER tasks_change ON tasks`);
    await q.query(`DROP FUNCTION record_user_change()`);
    await q.query(`ALTER TABLE tasks DROP COLUMN change_seq`);
    await q.query(`DROP TABLE sync_tombstones`);
    await q.query(`DROP TABLE user_changes`);
  }
}
