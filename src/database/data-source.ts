import { Logger } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource, type DataSourceOptions, MigrationExecutor } from 'typeorm';
import { toProblem } from '../common/problem.js';
import { ConnectionSetup, type PreparedStatements, throughPooler } from './connection-mode.js';
import { InitialSchema1763800000000 } from './migrations/1763800000000-initial-schema.js';
import { AuthRateLimits1763900000000 } from './migrations/1763900000000-auth-rate-limits.js';
import { IdempotencyKeys1764000000000 } from './migrations/1764000000000-idempotency-keys.js';
import { RefreshTokenOwner1764100000000 } from './migrations/1764100000000-refresh-token-owner.js';
import { Categories1764200000000 } from './migrations/1764200000000-categories.js';
import { TaskPosition1764300000000 } from './migrations/1764300000000-task-position.js';
import { TaskReminders1764300000001 } from './migrations/1764300000001-task-reminders.js';
import { TaskRecurrence1764300000002 } from './migrations/1764300000002-task-recurrence.js';
import { SyncCursor1764400000000 } from './migrations/1764400000000-sync-cursor.js';
import { CategorySync1764500000000 } from './migrations/1764500000000-category-sync.js';
import { AnnounceAfterCommit1764600000000 } from './migrations/1764600000000-announce-after-commit.js';
import { IdempotencyScope1764700000000 } from './migrations/1764700000000-idempotency-scope.js';
import { Lists1764800000000 } from './migrations/1764800000000-lists.js';
import { SingleUserWrites1764850000000 } from './migrations/1764850000000-single-user-writes.js';
import { SyncPush1764900000000 } from './migrations/1764900000000-sync-push.js';
import { DropTasksUserIdIdKey1765000000000 } from './migrations/1765000000000-drop-tasks-user-id-id-key.js';
import { StampInOneStatement1765100000000 } from './migrations/1765100000000-stamp-in-one-statement.js';
import { useFastTimestamps } from './timestamps.js';

export const MIGRATIONS = [
  InitialSchema1763800000000,
  AuthRateLimits1763900000000,
  IdempotencyKeys1764000000000,
  RefreshTokenOwner1764100000000,
  Categories1764200000000,
  TaskPosition1764300000000,
  TaskReminders1764300000001,
  TaskRecurrence1764300000002,
  SyncCursor1764400000000,
  CategorySync1764500000000,
  AnnounceAfterCommit1764600000000,
  IdempotencyScope1764700000000,
  Lists1764800000000,
  SingleUserWrites1764850000000,
  SyncPush1764900000000,
  DropTasksUserIdIdKey1765000000000,
  StampInOneStatement1765100000000,
];

/** Any constant: serialises migrations when several instances start at once. */
const MIGRATION_LOCK = 727_073_691;

export interface DatabaseSettings {
  url: string;
  poolSize: number;
  poolRecycleSeconds: number;
}

/** What opening the app's database needs besides the pool's own settings (the `database` namespace). */
export interface OpenSettings extends DatabaseSettings {
  directUrl: string;
  directUrlSet: boolean;
  preparedStatements: PreparedStatements;
  connectAttempts: number;
  connectRetryDelayMs: number;
}

/**
 * One definition of the connection, shared by the app and the TypeORM CLI. Entities are not listed
 * here: the feature modules register their own (the CLI takes them from src/entities.ts).
 */
export function dataSourceOptions(settings: DatabaseSettings): DataSourceOptions {
  // The process's pg clients, these included, parse timestamptz on a fast path (timestamps.ts).
  useFastTimestamps();
  return {
    type: 'postgres',
    url: settings.url,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    synchronize: false,
    migrationsRun: false,
    // The schema is the migrations' business, and gen_random_uuid() is built in since PostgreSQL 13:
    // no extension to install on connect, and generated migrations default uuids the same way.
    installExtensions: false,
    uuidExtension: 'pgcrypto',
    applicationName: 'todo-api',
    connectTimeoutMS: 5_000,
    extra: {
      max: settings.poolSize,
      // Replace connections regularly so a failover or a proxy's idle cut never leaves stale ones.
      maxLifetimeSeconds: settings.poolRecycleSeconds || undefined,
      idleTimeoutMillis: 30_000,
      keepAlive: true,
      // No startup parameters beyond the user, database and application name: poolers refuse the
      // others (PgBouncer: "unsupported startup parameter"). The statement timeout is set per
      // session or per transaction instead (connection-mode.ts).
    },
  };
}

