import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Categories join the change cursor: a `change_seq` stamp and the record_user_change() triggers with
 * the kind 'categories' (docs/live-updates.md, "Categories in sync"). Existing categories are stamped
 * after everything their owner was already sent, and each owner's counter (created if missing) moves
 * past them, so a client that synced before receives them on its next call.
 */
export class CategorySync1764500000000 implements MigrationInterface {
  name = 'CategorySync1764500000000';

  async up(q: QueryRunner): Promise<void> {
    // An instance still running the previous version may write meanwhile: its task trigger bumps
    // user_changes. Both tables are locked for the rest of this transaction so that no stamp is
    // handed out twice between the backfill and the counters' bump (categories first, as the ALTER
    // below needs it; readers of user_changes are not held up).
    await q.query(`LOCK TABLE categories IN ACCESS EXCLUSIVE MODE`);
    await q.query(`LOCK TABLE user_changes IN EXCLUSIVE MODE`);
    await q.query(`ALTER TABLE categories ADD COLUMN change_seq bigint`);
    await q.query(`
      UPDATE categories c SET change_seq = coalesce(u.seq, 0) + s.n
        FROM (SELECT id, user_id, row_number() OVER (PARTITION BY user_id ORDER BY id) AS n FROM categories) s
        LEFT JOIN user_changes u ON u.user_id = s.user_id
       WHERE s.id = c.id`);
    await q.query(`ALTER TABLE categories ALTER COLUMN change_seq SET NOT NULL`);
    await q.query(`
      INSERT INTO user_changes AS u (user_id, seq)
      SELECT user_id, max(change_seq) FROM categories GROUP BY user_id
          ON CONFLICT (user_id) DO UPDATE SET seq = GREATEST(u.seq, EXCLUDED.seq)`);
    await q.query(`CREATE INDEX categories_user_change_seq_idx ON categories (user_id, change_seq)`);
    await q.query(
      `CREATE TRIGGER categories_change BEFORE INSERT OR UPDATE ON categories FOR EACH ROW EXECUTE FUNCTION record_user_change('categories')`,
    );
    await q.query(
      `CREATE TRIGGER categories_delete AFTER DELETE ON categories FOR EACH ROW EXECUTE FUNCTION record_user_change('categories')`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER categories_delete ON categories`);
    await q.query(`DROP TRIGGER categories_change ON categories`);
    await q.query(`DROP INDEX categories_user_change_seq_idx`);
    await q.query(`ALTER TABLE categories DROP COLUMN change_seq`);
    // Category deletions mean nothing to a server that does not sync categories. The counters keep
    // their values: a cursor only needs them never to go back.
    await q.query(`DELETE FROM sync_tombstones WHERE kind = 'categories'`);
  }
}
