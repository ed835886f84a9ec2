import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { pageBounds, Statement } from '../database/statement.js';
import type { UserTransaction, UserWrite } from '../database/user-writes.js';
import { listRole, memberships, type Role, type WithRole } from './list-access.js';

/** A list as one member sees it, as PostgreSQL returns it (counts are bigint, hence strings). */
export interface ListRow {
  id: number;
  owner_id: string;
  name: string;
  color: string;
  is_inbox: boolean;
  created_at: Date;
  updated_at: Date;
  version: number;
  /** The reader's role and their own place for the list. */
  role: Role;
  position: string;
  member_count: string;
  task_count: string;
  pending_count: string;
}

/** A list locked for a write, with the writer's role in it (null: not a member). */
export interface LockedList extends WithRole {
  id: number;
  version: number;
  is_inbox: boolean;
}

/** A list row with the reader's change stamp for it. */
export type StampedListRow = ListRow & { change_seq: number };

export type NewList = Pick<ListRow, 'name' | 'color'>;

/** The columns a write may set; absent ones keep their value. */
export type ListChanges = Partial<NewList>;

/** Where a list is to go in its reader's order: after a list (null: to the top) or before one. */
export type Anchor = { after: number | null } | { before: number };

/** The keys a moved list goes between (null: no list on that side). */
export interface Gap {
  /** False when the reader is no member of the moved list. */
  found: boolean;
  /** False when the anchor is not one of the reader's lists. */
  anchorFound: boolean;
  lower: string | null;
  upper: string | null;
}

/**
 * The lists `$1` is a member of that meet `where`, as they see them: their role and position, with
 * the list's counts (every task of the list, subtasks included).
 */
const viewOf = (where: string) => `
  SELECT l.id, l.owner_id, l.name, l.color, l.is_inbox, l.created_at, l.updated_at, l.version, m.role, m.position,
         (SELECT count(*) FROM list_members x WHERE x.list_id = l.id) AS member_count,
         counts.task_count, counts.pending_count
    FROM (${memberships('$1')}) AS m
    JOIN lists l ON l.id = m.list_id
   CROSS JOIN LATERAL (SELECT count(*) AS task_count, count(*) FILTER (WHERE NOT t.completed) AS pending_count
                         FROM tasks t WHERE t.list_id = l.id) AS counts
   WHERE ${where}`;

/**
 * GET /api/sync's: the reader's lists stamped for them after $2, oldest stamp first. A list's stamp
 * for a reader is the newest of the row's own (when they own it), theirs in member_changes (when
 * they do not), and their membership's (their role or position changed).
 */
const CHANGED_SINCE = new Statement(`
  SELECT l.id, l.owner_id, l.name, l.color, l.is_inbox, l.created_at, l.updated_at, l.version, m.role, m.position,
         (SELECT count(*) FROM list_members x WHERE x.list_id = l.id) AS member_count,
         counts.task_count, counts.pending_count, stamp.seq::float8 AS change_seq
    FROM list_members m
    JOIN lists l ON l.id = m.list_id
   CROSS JOIN LATERAL (
     SELECT GREATEST(m.change_seq, CASE WHEN l.owner_id = $1 THEN l.change_seq ELSE 0 END,
                     coalesce((SELECT c.change_seq FROM member_changes c
                                WHERE c.user_id = $1 AND c.kind = 'lists' AND c.id = l.id), 0)) AS seq) AS stamp
   CROSS JOIN LATERAL (SELECT count(*) AS task_count, count(*) FILTER (WHERE NOT t.completed) AS pending_count
                         FROM tasks t WHERE t.list_id = l.id) AS counts
   WHERE m.user_id = $1 AND stamp.seq > $2
   ORDER BY stamp.seq ${pageBounds('$3')}`);

/** The reader's order: the inbox first, then their positions, then ids. */
const ORDER = 'ORDER BY l.is_inbox DESC, m.position, l.id';
const FIND = new Statement(viewOf('l.id = $2'));

/**
 * The SQL of `lists` and of each member's order of their lists (`list_members.position`). Every read
 * is scoped by the reader's membership (list-access.ts), so a list they are not in looks like none.
 * Writes take the UserWrite that UserWrites hands out; their rules are ListsService's.
 */
