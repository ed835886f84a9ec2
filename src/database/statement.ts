import { createHash } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import { type DataSource, type EntityManager, QueryFailedError } from 'typeorm';
import { connectionModeOf } from './connection-mode.js';
import { currentEnclosure } from './enclosure.js';

const BUILT = new Map<string, Statement>();
const MAX_BUILT = 500;

/**
 * A hot statement, prepared once per connection. TypeORM's queries are unnamed, so parsed and planned
 * on every call: for the toggle's, half of PostgreSQL's work (pgbench, 8 clients: 2,950/s unnamed,
 * 5,700 prepared). It runs on TypeORM's pool or the transaction's connection and fails with
 * QueryFailedError, so callers and the error mapping cannot tell it from `db.query()`, except that an
 * UPDATE or DELETE returns its rows only. Named after its text: one text never has two names.
 *
 * Through a pooler that cannot keep named statements (a transaction-mode PgBouncer before 1.21)
 * every statement is sent unnamed instead: see connection-mode.ts and DB_PREPARED_STATEMENTS.
 */
export class Statement {
  readonly name?: string;

  /** `named` false: sent unnamed, like `db.query()` (for texts too many to keep prepared). */
  constructor(
    readonly text: string,
    readonly named = true,
  ) {
    if (named) this.name = `todo_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
  }

  /**
   * The statement for a text built at run time from a fixed set of pieces (a list's filters, an
   * update's columns): prepared up to MAX_BUILT texts per process, then unnamed, so no input can
   * grow the connections' statements without limit.
   */
  static built(text: string): Statement {
    let statement = BUILT.get(text);
    if (!statement) {
      statement = new Statement(text, BUILT.size < MAX_BUILT);
      if (statement.named) BUILT.set(text, statement);
    }
    return statement;
  }

  /** On `db`; one meant for the pool joins the enclosing transaction when there is one (enclosure.ts). */
  async rows<T>(db: DataSource | EntityManager, values: unknown[]): Promise<T[]> {
    if (!('queryRunner' in db)) db = currentEnclosure()?.db ?? db;
    const name = connectionModeOf(db).namedStatements ? this.name : undefined;
    const query = { name, text: this.text, values };
    const runner = 'queryRunner' in db ? db.queryRunner : undefined;
    // A transaction's statement runs on the transaction's connection or not at all: once its runner
    // is released (the connection was lost), running it on the pool would commit it on its own.
    if (runner?.isReleased) throw new QueryFailedError(this.text, values, transactionConnectionLost());
    try {
      if (runner) return (await ((await runner.connect()) as PoolClient).query(query)).rows as T[];
      const pool = (('driver' in db ? db.driver : db.connection.driver) as unknown as { master: Pool }).master;
      return (await pool.query(query)).rows as T[];
    } catch (error) {
      throw new QueryFailedError(this.text, values, error as Error);
    }
  }
}

/** 08003 (connection_does_not_exist): answered 503, as any lost connection is. */
const transactionConnectionLost = () =>
  Object.assign(new Error("The transaction's connection was lost"), { code: '08003' });

/**
 * LIMIT and OFFSET as sub-selects of the parameters. Given `LIMIT $n`, the plan cache compares a
 * custom plan, which sees n, with the generic one, which guesses a tenth of the rows: for a small page
 * of a long list the generic plan always looks dearer, and every call is planned afresh. Behind a
 * sub-select no plan sees n (the other parameters still may decide). Same rows, same order.
 */
export const pageBounds = (limit: string, offset?: string) =>
  `LIMIT (SELECT ${limit}::int)${offset ? ` OFFSET (SELECT ${offset}::int)` : ''}`;

/**
 * A parameter behind a sub-select, so that no plan sees its value: for the caller of a statement whose
 * plan should not depend on which user asks. A custom plan for a user with few tasks looks cheaper
 * than the generic one (which guesses an average user) and wins, so without it every call is planned
 * afresh. Same value, same rows.
 */
export const opaqueParam = (param: string, type: string) => `(SELECT ${param}::${type})`;
