import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { Statement } from '../database/statement.js';
import { transaction } from '../database/transaction.js';

declare const CLIENT_TRANSACTION: unique symbol;

/** One pushed mutation's transaction: only PushRepository opens one. */
export interface MutationTransaction {
  /** For UserWrites.enclose: the services' writes join it. */
  readonly db: EntityManager;
  readonly [CLIENT_TRANSACTION]: true;
}

/** The kinds of object a client's create can name (their tables). */
export type ObjectKind = 'tasks' | 'categories' | 'lists';

export interface PushClient {
  user_id: string;
  last_mutation_id: number;
}

export interface TempObject {
  temp_id: string;
  kind: ObjectKind;
  object_id: number;
  /** The create that made it. */
  mutation_id: number;
}

/**
 * Locks the client's row for the mutation's transaction, making it on the first push. Another
 * user's client is locked too but not returned (and not touched), so its owner stays the first pusher.
 */
const CLAIM = new Statement(
  `INSERT INTO sync_clients AS c (client_id, user_id) VALUES ($1, $2)
   ON CONFLICT (client_id) DO UPDATE SET last_push_at = now() WHERE c.user_id = excluded.user_id
   RETURNING c.last_mutation_id::float8 AS last_mutation_id`,
);
const ADVANCE = new Statement(`UPDATE sync_clients SET last_mutation_id = $2 WHERE client_id = $1`);
const FIND = new Statement(
  `SELECT user_id, last_mutation_id::float8 AS last_mutation_id FROM sync_clients WHERE client_id = $1`,
);
const RESOLVE = new Statement(
  `SELECT temp_id, kind, object_id, mutation_id::float8 AS mutation_id FROM sync_client_objects
    WHERE client_id = $1 AND temp_id = ANY ($2::text[])`,
);
const REMEMBER = new Statement(
  `INSERT INTO sync_client_objects (client_id, temp_id, kind, object_id, mutation_id) VALUES ($1, $2, $3, $4, $5)`,
);
const HEAD = new Statement('SELECT seq::float8 AS seq FROM user_changes WHERE user_id = $1');

/** The SQL of POST /api/sync/push: client counters (`sync_clients`) and temp ids (`sync_client_objects`). */
@Injectable()
export class PushRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Runs `work` in a transaction of its own (a mutation's). */
  inTransaction<T>(work: (tx: MutationTransaction) => Promise<T>): Promise<T> {
    return transaction(this.db, (db) => work({ db } as MutationTransaction));
  }

  /** The client's counter, its row locked until the transaction ends; undefined: another user's client. */
  async claim({ db: tx }: MutationTransaction, clientId: string, userId: string): Promise<number | undefined> {
    const [row] = await CLAIM.rows<{ last_mutation_id: number }>(tx, [clientId, userId]);
    return row?.last_mutation_id;
  }

  async advance({ db: tx }: MutationTransaction, clientId: string, mutationId: number): Promise<void> {
    await ADVANCE.rows(tx, [clientId, mutationId]);
  }

  /** Who the client belongs to and its counter, if it is known (in the snapshot of `db`, by default now). */
  async find(clientId: string, db: DataSource | EntityManager = this.db): Promise<PushClient | undefined> {
    const [row] = await FIND.rows<PushClient>(db, [clientId]);
    return row;
  }

  /** What these temp ids of the client name (those it knows), in `tx` or else as committed. */
  resolve(clientId: string, tempIds: string[], tx?: MutationTransaction): Promise<TempObject[]> {
    return RESOLVE.rows<TempObject>(tx?.db ?? this.db, [clientId, tempIds]);
  }

  async remember({ db: tx }: MutationTransaction, clientId: string, object: TempObject): Promise<void> {
    await REMEMBER.rows(tx, [clientId, object.temp_id, object.kind, object.object_id, object.mutation_id]);
  }

  /** The user's newest change stamp (0 before any). */
  async head(userId: string): Promise<number> {
    const [row] = await HEAD.rows<{ seq: number }>(this.db, [userId]);
    return row?.seq ?? 0;
  }

  /** Marks where the mutation's own effect begins, so a rule's failure undoes it alone. */
  async savepoint({ db }: MutationTransaction): Promise<void> {
    await db.query('SAVEPOINT mutation');
  }

  async rollbackToSavepoint({ db }: MutationTransaction): Promise<void> {
    await db.query('ROLLBACK TO SAVEPOINT mutation');
  }

  /**
   * Forgets clients (their counters and temp ids) with no push for `days` days, and older temp ids
   * of the others; how many clients went.
   */
  async purgeClients(days: number): Promise<number> {
    await this.db.query(`DELETE FROM sync_client_objects WHERE created_at < now() - make_interval(days => $1)`, [days]);
    const rows: unknown[] = await this.db.query(
      `DELETE FROM sync_clients WHERE last_push_at < now() - make_interval(days => $1) RETURNING 1`,
      [days],
    );
    return rows.length;
  }
}
