import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What a single user's write costs the database, back to what it was before lists. The change
 * trigger stamps a row of a list that has no member but its owner (every inbox) with one counter bump,
 * as before lists, rather than the statement that stamps every reader (twice the trigger's time per
 * written row). The announcement after commit finds the writers' and their co-members' counters by
 * index, where the `OR` over a sub-select read every user's counter row. And the unique key that a
 * subtask's parent is referenced by leads with `list_id`, so a list's tasks are an index range (a
 * list's counts, a member's read of a shared list): over `(id, list_id)` both read every task of
 * every user. Same key, same index writes.
 */
export class SingleUserWrites1764850000000 implements MigrationInterface {
  name = 'SingleUserWrites1764850000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(recordListRowChange(true));
    await q.query(announceUserChanges(true));
    await parentKey(q, 'tasks_id_list_id_key', 'tasks_list_id_id_key', '(list_id, id)');
  }

  async down(q: QueryRunner): Promise<void> {
    await parentKey(q, 'tasks_list_id_id_key', 'tasks_id_list_id_key', '(id, list_id)');
    await q.query(announceUserChanges(false));
    await q.query(recordListRowChange(false));
  }
}

/** The unique key `tasks_parent_fkey` references, replaced by one over the same columns in another order. */
async function parentKey(q: QueryRunner, from: string, to: string, columns: string): Promise<void> {
  await q.query(`ALTER TABLE tasks DROP CONSTRAINT tasks_parent_fkey`);
  await q.query(`ALTER TABLE tasks DROP CONSTRAINT ${from}`);
  await q.query(`ALTER TABLE tasks ADD CONSTRAINT ${to} UNIQUE ${columns}`);
  await q.query(
    `ALTER TABLE tasks ADD CONSTRAINT tasks_parent_fkey FOREIGN KEY (parent_id, list_id) REFERENCES tasks(id, list_id) ON DELETE CASCADE ON UPDATE CASCADE`,
  );
}

/**
 * Migration 1764800000000's trigger function, with (or without) the path for a list with no other
 * member: the same stamp for the owner, and no member_changes row, in one plain upsert. `probe`
 * 'separate' asks whether the list has another member in a statement of its own (this migration);
 * 'in the upsert' asks it in the upsert's own WHERE (migration 1765100000000). Exported for that one.
 */