@Injectable()
export class ListsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** The reader's lists changed for them after `after`, read with `db` (GET /api/sync's snapshot). */
  changedSince(db: EntityManager, userId: string, after: number, limit: number): Promise<StampedListRow[]> {
    return CHANGED_SINCE.rows(db, [userId, after, limit]);
  }

  list(userId: string): Promise<ListRow[]> {
    return this.db.query(`${viewOf('true')} ${ORDER}`, [userId]);
  }

  async find(userId: string, id: number): Promise<ListRow | null> {
    const [row] = await FIND.rows<ListRow>(this.db, [userId, id]);
    return row ?? null;
  }

  /** As `find`, for the writer, in the write's transaction (it sees what the write did). */
  async findIn(write: UserWrite, id: number): Promise<ListRow | null> {
    const [row]: ListRow[] = await write.db.query(viewOf('l.id = $2'), [write.userId, id]);
    return row ?? null;
  }

  /** The reader's role in the list, or null when they are not a member (or there is no such list). */
  async roleOf(userId: string, id: number): Promise<Role | null> {
    const [row]: { role: Role | null }[] = await this.db.query(`SELECT ${listRole('$1', '$2::int')} AS role`, [
      userId,
      id,
    ]);
    return row.role;
  }

  /**
   * Locks the list's row until the transaction ends, and reads the writer's role in it: membership
   * changes and invitations of one list take turns behind this lock, so counts against the limits
   * hold until commit. Null when there is no such list.
   */
  async lock(write: UserTransaction, id: number): Promise<LockedList | null> {
    const [row]: LockedList[] = await write.db.query(
      `SELECT l.id, l.version, l.is_inbox, ${listRole('$2', 'l.id')} AS role FROM lists l WHERE l.id = $1 FOR UPDATE`,
      [id, write.userId],
    );
    return row ?? null;
  }

  /**
   * Inserts the list, owned by the writer, with their owner membership at `position`, unless they
   * already own `limit` lists (the inbox included): null then. Run it serialized: its count sees
   * every creation committed before it.
   */
  async insertWithin(write: UserTransaction, list: NewList, position: string, limit: number): Promise<number | null> {
    const [row]: { list_id: number }[] = await write.db.query(
      `WITH created AS (
         INSERT INTO lists (owner_id, name, color)
         SELECT $1, $2, $3 WHERE (SELECT count(*) FROM lists WHERE owner_id = $1) < $4
         RETURNING id)
       INSERT INTO list_members (list_id, user_id, role, position) SELECT id, $1, 'owner', $5 FROM created
       RETURNING list_id`,
      [write.userId, list.name, list.color, limit, position],
    );
    return row?.list_id ?? null;
  }

  /** Sets the given columns of a list locked by `lock`; its version and updated_at move on. */
  async update(write: UserTransaction, id: number, changes: ListChanges): Promise<void> {
    await write.db.query(
      `UPDATE lists SET name = coalesce($2, name), color = coalesce($3, color), updated_at = now(), version = version + 1
        WHERE id = $1`,
      [id, changes.name ?? null, changes.color ?? null],
    );
  }

  /**
   * Deletes a list locked by `lock`, with its tasks, memberships and invitations (foreign keys), and
   * returns who were its members: they are no members once this commits, so announcements no longer
   * reach them through the list.
   */
  async delete(write: UserTransaction, id: number): Promise<string[]> {
    const members: { user_id: string }[] = await write.db.query(
      'SELECT user_id FROM list_members WHERE list_id = $1 ORDER BY user_id',
      [id],
    );
    await write.db.query('DELETE FROM lists WHERE id = $1', [id]);
    return members.map((member) => member.user_id);
  }

  /** The writer's last position among their lists (null: none). Run it serialized. */
  async lastPosition(write: UserWrite): Promise<string | null> {
    const [row]: { position: string | null }[] = await write.db.query(
      'SELECT max(position) AS position FROM list_members WHERE user_id = $1',
      [write.userId],
    );
    return row.position;
  }

  /** The gap `anchor` names for the writer's list `id`, in the writer's order, the moved list left out. */
  async gap(write: UserTransaction, id: number, anchor: Anchor): Promise<Gap> {
    const [moved]: unknown[] = await write.db.query('SELECT 1 FROM list_members WHERE list_id = $1 AND user_id = $2', [
      id,
      write.userId,
    ]);
    if (!moved) return { found: false, anchorFound: false, lower: null, upper: null };
    if ('after' in anchor && anchor.after === null) {
      const [first]: { position: string }[] = await write.db.query(
        'SELECT position FROM list_members WHERE user_id = $2 AND list_id <> $1 ORDER BY position LIMIT 1',
        [id, write.userId],
      );
      return { found: true, anchorFound: true, lower: null, upper: first?.position ?? null };
    }
    const after = 'after' in anchor;
    const [row]: { anchor: string; neighbour: string | null }[] = await write.db.query(
      `SELECT a.position AS anchor,
              (SELECT position FROM list_members
                WHERE user_id = $2 AND list_id <> $1 AND position ${after ? '>' : '<'} a.position
                ORDER BY position ${after ? '' : 'DESC'} LIMIT 1) AS neighbour
         FROM list_members a WHERE a.list_id = $3 AND a.user_id = $2`,
      [id, write.userId, after ? anchor.after : anchor.before],
    );
    if (!row) return { found: true, anchorFound: false, lower: null, upper: null };
    return after
      ? { found: true, anchorFound: true, lower: row.anchor, upper: row.neighbour }
      : { found: true, anchorFound: true, lower: row.neighbour, upper: row.anchor };
  }

  /** Puts the writer's list `id` at `position` in their order. */
  async setPosition(write: UserWrite, id: number, position: string): Promise<void> {
    await write.db.query('UPDATE list_members SET position = $3 WHERE list_id = $1 AND user_id = $2', [
      id,
      write.userId,
      position,
    ]);
  }

  /** The writer's lists (ids) in their order. */
  async order(write: UserTransaction): Promise<number[]> {
    const rows: { list_id: number }[] = await write.db.query(
      'SELECT list_id FROM list_members WHERE user_id = $1 ORDER BY position, list_id',
      [write.userId],
    );
    return rows.map((row) => row.list_id);
  }

  /** Gives the writer's lists `ids` the keys `positions`, one for one, in one statement. */
  async reposition(write: UserTransaction, ids: number[], positions: string[]): Promise<void> {
    await write.db.query(
      `UPDATE list_members m SET position = k.position
         FROM unnest($2::int[], $3::text[]) AS k(list_id, position)
        WHERE m.user_id = $1 AND m.list_id = k.list_id`,
      [write.userId, ids, positions],
    );
  }
}
