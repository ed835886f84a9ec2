import type { PoolClient } from 'pg';
import { type DataSource, type EntityManager, QueryFailedError } from 'typeorm';
import { connectionModeOf, STATEMENT_TIMEOUT_MS } from './connection-mode.js';

type Work<T> = (db: EntityManager) => Promise<T>;
type Isolation = 'READ COMMITTED' | 'REPEATABLE READ' | 'SERIALIZABLE';

const LOCAL_TIMEOUT = `SET LOCAL statement_timeout = ${STATEMENT_TIMEOUT_MS}`;

/**
 * Runs `work` in one transaction on one connection, as `DataSource.transaction()` does, and fails
 * the way the transaction really failed when its connection is lost midway.
 *
 * When PostgreSQL ends a session between two of the transaction's statements (a restart, a
 * failover), the connection reports it as an error event, and TypeORM releases the transaction's
 * query runner there and then. `work` does not know: its next statement met a released runner and
 * threw QueryRunnerProviderAlreadyReleasedError (a 500, where the client should hear 503 and retry).
 * Here the lost connection is remembered, and the transaction fails with that error instead, which
 * is a connection error like any other (503). Statement.rows() never runs a transaction's statement
 * elsewhere (it once fell back to the pool, outside the transaction).
 *
 * Through a pooler there is no session to carry a statement timeout, so each transaction sets its own.
 */
export async function transaction<T>(dataSource: DataSource, work: Work<T>): Promise<T>;
export async function transaction<T>(dataSource: DataSource, isolation: Isolation, work: Work<T>): Promise<T>;
export async function transaction<T>(
  dataSource: DataSource,
  isolationOrWork: Isolation | Work<T>,
  maybeWork?: Work<T>,
): Promise<T> {
  const [isolation, work] =
    typeof isolationOrWork === 'function' ? [undefined, isolationOrWork] : [isolationOrWork, maybeWork!];
  const runner = dataSource.createQueryRunner();
  let lost: Error | undefined;
  const onError = (error: Error) => (lost ??= error);
  let connection: PoolClient;
  try {
    connection = (await runner.connect()) as PoolClient;
  } catch (error) {
    await runner.release();
    throw error;
  }
  connection.on('error', onError);
  try {
    await runner.startTransaction(isolation);
    if (connectionModeOf(dataSource).pooled) await runner.query(LOCAL_TIMEOUT);
    const result = await work(runner.manager);
    await runner.commitTransaction();
    return result;
  } catch (error) {
    // Lost before the rollback: whatever `work` threw since is a consequence of that.
    const lostFirst = lost;
    if (!runner.isReleased && runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
    throw lostFirst && !(error instanceof QueryFailedError)
      ? new QueryFailedError('(a statement of the transaction)', [], lostFirst)
      : error;
  } finally {
    connection.removeListener('error', onError);
    await runner.release();
  }
}
