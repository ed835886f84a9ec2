import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { currentEnclosure, type Enclosure, runEnclosed } from './enclosure.js';
import { Statement } from './statement.js';
import { transaction } from './transaction.js';

declare const USER_WRITE: unique symbol;
declare const IN_TRANSACTION: unique symbol;

/**
 * What a repository's write method needs to change a user's rows: the owner and the connection to
 * write with. Only UserWrites makes one, so every change to a user's rows passes through it.
 */
export interface UserWrite {
  readonly userId: string;
  readonly db: EntityManager;
  readonly [USER_WRITE]: true;
}

/** A UserWrite inside a transaction: for work of several statements that must commit together. */
export interface UserTransaction extends UserWrite {
  readonly [IN_TRANSACTION]: true;
}

export type Work<W extends UserWrite, T> = (write: W) => Promise<T>;

/**
 * What runs once a user's write has committed: LiveModule's ChangeAnnouncer, which tells every
 * instance's event streams. Declared here so that the write path depends on no feature.
 */
export abstract class AfterCommit {
  abstract announce(userId: string): void;
}

/** The advisory-lock class of per-user write locks (the second key is the user's hash); any constant. */
const USER_LOCK_CLASS = 1_164_300;
const WRITE_LOCK = new Statement('SELECT pg_advisory_xact_lock($1, hashtext($2))');

/**
 * Tries of a write that PostgreSQL broke off as a deadlock (40P01: rolled back whole, so safe to run
 * again). The app's writes keep one lock order; a script's bulk statement can still deadlock them.
 */
const DEADLOCK_ATTEMPTS = 3;

/**
 * The one write path for rows a user owns. A write is one of four named operations, chosen by what
 * the work does; each keeps the lock order of docs/reliability.md ("Lock order"), enforced here. The
 * change cursor is kept by a trigger, so scripts that bypass this class are counted too; what this
 * class adds is the announcement after commit (AfterCommit) and a retry of a broken-off deadlock.
 */
@Injectable()
export class UserWrites {
  private readonly logger = new Logger(UserWrites.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly afterCommit: AfterCommit,
  ) {}

  /** One statement, committed by itself: no BEGIN/COMMIT round trips on the hot routes. */
  run<T>(userId: string, work: Work<UserWrite, T>): Promise<T> {
    const enclosure = currentEnclosure();
    if (enclosure) return enclosed(enclosure, userId, work);
    return this.retried(userId, () => work(userWrite(userId, this.dataSource.manager)));
  }

  /** Several statements that commit together; one that writes many rows locks them first, in id order. */
  runAtomic<T>(userId: string, work: Work<UserTransaction, T>): Promise<T> {
    const enclosure = currentEnclosure();
    if (enclosure) return enclosed(enclosure, userId, work);
    return this.retried(userId, () => transaction(this.dataSource, (db) => work(userWrite(userId, db))));
  }

  /** Reads rows and writes from what it read (a move, a count against a limit): one at a time per user. */
  runSerialized<T>(userId: string, work: Work<UserTransaction, T>): Promise<T> {
    const locked = async (db: EntityManager) => {
      await WRITE_LOCK.rows(db, [USER_LOCK_CLASS, userId]);
      return work(userWrite(userId, db));
    };
    const enclosure = currentEnclosure();
    if (enclosure) return enclosed(enclosure, userId, (write) => locked(write.db));
    return this.retried(userId, () => transaction(this.dataSource, locked));
  }

  /**
   * Runs `work` (calls into the services) with every write it makes joining the open transaction
   * `db`, in the lock order each write names (a serialized one takes the user's lock there). Nothing
   * is announced and nothing retried: the caller commits, retries a deadlock, and announces the users
   * returned.
   */
  async enclose<T>(db: EntityManager, work: () => Promise<T>): Promise<{ result: T; users: Set<string> }> {
    const enclosure: Enclosure = { db, users: new Set() };
    const result = await runEnclosed(enclosure, work);
    return { result, users: enclosure.users };
  }

  /** Links tasks and categories (`category_ids`, a category's delete), which cannot keep the lock order: serialized. */
  runLinking<T>(userId: string, work: Work<UserTransaction, T>): Promise<T> {
    return this.runSerialized(userId, work);
  }

  private async retried<T>(userId: string, once: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await once();
        this.afterCommit.announce(userId);
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
}

function enclosed<T>(enclosure: Enclosure, userId: string, work: Work<UserTransaction, T>): Promise<T> {
  enclosure.users.add(userId);
  return work(userWrite(userId, enclosure.db));
}

export function isDeadlock(error: unknown): boolean {
  const driverError = (error as { driverError?: { code?: string } }).driverError;
  return driverError?.code === '40P01';
}

function userWrite(userId: string, db: EntityManager): UserTransaction {
  return { userId, db } as UserTransaction;
}
