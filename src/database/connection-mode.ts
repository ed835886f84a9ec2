import { Logger } from '@nestjs/common';
import type { PoolClient } from 'pg';
import type { DataSource, EntityManager } from 'typeorm';

/** A statement that runs longer is cancelled (57014 -> 503) instead of holding a connection. */
export const STATEMENT_TIMEOUT_MS = 15_000;

export type PreparedStatements = 'auto' | 'on' | 'off';

/** How the app's pool reaches PostgreSQL: found once, when it first connects. */
export interface ConnectionMode {
  /**
   * A pooler sits between the app and PostgreSQL, so no session outlives a transaction: nothing may
   * be set per connection, and a named statement may be gone, or already there, at the next call.
   */
  pooled: boolean;
  /** Hot statements are prepared by name, once per connection (database/statement.ts). */
  namedStatements: boolean;
}

const DIRECT: ConnectionMode = { pooled: false, namedStatements: true };
const MODES = new WeakMap<DataSource, ConnectionMode>();

/** The mode of the data source `db` belongs to; a data source that never adopted one is direct. */
export function connectionModeOf(db: DataSource | EntityManager): ConnectionMode {
  return MODES.get('driver' in db ? db : db.connection) ?? DIRECT;
}

/**
 * Whether `client` reaches PostgreSQL through a pooler. PostgreSQL tells each client its backend's
 * process id (BackendKeyData, kept for cancelling); a pooler such as PgBouncer hands out keys of its
 * own instead, since the backend changes under the client. So the id the connection was given and
 * the one the backend reports differ exactly when something pools in between. The URLs of hosted
 * poolers (Supabase's port 6543, Neon's `-pooler` hosts) count too, in case one passes keys through.
 */
export async function throughPooler(client: PoolClient, url: string): Promise<boolean> {
  const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  return rows[0].pid !== (client as unknown as { processID: number }).processID || looksLikePoolerUrl(url);
}

export function looksLikePoolerUrl(url: string): boolean {
  const { hostname, port } = new URL(url);
  return port === '6543' || /-pooler\.|pooler\.supabase\.com$/i.test(hostname);
}

/**
 * Sets up each connection of the app's pool as it opens (pg-pool's `onConnect`, before the pool
 * lends it out); the first one also finds the mode:
 *
 * - Direct, each connection is a session of its own: it gets its session settings once, with a SET
 *   (not as startup parameters, which PgBouncer and others refuse): the statement timeout, and
 *   generic plans for prepared statements (SESSION_SETTINGS).
 * - Pooled, there is no session: transactions set the timeout for themselves (SET LOCAL, in
 *   database/transaction.ts), and hot statements are sent unnamed unless DB_PREPARED_STATEMENTS=on.
 *
 * Either way a connection on which a write met a read-only server (25006: the old primary after a
 * failover, or a standby) is closed once that statement has failed, so the pool opens a new one
 * through the endpoint, to the current primary, instead of lending the same one out again.
 */
export class ConnectionSetup {
  private found?: ConnectionMode;

  constructor(
    private readonly settings: { url: string; directUrlSet: boolean; preparedStatements: PreparedStatements },
  ) {}

  readonly onConnect = async (client: PoolClient): Promise<void> => {
    if (!this.found) {
      const pooled = await throughPooler(client, this.settings.url);
      const { preparedStatements } = this.settings;
      this.found ??= {
        pooled,
        namedStatements: preparedStatements === 'on' || (preparedStatements === 'auto' && !pooled),
      };
    }
    retireOnReadOnlyServer(client);
    if (!this.found.pooled) await client.query(SESSION_SETTINGS);
  };

  /** Gives `dataSource`, connected with `onConnect`, its mode, and says once at start-up what it is. */
  adopt(dataSource: DataSource): ConnectionMode {
    const mode = this.found;
    if (!mode) throw new Error('The database connected without ConnectionSetup.onConnect');
    MODES.set(dataSource, mode);
    const logger = new Logger('Database');
    const statements = mode.namedStatements
      ? 'hot statements prepared once per connection'
      : 'hot statements sent unnamed';
    if (!mode.pooled) logger.log(`Connected directly to PostgreSQL: ${statements}`);
    else logger.log(`Connected through a connection pooler: ${statements}, statement timeouts set per transaction`);
    if (mode.pooled && !this.settings.directUrlSet) {
      logger.warn(
        'DATABASE_URL goes through a connection pooler and DATABASE_DIRECT_URL is not set: live events need a ' +
          'session of their own to LISTEN on, so without it event streams hear of changes only at their periodic ' +
          'catch-up (EVENT_CATCH_UP_MS). Set DATABASE_DIRECT_URL to the direct (session) URL of the same database.',
      );
    }
    return mode;
  }
}

/**
 * A direct connection's settings, in one round trip.
 *
 * `plan_cache_mode = force_generic_plan`: every statement here is written for one plan whatever its
 * values (the caller, LIMIT and OFFSET behind sub-selects, statement.ts), and a named statement is
 * planned once per connection. Left to choose, PostgreSQL compares the generic plan's cost with the
 * average of every custom plan the statement has had on that connection. Those made while the tables
 * were small keep the average low long after they grew: once ANALYZE raised the generic plan's cost,
 * a connection opened before went back to planning every call, and stayed there for thousands of
 * calls (the bench's list page: planned on all 4,356 calls of a window, 541 µs of planning each on
 * top of 393 µs of execution, docs/performance.md). Through a pooler there is no session to set;
 * statements there are unnamed (planned on every call anyway) unless DB_PREPARED_STATEMENTS=on.
 */
const SESSION_SETTINGS = `SET statement_timeout = ${STATEMENT_TIMEOUT_MS}; SET plan_cache_mode = force_generic_plan`;

/** 25006 (read_only_sql_transaction): this connection reached a server that takes no writes. */
const READ_ONLY_SERVER = '25006';

function retireOnReadOnlyServer(client: PoolClient): void {
  const connection = (client as unknown as { connection: NodeJS.EventEmitter }).connection;
  connection.on('errorMessage', (message: { code?: string }) => {
    // After the statement's own error handling has run (synchronously, in this same event): the
    // statement still fails with its 25006, which is answered 503, and the pool, finding the client
    // ended when it comes back, drops it.
    if (message.code === READ_ONLY_SERVER) process.nextTick(() => void client.end());
  });
}
