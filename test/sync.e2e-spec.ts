import { Pool } from 'pg';
import { TombstonePurgeService } from '../src/sync/tombstone-purge.service.js';
import { createTestApp, type Session, type TestApp } from './support/test-app.js';

/** GET /api/sync: the change cursor, pages, deletions, stale cursors, and a replica kept by polling. */

interface SyncPage {
  tasks: { id: number; title: string; completed: boolean; updated_at: string }[];
  categories: unknown[];
  deleted: { tasks: number[]; categories: number[] };
  cursor: string;
  has_more: boolean;
}

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t?.close());

const sync = async (token: string, cursor?: string) => {
  const response = await t.request({
    method: 'GET',
    url: cursor === undefined ? '/api/sync' : `/api/sync?cursor=${encodeURIComponent(cursor)}`,
    token,
  });
  if (response.statusCode !== 200) throw new Error(`sync: ${response.statusCode} ${response.body}`);
  return response.json<SyncPage>();
};

const createTask = async (token: string, title: string) => {
  const response = await t.request({ method: 'POST', url: '/api/tasks', token, body: { title } });
  expect(response.statusCode).toBe(201);
  return response.json<{ id: number }>();
};

/** A client's copy of the tasks, kept by applying every page in order. */
class Replica {
  readonly tasks = new Map<number, SyncPage['tasks'][number]>();
  cursor: string | undefined;
  pages = 0;

  apply(page: SyncPage): void {
    for (const task of page.tasks) this.tasks.set(task.id, task);
    for (const id of page.deleted.tasks) this.tasks.delete(id);
    this.cursor = page.cursor;
    this.pages++;
  }

  /** Pages until has_more is false. */
  async catchUp(token: string): Promise<void> {
    for (;;) {
      const page = await sync(token, this.cursor);
      this.apply(page);
      if (!page.has_more) return;
    }
  }
}

const serverTasks = async (userId: string) =>
  (
    await t.sql.query<{ id: number; title: string; completed: boolean; updated_at: string }>(
      `SELECT id, title, completed, to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS updated_at
         FROM tasks WHERE user_id = $1 ORDER BY id`,
      [userId],
    )
  ).rows;
const replicaTasks = (replica: Replica) =>
  [...replica.tasks.values()]
    .map(({ id, title, completed, updated_at }) => ({ id, title, completed, updated_at }))
    .sort((a, b) => a.id - b.id);

describe('GET /api/sync', () => {
  let session: Session;
  beforeAll(async () => {
    session = await t.signUp();
  });

  it('without a cursor gives the full state; with one, what changed since, deletions as ids', async () => {
    const empty = await sync(session.token);
    expect(empty).toEqual({
      tasks: [],
      categories: [],
      deleted: { tasks: [], categories: [] },
      cursor: 'v1.0',
      has_more: false,
    });

    const kept = await createTask(session.token, 'kept');
    const changed = await createTask(session.token, 'changed');
    const removed = await createTask(session.token, 'removed');
    const full = await sync(session.token);
    expect(full.tasks.map((task) => task.id)).toEqual([kept.id, changed.id, removed.id]);
    expect(full.tasks[0]).toMatchObject({ id: kept.id, user_id: session.user.id, title: 'kept', completed: false });

    const patch = await t.request({
      method: 'PATCH',
      url: `/api/tasks/${changed.id}`,
      token: session.token,
      body: { completed: true },
    });
    expect(patch.statusCode).toBe(200);
    expect(
      (await t.request({ method: 'DELETE', url: `/api/tasks/${removed.id}`, token: session.token })).statusCode,
    ).toBe(204);

    const delta = await sync(session.token, full.cursor);
    expect(delta.tasks).toEqual([patch.json()]);
    expect(delta.deleted).toEqual({ tasks: [removed.id], categories: [] });
    expect(delta.has_more).toBe(false);
    expect(delta.cursor).not.toBe(full.cursor);

    // Nothing new: an empty page with the same cursor.
    expect(await sync(session.token, delta.cursor)).toMatchObject({ tasks: [], cursor: delta.cursor });
  });

  it('never shows another user’s changes', async () => {
    const other = await t.signUp();
    await createTask(other.token, 'not yours');
    const page = await sync(session.token);
    expect(page.tasks.every((task) => (task as unknown as { user_id: string }).user_id === session.user.id)).toBe(true);
    expect(page.tasks.map((task) => task.title)).not.toContain('not yours');
  });

  it.each(['42', 'v1.', 'v1.-3', 'v2.1', 'v1.1e3', "v1.1' OR 1=1"])(
    'refuses the malformed cursor %j (422)',
    async (cursor) => {
      const response = await t.request({
        method: 'GET',
        url: `/api/sync?cursor=${encodeURIComponent(cursor)}`,
        token: session.token,
      });
      expect(response.statusCode).toBe(422);
      expect(response.headers['content-type']).toContain('application/problem+json');
      expect(response.json<{ errors: unknown }>().errors).toEqual([expect.objectContaining({ field: 'cursor' })]);
    },
  );

  it('answers 410 to a cursor from beyond the user’s history (another database, another user)', async () => {
    const response = await t.request({ method: 'GET', url: '/api/sync?cursor=v1.999999', token: session.token });
    expect(response.statusCode).toBe(410);
    expect(response.headers['content-type']).toContain('application/problem+json');
  });

  it('needs a bearer token in the header; a token in the query string is not one', async () => {
    expect((await t.request({ method: 'GET', url: '/api/sync' })).statusCode).toBe(401);
    const response = await t.request({ method: 'GET', url: `/api/sync?access_token=${session.token}` });
    expect([401, 422]).toContain(response.statusCode);
  });
});

