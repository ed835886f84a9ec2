import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
// The only imports from src/ for the medium specs: when a class moves, fix its path here.
import { AppModule } from '../../src/app.module.js';
import { UsersService } from '../../src/auth/users.service.js';
import { CategoriesService } from '../../src/categories/categories.service.js';
import { etagOf, VERSION } from '../../src/common/etag.js';
import { type Problem, toProblem } from '../../src/common/problem.js';
import { loadEnv } from '../../src/config/env.validation.js';
import { SyncService } from '../../src/sync/sync.service.js';
import { TombstonePurgeService } from '../../src/sync/tombstone-purge.service.js';
import { TaskSetsService } from '../../src/tasks/task-sets.service.js';
import { TasksService } from '../../src/tasks/tasks.service.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

export { VERSION };
export type { Problem };

/**
 * What a client would be told of the failure of `work`: the problem document the app's one filter
 * makes of what the service threw, at once or by rejecting (an HTTP exception, or a database error
 * mapped by SQLSTATE and constraint). Fails the test when `work` succeeds.
 */
export async function problemOf(work: () => unknown): Promise<Problem> {
  try {
    await work();
  } catch (error) {
    return toProblem(error);
  }
  throw new Error('expected the call to fail, and it succeeded');
}

/** What a task or category answer carries besides its JSON: the version its ETag is made of. */
export const versionOf = (resource: { [VERSION]: number }): number => resource[VERSION];

/** The If-Match a client sends back with the ETag it was given for this resource. */
export const ifMatch = (resource: { id: number; [VERSION]: number }): string[] => [etagOf(resource)];

export interface Medium {
  app: INestApplicationContext;
  db: TestDatabase;
  /** A plain connection to the same database, to read what was (or was not) stored. */
  sql: Client;
  tasks: TasksService;
  taskSets: TaskSetsService;
  categories: CategoriesService;
  sync: SyncService;
  tombstones: TombstonePurgeService;
  /** A user row, made directly (no sign-up, no token); its id. */
  createUser(): Promise<string>;
  close(): Promise<void>;
}

/**
 * The application's providers without HTTP: the same module as createApp() builds (real
 * configuration, DatabaseModule with its migrations, every feature module), as an application
 * context on a database of its own. Service rules are tested here in seconds; the routes, pipes and
 * headers around them are the e2e specs' business.
 */
export async function createMedium(): Promise<Medium> {
  const db = await createTestDatabase('medium');
  const env = loadEnv({
    ...process.env,
    NODE_ENV: 'test',
    DATABASE_URL: db.url,
    BETTER_AUTH_SECRET: 'medium-secret-that-is-long-enough-for-hs256-0123456789',
    LOG_LEVEL: 'error',
    DB_POOL_SIZE: '4',
    // Nothing here sets a reminder due; the scheduler need not poll often.
    REMINDER_POLL_MS: '4000',
  });
  let app: INestApplicationContext | undefined;
  try {
    app = await NestFactory.createApplicationContext(AppModule.forRoot(env), { logger: false, abortOnError: false });
    await app.init();
  } catch (error) {
    await app?.close();
    await db.drop();
    throw error;
  }
  const sql = new Client({ connectionString: db.url });
  await sql.connect();
  const users = app.get(UsersService);
  return {
    app,
    db,
    sql,
    tasks: app.get(TasksService),
    taskSets: app.get(TaskSetsService),
    categories: app.get(CategoriesService),
    sync: app.get(SyncService),
    tombstones: app.get(TombstonePurgeService),
    async createUser() {
      const id = randomUUID();
      await users.create({ id, email: `user-${id}@example.com`, name: 'Medium' });
      return id;
    },
    async close() {
      await sql.end();
      await app.close();
      await db.drop();
    },
  };
}
