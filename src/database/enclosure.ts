import { AsyncLocalStorage } from 'node:async_hooks';
import type { EntityManager } from 'typeorm';

/**
 * A transaction that the statements of some work join instead of running on their own: a pushed
 * mutation's (sync/push), whose effect must commit with the client's advanced counter, or not at
 * all. Its writes join it through UserWrites, its reads through Statement.rows(), so the work sees
 * its own changes and holds one connection, whatever DB_POOL_SIZE is. Who opens it commits it, then
 * announces `users`.
 */
export interface Enclosure {
  db: EntityManager;
  users: Set<string>;
}

const enclosures = new AsyncLocalStorage<Enclosure>();

export const currentEnclosure = (): Enclosure | undefined => enclosures.getStore();

export function runEnclosed<T>(enclosure: Enclosure, work: () => Promise<T>): Promise<T> {
  return enclosures.run(enclosure, work);
}

/** Runs `work` outside any enclosure: what it starts runs on the pool even if the caller is enclosed. */
export function outsideEnclosure<T>(work: () => T): T {
  return enclosures.exit(work);
}