/**
 * Connects, retrying while the database is unreachable (each try bounded by connectTimeoutMS), and
 * gives up after `attempts` with one sentence that says where it tried and why it failed. Other
 * failures (a wrong password, a missing database) are not retried: waiting will not fix them.
 */
export async function connectWithRetry(
  options: DataSourceOptions,
  attempts: number,
  delayMs: number,
): Promise<DataSource> {
  const logger = new Logger('Database');
  const where = describeTarget(options);
  for (let attempt = 1; ; attempt++) {
    try {
      return await new DataSource(options).initialize();
    } catch (error) {
      const reason = reasonOf(error);
      const unreachable = toProblem(error).status === 503;
      if (!unreachable || attempt >= attempts) {
        const tries = unreachable ? ` after ${attempt} attempt${attempt > 1 ? 's' : ''}` : '';
        throw new Error(`could not connect to the database at ${where}${tries}: ${reason}`);
      }
      logger.warn(
        `The database at ${where} is not reachable (${reason}); attempt ${attempt} of ${attempts} failed, retrying in ${delayMs} ms`,
      );
      await sleep(delayMs);
    }
  }
}

/** host:port/database, never the credentials. */
function describeTarget(options: DataSourceOptions): string {
  const url = new URL((options as { url: string }).url);
  return `${url.hostname}:${url.port || 5432}${url.pathname}`;
}

/** Node reports a refused connection to every address of a host as an AggregateError with no message. */
function reasonOf(error: unknown): string {
  const { message, code } = error as { message?: string; code?: string };
  return message || code || String(error);
}

/**
 * Opens the app's database: runs pending migrations over the direct URL, then connects the pool
 * (DATABASE_URL, which may be a transaction pooler) and finds out how it reaches PostgreSQL.
 */
export async function openDatabase(options: DataSourceOptions, settings: OpenSettings): Promise<DataSource> {
  const { connectAttempts: attempts, connectRetryDelayMs: delayMs } = settings;
  const migrator = await connectWithRetry(
    dataSourceOptions({ url: settings.directUrl, poolSize: 1, poolRecycleSeconds: 0 }),
    attempts,
    delayMs,
  );
  try {
    await runMigrations(migrator, settings.directUrlSet);
  } finally {
    await migrator.destroy();
  }
  const setup = new ConnectionSetup(settings);
  const extra = { ...(options.extra as object), onConnect: setup.onConnect };
  const dataSource = await connectWithRetry({ ...options, extra }, attempts, delayMs);
  setup.adopt(dataSource);
  return dataSource;
}

/**
 * Runs pending migrations in one transaction that first takes an advisory lock, so instances that
 * start together migrate one after another, and a failed migration leaves none of them applied. The
 * lock is the transaction's (pg_advisory_xact_lock): a session lock taken through a transaction
 * pooler would stay behind on whichever server connection took it.
 */
export async function runMigrations(dataSource: DataSource, directUrlSet = false): Promise<void> {
  const runner = dataSource.createQueryRunner();
  try {
    const connection = (await runner.connect()) as PoolClient;
    if (directUrlSet && (await throughPooler(connection, (dataSource.options as { url: string }).url))) {
      new Logger('Database').warn(
        'DATABASE_DIRECT_URL goes through a connection pooler too: live events need a session of their own ' +
          "to LISTEN on. Use the database's direct (or session-mode) URL.",
      );
    }
    await runner.startTransaction();
    await runner.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    const executor = new MigrationExecutor(dataSource, runner);
    executor.transaction = 'all';
    await executor.executePendingMigrations();
    await runner.commitTransaction();
  } catch (error) {
    if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
    throw error;
  } finally {
    await runner.release();
  }
}
