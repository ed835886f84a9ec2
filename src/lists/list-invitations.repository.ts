import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { UserTransaction } from '../database/user-writes.js';
import type { INVITED_ROLES } from './list-access.js';

export type InvitedRole = (typeof INVITED_ROLES)[number];

export interface InvitationRow {
  code: string;
  role: InvitedRole;
  expires_at: Date;
}

/** An open invitation: not expired (used and revoked ones are deleted). */
const OPEN = 'expires_at > now()';

/**
 * The SQL of `list_invitations`. Only open invitations are ever read or used; expired ones are
 * dropped when their list gets a new one. Writes run under the list's lock (ListsRepository.lock).
 */
@Injectable()
export class ListInvitationsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** The list's open invitations, oldest first. */
  list(listId: number): Promise<InvitationRow[]> {
    return this.db.query(
      `SELECT code, role, expires_at FROM list_invitations WHERE list_id = $1 AND ${OPEN} ORDER BY created_at, code`,
      [listId],
    );
  }

  /** How many invitations of the list are open (expired ones are dropped on the way). */
  async openCount(write: UserTransaction, listId: number): Promise<number> {
    await write.db.query(`DELETE FROM list_invitations WHERE list_id = $1 AND NOT (${OPEN})`, [listId]);
    const [row]: { count: number }[] = await write.db.query(
      'SELECT count(*)::int AS count FROM list_invitations WHERE list_id = $1',
      [listId],
    );
    return row.count;
  }

  async insert(
    write: UserTransaction,
    listId: number,
    invitation: { code: string; role: InvitedRole; days: number },
  ): Promise<InvitationRow> {
    const [row]: InvitationRow[] = await write.db.query(
      `INSERT INTO list_invitations (code, list_id, role, expires_at) VALUES ($1, $2, $3, now() + make_interval(days => $4))
       RETURNING code, role, expires_at`,
      [invitation.code, listId, invitation.role, invitation.days],
    );
    return row;
  }

  /** Revokes an open invitation of the list: false when it has none such. */
  async revoke(write: UserTransaction, listId: number, code: string): Promise<boolean> {
    const rows: unknown[] = await write.db.query(
      `WITH gone AS (DELETE FROM list_invitations WHERE code = $1 AND list_id = $2 AND ${OPEN} RETURNING 1)
       SELECT 1 FROM gone`,
      [code, listId],
    );
    return rows.length > 0;
  }

  /** The list an open code invites to, read without a lock (`take` decides). */
  async findOpen(write: UserTransaction, code: string): Promise<{ list_id: number } | null> {
    const [row]: { list_id: number }[] = await write.db.query(
      `SELECT list_id FROM list_invitations WHERE code = $1 AND ${OPEN}`,
      [code],
    );
    return row ?? null;
  }

  // A bare DELETE's result is TypeORM's [rows, count]: each is read through a CTE, as a SELECT.

  /**
   * Uses an open code up: deletes it and returns its role, or null when it is no longer open. Of two
   * concurrent takes of one code, the second's DELETE finds the row gone once the first commits.
   */
  async take(write: UserTransaction, code: string): Promise<{ role: InvitedRole } | null> {
    const [row]: { role: InvitedRole }[] = await write.db.query(
      `WITH gone AS (DELETE FROM list_invitations WHERE code = $1 AND ${OPEN} RETURNING role) SELECT role FROM gone`,
      [code],
    );
    return row ?? null;
  }
}