describe('pages', () => {
  it('pages past 500 rows, in stamp order, deletions and updates included, to exactly the server’s state', async () => {
    const { user, token } = await t.signUp();
    // 1,100 tasks by one bulk statement: the trigger stamps every row of it.
    await t.sql.query(
      `INSERT INTO tasks (user_id, title, position) SELECT $1, 'bulk ' || n, 'b' || substr('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz', n / 62 + 1, 1) || substr('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz', n % 62 + 1, 1) FROM generate_series(1, 1100) n`,
      [user.id],
    );
    const replica = new Replica();
    const first = await sync(token);
    expect(first.tasks).toHaveLength(500);
    expect(first.has_more).toBe(true);
    replica.apply(first);
    await replica.catchUp(token);
    expect(replica.pages).toBe(3);
    expect(replicaTasks(replica)).toEqual(await serverTasks(user.id));

    // 700 deletions and 300 updates in two statements, then the delta in pages.
    await t.sql.query(
      `DELETE FROM tasks WHERE user_id = $1 AND id IN (SELECT id FROM tasks WHERE user_id = $1 ORDER BY id LIMIT 700)`,
      [user.id],
    );
    await t.sql.query(`UPDATE tasks SET completed = true, updated_at = now() WHERE user_id = $1`, [user.id]);
    const delta = await sync(token, replica.cursor);
    expect(delta.deleted.tasks.length + delta.tasks.length).toBe(500);
    expect(delta.has_more).toBe(true);
    replica.apply(delta);
    await replica.catchUp(token);
    expect(replica.tasks.size).toBe(400);
    expect(replicaTasks(replica)).toEqual(await serverTasks(user.id));
  });
});

