import { expect } from '@jest/globals';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource, type EntityManager } from 'typeorm';
import { toProblem } from '../src/common/problem.js';
import { Statement } from '../src/database/statement.js';
import { transaction } from '../src/database/transaction.js';
import { createTestApp, type TestApp } from './support/test-app.js';

/**
 * A transaction whose connection PostgreSQL ends between two of its statements (as a restart or a
 * failover does), made to happen on purpose: the test's own connection terminates the
 * transaction's backend, then waits until the app has noticed, then runs the next statement.
 */
let t: TestApp;
let dataSource: DataSource;
beforeAll(async () => {
  t = await createTestApp();
  dataSource = t.app.get(DataSource);
  await t.sql.query('CREATE TABLE lost_writes (n int)');
});
afterAll(() => t?.close());

/** Runs `next` in a transaction after its connection was ended from outside; what it threw. */
async function afterLosingTheConnection(next: (db: EntityManager) => Promise<unknown>): Promise<unknown> {
  return transaction(dataSource, async (db) => {
    const [{ pid }] = await db.query<{ pid: number }[]>('SELECT pg_backend_pid() AS pid');
    await t.sql.query('SELECT pg_terminate_backend($1)', [pid]);
    // TypeORM releases the transaction's runner when the connection reports the error.
    for (let i = 0; !db.queryRunner!.isReleased; i++) {
      if (i > 200) throw new Error('the transaction never noticed its connection was gone');
      await sleep(10);
    }
    return next(db);
  }).then(
    () => undefined,
    (error: unknown) => error,
  );
}

const written = async () => (await t.sql.query<{ n: number }>('SELECT n FROM lost_writes')).rows;

it("never runs a transaction's statement on another connection once its own is lost", async () => {
  const error = await afterLosingTheConnection((db) =>
    new Statement('INSERT INTO lost_writes VALUES (1)').rows(db, []),
  );
  expect(toProblem(error).status).toBe(503);
  // It once ran on the pool instead: committed on its own, outside the transaction it belonged to.
  expect(await written()).toEqual([]);
});

it('fails with the lost connection (503), not with the released query runner (500)', async () => {
  const error = await afterLosingTheConnection((db) => db.query('INSERT INTO lost_writes VALUES (2)'));
  expect((error as Error).name).not.toMatch(/Released/);
  expect(toProblem(error).status).toBe(503);
  expect(await written()).toEqual([]);
});
