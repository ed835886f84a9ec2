import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { ChangeAnnouncer } from './change-announcer.js';
import { Statement } from './statement.js';
import { transaction } from './transaction.js';

declare const USER_WRITE: unique symbol;

/**
 * What a repository's write method needs to change a user's rows: the owner and the connection to
 * write with. Only UserWrites.run() makes one, so every change to a user's rows passes through it.
 */
export interface UserWrite {
  readonly userId: string;
  readonly db: EntityManager;
  readonly [USER_WRITE]: true;
}

export interface UserWriteOptions {
  /** Runs `work` in one transaction: for work of more than one statement that must commit together. */
  atomic?: boolean;
  /**
   * Also holds the user's write lock until the transaction ends (implies `atomic`): for work that
   * reads several of the user's rows and writes from what it read, such as a move between two
   * neighbours. Writers that take it run one after another; the others are not held up.
   *
   * Also for work that cannot keep the lock order of the change cursor. Each synced table's trigger
   * locks the user's cursor row (`user_changes`) right after the row it stamps, until commit, so a
   * one-row write locks its row, then the cursor; writes of many rows lock them all first, in id
   * order (a category's delete: the category, then its tasks), so the cursor is always the last
   * lock and no two writers wait for each other in a circle. Linking a task to a category cannot:
   * the task's stamp takes the cursor, then the link's foreign key share-locks the category, which
   * a category's delete holds while it waits for the cursor. Linking (create, relink) and deleting
   * a category therefore take this lock first, so they never hold half of each other's locks.
   */
  serialized?: boolean;
}

/** The advisory-lock class of per-user write locks (the second key is the user's hash); any constant. */
const USER_LOCK_CLASS = 1_164_300;
const WRITE_LOCK = new Statement('SELECT pg_advisory_xact_lock($1, hashtext($2))');

/**
 * The one write path for rows a user owns (tasks, idempotency keys, and the next resource's rows):
 * their repositories change rows only with the UserWrite that run() hands to `work`. Knows no feature.
 *
 * The change cursor (GET /api/sync, GET /api/events) is not kept here but by a trigger on each
 * synced table (migration 1764400000000), in the changing statement's transaction: a bulk statement
 * or a script that bypasses this class is counted too. So a single-statement write still commits by
 * itself, and the hot write routes pay no BEGIN/COMMIT round trips (see docs/performance.md).
 *
 * What run() adds is the announcement: once the work has committed, the user's newest stamp goes
 * out to every instance's event streams (ChangeAnnouncer; migration 1764600000000 says why this is
 * not done inside the writing transaction).
 */
@Injectable()
export class UserWrites {
  private readonly logger = new Logger(UserWrites.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly announcer: ChangeAnnouncer,
  ) {}

  async run<T>(userId: string, work: (write: UserWrite) => Promise<T>, options: UserWriteOptions = {}): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await this.once(userId, work, options);
        this.announcer.announce(userId);
        return result;
      } catch (error) {
        if (attempt >= DEADLOCK_ATTEMPTS || !isDeadlock(error)) throw error;
        // Each one cost the writers deadlock_timeout (1 s by default): worth knowing about.
        this.logger.warn(
          `A write was broken off as a deadlock (40P01) and runs again (attempt ${attempt + 1} of ${DEADLOCK_ATTEMPTS})`,
        );
      }
    }
  }

  private once<T>(
    userId: string,
    work: (write: UserWrite) => Promise<T>,
    { atomic = false, serialized = false }: UserWriteOptions,
  ): Promise<T> {
    if (!atomic && !serialized) return work(userWrite(userId, this.dataSource.manager));
    return transaction(this.dataSource, async (db) => {
      if (serialized) await WRITE_LOCK.rows(db, [USER_LOCK_CLASS, userId]);
      return work(userWrite(userId, db));
    });
  }
}

/**
 * Tries of a write that PostgreSQL broke off as a deadlock. The writes keep one lock order (see
 * `serialized`), so the app's own writes should not deadlock each other any more; a script's bulk
 * statement that stamps rows one after another still can. PostgreSQL cancels one (40P01) and rolls
 * it back whole, so running it again is safe, as its documentation advises.
 */
const DEADLOCK_ATTEMPTS = 3;

function isDeadlock(error: unknown): boolean {
  const driverError = (error as { driverError?: { code?: string } }).driverError;
  return driverError?.code === '40P01';
}

function userWrite(userId: string, db: EntityManager): UserWrite {
  return { userId, db } as UserWrite;
}
