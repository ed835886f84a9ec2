import type { Task } from './support/api-types.js';
import { useTestApp } from './support/test-app.js';

/**
 * Every change to a user's synced rows must advance the user's change cursor, or GET /api/sync and
 * the event streams miss it. The cursor is kept by the record_user_change() trigger, so this lists
 * every table that holds a user's rows (it has a `user_id`) and fails for one that lacks the trigger
 * for INSERT, UPDATE and DELETE, unless it is on the allowlist below with its reason.
 */
const NOT_SYNCED: Record<string, string> = {
  auth_sessions: 'sign-in state, not data a device shows',
  refresh_tokens: 'sign-in state, not data a device shows',
  idempotency_keys: 'a record of requests; the task each one created is synced',
  user_changes: 'the cursor itself',
  sync_tombstones: 'the deletion history the cursor reads',
  task_categories: 'a link is part of its task: linking, unlinking and deleting a category update the task row',
  member_changes: "the stamps of a list's rows for its members other than the owner",
  sync_clients: "a push client's counter, which GET /api/sync reads in the page's snapshot, not a row it sends",
};

/** The trigger functions that keep the cursor: per owner, per reader of a list's rows, per membership. */
const STAMPING = ['record_user_change', 'record_list_row_change', 'record_membership_change'];

const t = useTestApp();

it('every table with a user_id has the change trigger, or is allowlisted with a reason', async () => {
  const { rows: tables } = await t.sql.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.columns
      WHERE table_schema = 'public' AND column_name = 'user_id' ORDER BY 1`,
  );
  const { rows: triggers } = await t.sql.query<{ table_name: string; events: string[] }>(
    `SELECT c.relname AS table_name,
            array_agg(DISTINCT e.event ORDER BY e.event) AS events
       FROM pg_trigger tg
       JOIN pg_class c ON c.oid = tg.tgrelid
       JOIN pg_proc p ON p.oid = tg.tgfoid
       CROSS JOIN LATERAL (VALUES (4, 'INSERT'), (8, 'DELETE'), (16, 'UPDATE')) AS e(bit, event)
      WHERE p.proname = ANY ($1) AND NOT tg.tgisinternal AND tg.tgtype & e.bit <> 0
      GROUP BY 1`,
    [STAMPING],
  );
  const covered = new Map(triggers.map((row) => [row.table_name, row.events]));

  const synced = tables.map((row) => row.table_name).filter((table) => !(table in NOT_SYNCED));
  expect(synced).toEqual(expect.arrayContaining(['tasks', 'categories', 'list_members']));
  // Lists have an owner_id, not a user_id; a list's deletion reaches its members through the memberships.
  expect(covered.get('lists')).toEqual(['INSERT', 'UPDATE']);
  for (const table of synced) {
    expect({ table, events: covered.get(table) ?? [] }).toEqual({ table, events: ['DELETE', 'INSERT', 'UPDATE'] });
  }
  // The allowlist names only tables that exist, so it cannot hide a renamed one.
  expect(tables.map((row) => row.table_name)).toEqual(expect.arrayContaining(Object.keys(NOT_SYNCED)));
});

it('stamps every row of a bulk statement, each with a stamp of its own, and counts deletions', async () => {
  const { user } = await t.signUp();
  const head = async () =>
    Number(
      (await t.sql.query<{ seq: string }>(`SELECT seq FROM user_changes WHERE user_id = $1`, [user.id])).rows[0]?.seq ??
        0,
    );
  // Signing up made the inbox: its stamps come first.
  const base = await head();
  const cursor = async () => (await head()) - base;

  await t.sql.query(
    `INSERT INTO tasks (user_id, title, position) SELECT $1, 'bulk ' || n, 'b' || substr('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz', n / 62 + 1, 1) || substr('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz', n % 62 + 1, 1) FROM generate_series(1, 5) n`,
    [user.id],
  );
  expect(await cursor()).toBe(5);
  await t.sql.query(`UPDATE tasks SET completed = true WHERE user_id = $1`, [user.id]);
  expect(await cursor()).toBe(10);
  const { rows } = await t.sql.query<{ change_seq: string }>(
    `SELECT change_seq FROM tasks WHERE user_id = $1 ORDER BY change_seq`,
    [user.id],
  );
  expect(rows.map((row) => Number(row.change_seq) - base)).toEqual([6, 7, 8, 9, 10]);

  await t.sql.query(`DELETE FROM tasks WHERE user_id = $1`, [user.id]);
  expect(await cursor()).toBe(15);
  const tombstones = await t.sql.query<{ kind: string; change_seq: string }>(
    `SELECT kind, change_seq FROM sync_tombstones WHERE user_id = $1`,
    [user.id],
  );
  expect(tombstones.rows.map((row) => [row.kind, Number(row.change_seq) - base]).sort()).toEqual(
    [11, 12, 13, 14, 15].map((seq) => ['tasks', seq]),
  );
});

it('a rolled-back change advances nothing', async () => {
  const { user } = await t.signUp();
  const head = async () =>
    (await t.sql.query<{ seq: string }>(`SELECT seq FROM user_changes WHERE user_id = $1`, [user.id])).rows[0].seq;
  const before = await head();
  await t.sql.query('BEGIN');
  await t.sql.query(`INSERT INTO tasks (user_id, title, position) VALUES ($1, 'never', 'a0')`, [user.id]);
  expect(await head()).not.toBe(before);
  await t.sql.query('ROLLBACK');
  expect(await head()).toBe(before);
});

it('deleting a user takes the cursor and the history with it', async () => {
  const { user, token } = await t.signUp();
  const kept = await t.request({ method: 'POST', url: '/api/tasks', token, body: { title: 'kept' } });
  expect(kept.statusCode).toBe(201);
  const deleted = await t.request({ method: 'POST', url: '/api/tasks', token, body: { title: 'deleted' } });
  expect(deleted.statusCode).toBe(201);
  const removal = await t.request({ method: 'DELETE', url: `/api/tasks/${deleted.json<Task>().id}`, token });
  expect(removal.statusCode).toBe(204);
  const history = async () =>
    (
      await t.sql.query<{ kind: string; rows: number }>(
        `SELECT 'cursor' AS kind, count(*)::int AS rows FROM user_changes WHERE user_id = $1
         UNION ALL SELECT 'tombstones', count(*)::int FROM sync_tombstones WHERE user_id = $1`,
        [user.id],
      )
    ).rows;
  // There is history to take: the cursor row and the deleted task's tombstone.
  expect(await history()).toEqual([
    { kind: 'cursor', rows: 1 },
    { kind: 'tombstones', rows: 1 },
  ]);

  await t.sql.query(`DELETE FROM users WHERE id = $1`, [user.id]);
  expect(await history()).toEqual([
    { kind: 'cursor', rows: 0 },
    { kind: 'tombstones', rows: 0 },
  ]);
});
