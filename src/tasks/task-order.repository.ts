import { Statement } from '../database/statement.js';
import { Injectable } from '@nestjs/common';
import type { UserWrite } from '../database/user-writes.js';

/** Where a task is to go: after a task (null: to the top) or before one. */
export type Anchor = { after: number | null } | { before: number };

/** The keys a moved task goes between (null: no task on that side), read under the task's row lock. */
export interface Gap {
  /** The moved task's version, or null when the user has no such task. */
  version: number | null;
  /** False when the anchor is not one of the user's tasks. */
  anchorFound: boolean;
  lower: string | null;
  upper: string | null;
}

/** The neighbour on the open side of the anchor, the moved task left out. */
const NEIGHBOUR = {
  after: `(SELECT position FROM tasks WHERE user_id = $2 AND id <> $1 AND position > anchor.position
            ORDER BY position LIMIT 1)`,
  before: `(SELECT position FROM tasks WHERE user_id = $2 AND id <> $1 AND position < anchor.position
             ORDER BY position DESC LIMIT 1)`,
};

// Every create and every move runs these: prepared once per connection (database/statement.ts).
const LAST = new Statement('SELECT position FROM tasks WHERE user_id = $1 ORDER BY position DESC LIMIT 1');
const LOCK_MOVED = new Statement('SELECT version FROM tasks WHERE id = $1 AND user_id = $2 FOR UPDATE');
const FIRST_OTHER = new Statement(
  'SELECT position FROM tasks WHERE user_id = $2 AND id <> $1 ORDER BY position LIMIT 1',
);

/**
 * The SQL of the manual order (`tasks.position`). Reads that a move writes from run under the
 * user's write lock (UserWrites.runSerialized), so two moves never read the same gap.
 */
@Injectable()
export class TaskOrderRepository {
  /** The user's last position, or null when they have no task. */
  async last(write: UserWrite): Promise<string | null> {
    const [row] = await LAST.rows<{ position: string }>(write.db, [write.userId]);
    return row?.position ?? null;
  }

  /** Locks task `id` and reads the gap `anchor` names for it. */
  async gap(write: UserWrite, id: number, anchor: Anchor): Promise<Gap> {
    const [moved] = await LOCK_MOVED.rows<{ version: number }>(write.db, [id, write.userId]);
    if (!moved) return { version: null, anchorFound: false, lower: null, upper: null };
    if ('after' in anchor && anchor.after === null) {
      const [first] = await FIRST_OTHER.rows<{ position: string }>(write.db, [id, write.userId]);
      return { version: moved.version, anchorFound: true, lower: null, upper: first?.position ?? null };
    }
    const side = 'after' in anchor ? 'after' : 'before';
    const [row] = await Statement.built(
      `SELECT anchor.position AS anchor, ${NEIGHBOUR[side]} AS neighbour
         FROM tasks AS anchor WHERE anchor.id = $3 AND anchor.user_id = $2`,
    ).rows<{ anchor: string; neighbour: string | null }>(write.db, [
      id,
      write.userId,
      'after' in anchor ? anchor.after : anchor.before,
    ]);
    if (!row) return { version: moved.version, anchorFound: false, lower: null, upper: null };
    return side === 'after'
      ? { version: moved.version, anchorFound: true, lower: row.anchor, upper: row.neighbour }
      : { version: moved.version, anchorFound: true, lower: row.neighbour, upper: row.anchor };
  }

  /** How many tasks the user has, and their last position. */
  async extent(write: UserWrite): Promise<{ count: number; last: string | null }> {
    const [row]: { count: number; last: string | null }[] = await write.db.query(
      'SELECT count(*)::int AS count, max(position) AS last FROM tasks WHERE user_id = $1',
      [write.userId],
    );
    return row;
  }

  /**
   * Gives the user's tasks `keys` (as many as they have, ascending, all after every current key, so no
   * row takes a key another still holds) in their current order, in one statement, bumping each
   * version (the position is in the body). The rows are locked first, in id order (docs/reliability.md).
   */
  async rewrite(write: UserWrite, keys: string[]): Promise<void> {
    await write.db.query(
      `UPDATE tasks SET position = ($2::text[])[ranked.n], version = version + 1
         FROM (SELECT id, row_number() OVER (ORDER BY position) AS n FROM tasks WHERE user_id = $1) AS ranked
        WHERE tasks.id = ranked.id AND tasks.user_id = $1
          AND tasks.id = ANY (ARRAY(SELECT id FROM tasks WHERE user_id = $1 ORDER BY id FOR UPDATE))`,
      [write.userId, keys],
    );
  }
}
