import { Statement } from '../database/statement.js';
import { Injectable } from '@nestjs/common';
import type { UserWrite } from '../database/user-writes.js';
import { taskAccessible } from '../lists/list-access.js';
import type { Placement } from './tasks.repository.js';

/** Where a task is to go: after a task (null: to the top) or before one. */
export type Anchor = { after: number | null } | { before: number };

/** The keys a moved task goes between (null: no task on that side), read under the task's row lock. */
export interface Gap {
  /** The moved task's version, or null when the caller cannot read such a task. */
  version: number | null;
  /** Whether the caller may write the moved task. */
  allowed: boolean;
  /** False when the anchor is not a sibling of the moved task (same list, same parent). */
  anchorFound: boolean;
  lower: string | null;
  upper: string | null;
}

/**
 * Siblings: a list's top level, or a parent's subtasks, as a condition on `row` with the list or
 * parent id in parameter `param`. Each reads its own partial index in position order
 * (tasks_list_top_position_key, tasks_parent_position_key).
 */
export interface SiblingGroup {
  list_id: number;
  parent_id: number | null;
}
const siblingsOf = (group: SiblingGroup, param: string, row = 'tasks') =>
  group.parent_id === null ? `${row}.list_id = ${param} AND ${row}.parent_id IS NULL` : `${row}.parent_id = ${param}`;
const groupValue = (group: SiblingGroup) => group.parent_id ?? group.list_id;

// Every create and every move runs these: prepared once per connection (database/statement.ts).
// The top of the caller's inbox is the hot path; the others name the list (and parent).
const LAST_IN_INBOX = new Statement(
  `SELECT position FROM tasks WHERE list_id = (SELECT id FROM lists WHERE owner_id = $1 AND is_inbox)
      AND parent_id IS NULL ORDER BY position DESC LIMIT 1`,
);
const LAST_AT_TOP = new Statement(
  'SELECT position FROM tasks WHERE list_id = $1 AND parent_id IS NULL ORDER BY position DESC LIMIT 1',
);
const LAST_CHILD = new Statement(
  'SELECT position FROM tasks WHERE list_id = $1 AND parent_id = $2 ORDER BY position DESC LIMIT 1',
);
const LOCK_MOVED = new Statement(
  `SELECT version, list_id, parent_id, ${taskAccessible('$2', 'write')} AS allowed FROM tasks
    WHERE id = $1 AND ${taskAccessible('$2')} FOR UPDATE OF tasks`,
);
const GROUP = new Statement('SELECT list_id, parent_id FROM tasks WHERE id = $1');
/** The first sibling other than task $1, in group $2. */
const firstOther = (group: SiblingGroup) =>
  Statement.built(`SELECT position FROM tasks WHERE ${siblingsOf(group, '$2')} AND id <> $1 ORDER BY position LIMIT 1`);
/** Anchor $3's position, if it is in group $2, and its neighbour on the open side, task $1 left out. */
const anchored = (group: SiblingGroup, side: 'after' | 'before') =>
  Statement.built(
    `SELECT anchor.position AS anchor,
            (SELECT position FROM tasks WHERE ${siblingsOf(group, '$2')} AND id <> $1
                AND position ${side === 'after' ? '>' : '<'} anchor.position
              ORDER BY position${side === 'after' ? '' : ' DESC'} LIMIT 1) AS neighbour
       FROM tasks AS anchor WHERE anchor.id = $3 AND ${siblingsOf(group, '$2', 'anchor')}`,
  );

/**
 * The SQL of the manual order (`tasks.position`). Reads that a move writes from run under the
 * user's write lock (UserWrites.runSerialized), so two moves never read the same gap.
 */
@Injectable()
export class TaskOrderRepository {
  /** The last position among the tasks at `place`, or null when there is none. */
  async last(write: UserWrite, place: Placement): Promise<string | null> {
    const [row] =
      place.listId === null
        ? await LAST_IN_INBOX.rows<{ position: string }>(write.db, [write.userId])
        : place.parentId === null
          ? await LAST_AT_TOP.rows<{ position: string }>(write.db, [place.listId])
          : await LAST_CHILD.rows<{ position: string }>(write.db, [place.listId, place.parentId]);
    return row?.position ?? null;
  }

  /** Locks task `id` and reads the gap `anchor` names for it among its siblings. */
  async gap(write: UserWrite, id: number, anchor: Anchor): Promise<Gap> {
    const [moved] = await LOCK_MOVED.rows<SiblingGroup & { version: number; allowed: boolean }>(write.db, [
      id,
      write.userId,
    ]);
    const none = { anchorFound: false, lower: null, upper: null };
    if (!moved) return { version: null, allowed: false, ...none };
    const found = { version: moved.version, allowed: moved.allowed };
    if (!moved.allowed) return { ...found, ...none };
    if ('after' in anchor && anchor.after === null) {
      const [first] = await firstOther(moved).rows<{ position: string }>(write.db, [id, groupValue(moved)]);
      return { ...found, anchorFound: true, lower: null, upper: first?.position ?? null };
    }
    const side = 'after' in anchor ? 'after' : 'before';
    const [row] = await anchored(moved, side).rows<{ anchor: string; neighbour: string | null }>(write.db, [
      id,
      groupValue(moved),
      'after' in anchor ? anchor.after : anchor.before,
    ]);
    if (!row) return { ...found, ...none };
    return side === 'after'
      ? { ...found, anchorFound: true, lower: row.anchor, upper: row.neighbour }
      : { ...found, anchorFound: true, lower: row.neighbour, upper: row.anchor };
  }

  /** How many siblings task `id` has (itself included), and their last position. */
  async extent(write: UserWrite, id: number): Promise<{ count: number; last: string | null }> {
    const [group] = await GROUP.rows<SiblingGroup>(write.db, [id]);
    const [row]: { count: number; last: string | null }[] = await write.db.query(
      `SELECT count(*)::int AS count, max(position) AS last FROM tasks WHERE ${siblingsOf(group, '$1')}`,
      [groupValue(group)],
    );
    return row;
  }

  /**
   * Gives the siblings of task `id` (itself included) `keys` (as many as they are, ascending, all
   * after every current key, so no row takes a key another still holds) in their current order, in
   * one statement, bumping each version (the position is in the body). The rows are locked first,
   * in id order (docs/reliability.md).
   */
  async rewrite(write: UserWrite, id: number, keys: string[]): Promise<void> {
    const [group] = await GROUP.rows<SiblingGroup>(write.db, [id]);
    await write.db.query(
      `WITH siblings AS (
         SELECT tasks.id, row_number() OVER (ORDER BY tasks.position) AS n FROM tasks WHERE ${siblingsOf(group, '$1')})
       UPDATE tasks SET position = ($2::text[])[siblings.n], version = version + 1
         FROM siblings
        WHERE tasks.id = siblings.id
          AND tasks.id = ANY (ARRAY(SELECT id FROM tasks WHERE id IN (SELECT id FROM siblings) ORDER BY id FOR UPDATE))`,
      [groupValue(group), keys],
    );
  }
}
