import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { UserTransaction } from '../database/user-writes.js';
import type { Role } from './list-access.js';

/** A member of a list with their account's name and email. */
export interface MemberRow {
  user_id: string;
  email: string | null;
  name: string;
  role: Role;
  joined_at: Date;
}

const WITH_USER = `SELECT m.user_id, u.email, u.name, m.role, m.joined_at FROM members m JOIN users u ON u.id = m.user_id`;

/**
 * The SQL of `list_members` as a list's members: who they are, their roles, joining and leaving.
 * Callers check the caller's own role first (list-access.ts); writes run under the list's lock
 * (ListsRepository.lock).
 */
@Injectable()
export class ListMembersRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** The list's members: the owner first, then by when they joined. */
  list(listId: number): Promise<MemberRow[]> {
    return this.db.query(
      `WITH members AS (SELECT * FROM list_members WHERE list_id = $1)
       ${WITH_USER} ORDER BY m.role = 'owner' DESC, m.joined_at, m.user_id`,
      [listId],
    );
  }

  async find(write: UserTransaction, listId: number, userId: string): Promise<MemberRow | null> {
    const [row]: MemberRow[] = await write.db.query(
      `WITH members AS (SELECT * FROM list_members WHERE list_id = $1 AND user_id = $2) ${WITH_USER}`,
      [listId, userId],
    );
    return row ?? null;
  }

  async count(write: UserTransaction, listId: number): Promise<number> {
    const [row]: { count: number }[] = await write.db.query(
      'SELECT count(*)::int AS count FROM list_members WHERE list_id = $1',
      [listId],
    );
    return row.count;
  }

  async setRole(write: UserTransaction, listId: number, userId: string, role: Role): Promise<MemberRow> {
    const [row]: MemberRow[] = await write.db.query(
      `WITH members AS (UPDATE list_members SET role = $3 WHERE list_id = $1 AND user_id = $2 RETURNING *) ${WITH_USER}`,
      [listId, userId, role],
    );
    return row;
  }

  /** Makes the writer a member of the list with `role`, at `position` in their own order. */
  async join(write: UserTransaction, listId: number, role: Role, position: string): Promise<void> {
    await write.db.query('INSERT INTO list_members (list_id, user_id, role, position) VALUES ($1, $2, $3, $4)', [
      listId,
      write.userId,
      role,
      position,
    ]);
  }

  /**
   * Ends `userId`'s membership: the list's tasks assigned to them are unassigned first (their rows
   * locked in id order, then written, as docs/reliability.md's lock order wants), then the row goes;
   * its delete trigger drops their labels on the list's tasks.
   */
  async remove(write: UserTransaction, listId: number, userId: string): Promise<void> {
    await write.db.query(
      `UPDATE tasks SET assignee_id = NULL, updated_at = now(), version = version + 1
        WHERE id = ANY (ARRAY(SELECT id FROM tasks WHERE list_id = $1 AND assignee_id = $2 ORDER BY id FOR UPDATE))`,
      [listId, userId],
    );
    await write.db.query('DELETE FROM list_members WHERE list_id = $1 AND user_id = $2', [listId, userId]);
  }
}