export function recordListRowChange(singleMember: boolean, probe: 'separate' | 'in the upsert' = 'separate'): string {
  const stampReaders = !singleMember
    ? `
  -- One statement stamps every reader, in user id order (docs/reliability.md, "Lock order"): the
  -- owner on the row, each other member in member_changes. A single user's write finds no other
  -- member, and costs what one counter bump did before lists.`
    : probe === 'in the upsert'
      ? `
  -- A list with no member but its owner (every inbox): the owner's stamp on the row, one counter
  -- bump, as before lists, with the question of other members asked in the same statement (as a
  -- statement of its own, it was 3% of a toggle's instructions in PostgreSQL). No stamp: the list
  -- has other members (or the owner is being deleted), and the statement below stamps them all.
  INSERT INTO user_changes AS u (user_id, seq)
    SELECT v_owner, 1 WHERE EXISTS (SELECT 1 FROM users WHERE users.id = v_owner)
      AND NOT EXISTS (SELECT 1 FROM list_members m WHERE m.list_id = v_list AND m.user_id <> v_owner)
    ON CONFLICT (user_id) DO UPDATE SET seq = u.seq + 1
    RETURNING u.seq INTO v_stamp;
  IF v_stamp IS NOT NULL THEN
    NEW.change_seq := v_stamp;
    RETURN NEW;
  END IF;
  -- Otherwise one statement stamps every reader, in user id order (docs/reliability.md, "Lock
  -- order"): the owner on the row, each other member in member_changes.`
      : `
  -- A list with no member but its owner (every inbox): the owner's stamp on the row, one counter
  -- bump, as before lists.
  IF NOT EXISTS (SELECT 1 FROM list_members m WHERE m.list_id = v_list AND m.user_id <> v_owner) THEN
    INSERT INTO user_changes AS u (user_id, seq)
      SELECT v_owner, 1 WHERE EXISTS (SELECT 1 FROM users WHERE users.id = v_owner)
      ON CONFLICT (user_id) DO UPDATE SET seq = u.seq + 1
      RETURNING u.seq INTO v_stamp;
    IF v_stamp IS NOT NULL THEN NEW.change_seq := v_stamp; END IF;
    RETURN NEW;
  END IF;
  -- Otherwise one statement stamps every reader, in user id order (docs/reliability.md, "Lock
  -- order"): the owner on the row, each other member in member_changes.`;
  return `
CREATE OR REPLACE FUNCTION record_list_row_change() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  v_kind text := TG_ARGV[0];
  v_owner text;
  v_list integer;
  v_member text;
  v_stamp bigint;
BEGIN
  IF TG_OP = 'DELETE' THEN
    -- The whole list is going: its members hear of that once, from their memberships.
    IF NOT EXISTS (SELECT 1 FROM lists WHERE lists.id = OLD.list_id) THEN RETURN OLD; END IF;
    FOR v_member IN SELECT m.user_id FROM list_members m WHERE m.list_id = OLD.list_id ORDER BY 1 LOOP
      PERFORM tombstone_for(v_member, v_kind, OLD.id);
    END LOOP;
    RETURN OLD;
  END IF;
  IF v_kind = 'lists' THEN
    v_owner := NEW.owner_id;
    v_list := NEW.id;
  ELSE
    -- A task written without a list (a script, a seed) goes to its owner's inbox.
    IF TG_OP = 'INSERT' AND NEW.list_id IS NULL THEN
      NEW.list_id := (SELECT lists.id FROM lists WHERE lists.owner_id = NEW.user_id AND lists.is_inbox);
      NEW.created_by := COALESCE(NEW.created_by, NEW.user_id);
    END IF;
    -- A task belongs to its list's owner, subtasks carried along by a move included.
    IF TG_OP = 'UPDATE' AND OLD.list_id <> NEW.list_id THEN
      NEW.user_id := (SELECT lists.owner_id FROM lists WHERE lists.id = NEW.list_id);
      -- It leaves the view of those who read only the old list.
      FOR v_member IN SELECT m.user_id FROM list_members m WHERE m.list_id = OLD.list_id
                      EXCEPT SELECT m.user_id FROM list_members m WHERE m.list_id = NEW.list_id ORDER BY 1 LOOP
        PERFORM tombstone_for(v_member, v_kind, OLD.id);
      END LOOP;
    END IF;
    v_owner := NEW.user_id;
    v_list := NEW.list_id;
  END IF;${stampReaders}
  WITH readers AS (
    SELECT v_owner AS user_id
    UNION ALL
    SELECT m.user_id FROM list_members m WHERE m.list_id = v_list AND m.user_id <> v_owner
  ), bumped AS (
    INSERT INTO user_changes AS u (user_id, seq)
    SELECT r.user_id, 1 FROM readers r WHERE EXISTS (SELECT 1 FROM users WHERE users.id = r.user_id) ORDER BY r.user_id
    ON CONFLICT (user_id) DO UPDATE SET seq = u.seq + 1
    RETURNING u.user_id, u.seq
  ), stamped AS (
    INSERT INTO member_changes AS c (user_id, kind, id, list_id, change_seq)
    SELECT b.user_id, v_kind, NEW.id, v_list, b.seq FROM bumped b WHERE b.user_id <> v_owner
    ON CONFLICT ON CONSTRAINT member_changes_pkey DO UPDATE SET list_id = EXCLUDED.list_id, change_seq = EXCLUDED.change_seq
  )
  SELECT b.seq INTO v_stamp FROM bumped b WHERE b.user_id = v_owner;
  IF v_stamp IS NOT NULL THEN NEW.change_seq := v_stamp; END IF;
  RETURN NEW;
END $$`;
}

/** announce_user_changes(): by index lookups (up), or as migration 1764800000000 wrote it (down). */
function announceUserChanges(lookups: boolean): string {
  return lookups
    ? `
      CREATE OR REPLACE FUNCTION announce_user_changes(owners text[]) RETURNS void LANGUAGE sql AS $$
        SELECT pg_notify('user_changes', user_id || ':' || seq) FROM user_changes
         WHERE user_id IN (SELECT unnest(owners)
                           UNION
                           SELECT other.user_id FROM list_members mine
                             JOIN list_members other ON other.list_id = mine.list_id AND other.user_id <> mine.user_id
                            WHERE mine.user_id = ANY (owners))
      $$`
    : `
      CREATE OR REPLACE FUNCTION announce_user_changes(owners text[]) RETURNS void LANGUAGE sql AS $$
        SELECT pg_notify('user_changes', user_id || ':' || seq) FROM user_changes
         WHERE user_id = ANY (owners)
            OR user_id IN (SELECT other.user_id FROM list_members mine
                             JOIN list_members other ON other.list_id = mine.list_id AND other.user_id <> mine.user_id
                            WHERE mine.user_id = ANY (owners))
      $$`;
}
