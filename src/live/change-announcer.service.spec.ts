import { describe, expect, it } from '@jest/globals';
import type { DataSource } from 'typeorm';
import { ChangeAnnouncer } from './change-announcer.service.js';

/** A data source whose queries wait until released, recording the users of each call. */
function database(failing = false) {
  const calls: string[][] = [];
  const statements: string[] = [];
  const names: (string | undefined)[] = [];
  const releases: (() => void)[] = [];
  // Statement.rows() runs a prepared statement on the driver's pool.
  const pool = {
    query: ({ name, text, values: [users] }: { name?: string; text: string; values: [string[]] }) => {
      statements.push(text);
      names.push(name);
      calls.push(users);
      return new Promise<{ rows: [] }>((resolve, reject) =>
        releases.push(() => (failing ? reject(new Error('connection lost')) : resolve({ rows: [] }))),
      );
    },
  };
  const dataSource = { driver: { master: pool } } as unknown as DataSource;
  const releaseAll = async () => {
    while (releases.length) {
      releases.shift()!();
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  return { calls, statements, names, dataSource, releaseAll };
}

describe('ChangeAnnouncer', () => {
  it('announces in one prepared statement that commits without waiting for the WAL flush (it writes no data)', async () => {
    const db = database();
    new ChangeAnnouncer(db.dataSource).announce('alice');
    // set_config(..., true) lasts until the end of the statement's own transaction, its commit included.
    expect(db.statements).toEqual([
      expect.stringMatching(
        /^SELECT set_config\('synchronous_commit', 'off', true\), announce_user_changes\(\$1::text\[\]\)$/,
      ),
    ]);
    // Named: planned once per connection, not on each of up to 200 calls a second.
    expect(db.names).toEqual([expect.stringMatching(/^todo_/)]);
    await db.releaseAll();
  });

  it('announces at once when idle, and batches the users of writes that commit while a call is in flight', async () => {
    const db = database();
    const announcer = new ChangeAnnouncer(db.dataSource);
    announcer.intervalMs = 0;
    announcer.announce('alice');
    expect(db.calls).toEqual([['alice']]);
    announcer.announce('bob');
    announcer.announce('carol');
    announcer.announce('bob');
    expect(db.calls).toHaveLength(1);
    await db.releaseAll();
    expect(db.calls).toEqual([['alice'], ['bob', 'carol']]);
  });

  it('starts calls at least intervalMs apart, batching what commits in between', async () => {
    const db = database();
    const announcer = new ChangeAnnouncer(db.dataSource);
    announcer.intervalMs = 60_000;
    const waits: { ms: number; done: () => void }[] = [];
    announcer.wait = (ms) => new Promise<void>((done) => waits.push({ ms, done }));
    announcer.announce('alice');
    await db.releaseAll();
    expect(waits).toHaveLength(1);
    expect(waits[0].ms).toBeGreaterThan(0);
    expect(waits[0].ms).toBeLessThanOrEqual(60_000);
    announcer.announce('bob');
    announcer.announce('carol');
    expect(db.calls).toEqual([['alice']]);
    waits.shift()!.done();
    await new Promise((resolve) => setImmediate(resolve));
    expect(db.calls).toEqual([['alice'], ['bob', 'carol']]);
    await db.releaseAll();
    waits.shift()?.done();
    await announcer.beforeApplicationShutdown();
  });

  it('keeps announcing after a failed call, and waits for the call in flight at shutdown', async () => {
    const db = database(true);
    const announcer = new ChangeAnnouncer(db.dataSource);
    announcer.intervalMs = 0;
    announcer.announce('alice');
    let shutDown = false;
    const shutdown = announcer.beforeApplicationShutdown().then(() => (shutDown = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(shutDown).toBe(false);
    await db.releaseAll();
    await shutdown;
    announcer.announce('bob');
    expect(db.calls).toEqual([['alice'], ['bob']]);
    await db.releaseAll();
  });
});
