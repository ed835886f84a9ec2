import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Change notifications move out of the writing transaction.
 *
 * A transaction that has called pg_notify takes one lock for the whole database at commit and holds
 * it until its commit record is flushed (PostgreSQL's async.c, PreCommit_Notify), so that the queue
 * follows commit order. Every notifying commit therefore waits for the previous one's fsync: group
 * commit stops. Measured here with pgbench, 16 clients, INSERT + COMMIT: 10,400 commits/s without
 * pg_notify, 3,700 with it; through the service, creates lost a third of their throughput.
 *
 * So the trigger still stamps every change (record_user_change(), as before, for every write path),
 * but no longer notifies. The API's one write path (UserWrites.run) has announce_user_changes()
 * called once its write has committed (ChangeAnnouncer, which batches the users of writes that
 * commit while a call is in flight): a transaction of its own that writes no WAL, so its commit
 * does not wait for a flush and the lock is held for microseconds. It announces each user's newest
 * committed stamp, never an uncommitted one, and announcements that cross are harmless: a stream
 * only moves forward. A change made outside the API (psql, a script) is found by each instance's
 * periodic re-read of its streams' cursors (EventStreamsService).
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
