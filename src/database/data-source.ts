import { Logger } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { toProblem } from '../common/problem.js';
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
];

/** Any constant: serialises migrations when several instances start at once. */
const MIGRATION_LOCK = 727_073_691;

export interface DatabaseSettings {
  url: string;
  poolSize: number;
  poolRecycleSeconds: number;
}

/**
 * One definition of the connection, shared by the app and the TypeORM CLI. Entities are not listed
 * here: the feature modules register their own (the CLI takes them from src/entities.ts).
 */
export function dataSourceOptions(settings: DatabaseSettings): DataSourceOptions {
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
      // A statement that runs away is cancelled (57014 -> 503) instead of holding a connection.
      statement_timeout: 15_000,
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

/** Runs pending migrations under an advisory lock, before the app serves any request. */
export async function runMigrations(dataSource: DataSource): Promise<void> {
  const lock = dataSource.createQueryRunner();
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await dataSource.runMigrations({ transaction: 'each' });
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    await lock.release();
  }
}