describe('deletion history', () => {
  const ageTombstones = (userId: string) =>
    t.sql.query(`UPDATE sync_tombstones SET deleted_at = now() - interval '31 days' WHERE user_id = $1`, [userId]);

  it('answers 410 to a cursor older than the purged history; a fresh start works', async () => {
    const { user, token } = await t.signUp();
    const doomed = await createTask(token, 'doomed');
    const before = await sync(token);
    expect((await t.request({ method: 'DELETE', url: `/api/tasks/${doomed.id}`, token })).statusCode).toBe(204);
    const after = await sync(token, before.cursor);
    expect(after.deleted.tasks).toEqual([doomed.id]);

    await ageTombstones(user.id);
    expect(await t.app.get(TombstonePurgeService).purge()).toBeGreaterThanOrEqual(1);
    const { rowCount } = await t.sql.query(`SELECT 1 FROM sync_tombstones WHERE user_id = $1`, [user.id]);
    expect(rowCount).toBe(0);

    const stale = await t.request({ method: 'GET', url: `/api/sync?cursor=${before.cursor}`, token });
    expect(stale.statusCode).toBe(410);
    expect(stale.json<{ detail: string }>().detail).toMatch(/without a cursor/);
    // A cursor taken after the deletion is still good, and so is starting again.
    expect((await sync(token, after.cursor)).tasks).toEqual([]);
    expect((await sync(token)).tasks).toEqual([]);
  });

  it('keeps tombstones younger than SYNC_RETENTION_DAYS', async () => {
    const { user, token } = await t.signUp();
    const task = await createTask(token, 'recent');
    const before = await sync(token);
    await t.request({ method: 'DELETE', url: `/api/tasks/${task.id}`, token });
    await t.app.get(TombstonePurgeService).purge();
    expect((await sync(token, before.cursor)).deleted.tasks).toEqual([task.id]);
    const { rowCount } = await t.sql.query(`SELECT 1 FROM sync_tombstones WHERE user_id = $1`, [user.id]);
    expect(rowCount).toBe(1);
  });

  it('a full sync of many pages started after a purge is never told 410 midway', async () => {
    const { user, token } = await t.signUp();
    await t.sql.query(
      `INSERT INTO tasks (user_id, title, position) SELECT $1, 'old ' || n, 'b' || substr('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz', n / 62 + 1, 1) || substr('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz', n % 62 + 1, 1) FROM generate_series(1, 600) n`,
      [user.id],
    );
    await t.sql.query(`DELETE FROM tasks WHERE user_id = $1 AND title = 'old 1'`, [user.id]);
    // The deletion is stamped after the 600 rows; once purged, the purge point is past them.
    await t.sql.query(`UPDATE tasks SET title = 'still here' WHERE user_id = $1 AND title = 'old 2'`, [user.id]);
    await ageTombstones(user.id);
    await t.app.get(TombstonePurgeService).purge();

    const replica = new Replica();
    await replica.catchUp(token);
    expect(replica.pages).toBe(2);
    expect(replicaTasks(replica)).toEqual(await serverTasks(user.id));
  });
});

describe('while other devices write', () => {
  it('a replica that polls during concurrent writers ends equal to the server', async () => {
    const { user, token } = await t.signUp();
    const seeded = await Promise.all(Array.from({ length: 20 }, (_, i) => createTask(token, `seed ${i}`)));
    const replica = new Replica();
    let writing = true;
    // Bulk statements from connections of their own, concurrent with the API's writes.
    const bulk = new Pool({ connectionString: t.db.url, max: 4 });

    // Four devices: creates, updates, toggles, deletes, and one bulk statement each round.
    const device = async (n: number) => {
      const mine: number[] = [seeded[n].id, seeded[n + 4].id];
      for (let round = 0; round < 25; round++) {
        const created = await createTask(token, `device ${n} round ${round}`);
        mine.push(created.id);
        await t.request({
          method: 'PATCH',
          url: `/api/tasks/${mine[round % mine.length]}`,
          token,
          body: { title: `edit ${n}.${round}` },
        });
        await t.request({ method: 'PATCH', url: `/api/tasks/${mine[(round * 7) % mine.length]}/complete`, token });
        if (round % 3 === 0) {
          const victim = mine.splice(round % mine.length, 1)[0];
          await t.request({ method: 'DELETE', url: `/api/tasks/${victim}`, token });
        }
        if (round % 10 === 5) {
          await bulk.query(`UPDATE tasks SET completed = NOT completed WHERE user_id = $1 AND title LIKE 'seed%'`, [
            user.id,
          ]);
        }
      }
    };
    const poller = async () => {
      while (writing) {
        const page = await sync(token, replica.cursor);
        replica.apply(page);
      }
    };

    const polling = poller();
    try {
      await Promise.all([0, 1, 2, 3].map(device));
    } finally {
      writing = false;
      await polling;
      await bulk.end();
    }
    await replica.catchUp(token);

    expect(replica.pages).toBeGreaterThan(3);
    const server = await serverTasks(user.id);
    expect(server.length).toBeGreaterThan(50);
    expect(replicaTasks(replica)).toEqual(server);
  });
});
