import { expect } from '@jest/globals';
import type { Problem, Task } from './support/api-types.js';
import { type Session, useTestApp, useUsers } from './support/test-app.js';

/** Concurrent writers: ETag/If-Match, atomic toggles, Idempotency-Key, racing sign-ups. */
describe('concurrent writers (e2e)', () => {
  const t = useTestApp();
  const [alice, bob] = useUsers(t, 2);

  const createTask = async (session = alice, body: object = { title: 'Original' }) => {
    const response = await t.request({ method: 'POST', url: '/api/tasks', token: session.token, body });
    expect(response.statusCode).toBe(201);
    return { task: response.json<Task>(), etag: response.headers.etag as string };
  };
  const storedRow = async (id: number) =>
    (
      await t.sql.query<{ title: string; completed: boolean; version: number }>(
        'SELECT title, completed, version FROM tasks WHERE id = $1',
        [id],
      )
    ).rows[0];

  describe('ETag', () => {
    it('is on every task response and changes with every write', async () => {
      const { task, etag } = await createTask();
      expect(etag).toBe(`"${task.id}-1"`);
      const read = await t.request({ method: 'GET', url: `/api/tasks/${task.id}`, token: alice.token });
      expect(read.headers.etag).toBe(etag);
      const viaUserPath = await t.request({
        method: 'GET',
        url: `/api/${alice.user.id}/tasks/${task.id}`,
        token: alice.token,
      });
      expect(viaUserPath.headers.etag).toBe(etag);

      const seen = new Set([etag]);
      for (const [method, url, body] of [
        ['PUT', `/api/tasks/${task.id}`, { title: 'Put' }],
        ['PATCH', `/api/tasks/${task.id}`, { title: 'Patched' }],
        ['PATCH', `/api/tasks/${task.id}/complete`, undefined],
      ] as const) {
        const response = await t.request({ method, url, token: alice.token, body });
        expect(response.statusCode).toBe(200);
        expect(response.headers.etag).toMatch(/^"\d+-\d+"$/);
        seen.add(response.headers.etag as string);
      }
      expect(seen.size).toBe(4);
    });

    it('gives the list a weak ETag that changes when an item on the page changes', async () => {
      const { task } = await createTask(bob);
      const list = () => t.request({ method: 'GET', url: '/api/tasks', token: bob.token });
      const first = await list();
      expect(first.headers.etag).toMatch(/^W\/"[\w-]+"$/);
      expect((await list()).headers.etag).toBe(first.headers.etag);
      await t.request({ method: 'PATCH', url: `/api/tasks/${task.id}/complete`, token: bob.token });
      expect((await list()).headers.etag).not.toBe(first.headers.etag);
    });
  });

  describe('If-Match', () => {
    const writes = (id: number) =>
      [
        ['PUT', `/api/tasks/${id}`, { title: 'Changed' }, 200],
        ['PATCH', `/api/tasks/${id}`, { title: 'Changed' }, 200],
        ['PATCH', `/api/tasks/${id}`, {}, 200],
        ['PATCH', `/api/tasks/${id}/complete`, undefined, 200],
        ['DELETE', `/api/tasks/${id}`, undefined, 204],
      ] as const;

    it('refuses a stale tag with 412 problem+json and changes nothing, on every write', async () => {
      const { task, etag } = await createTask();
      await t.request({
        method: 'PATCH',
        url: `/api/tasks/${task.id}`,
        token: alice.token,
        body: { title: 'Moved on' },
      });
      const before = await storedRow(task.id);
      for (const [method, url, body] of writes(task.id)) {
        const response = await t.request({ method, url, token: alice.token, body, headers: { 'if-match': etag } });
        expect({ method, url, status: response.statusCode }).toEqual({ method, url, status: 412 });
        expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(response.json()).toMatchObject({ status: 412, title: 'Precondition Failed' });
      }
      expect(await storedRow(task.id)).toEqual(before);
    });

    it('applies each write when the tag is current', async () => {
      for (const [method, url, body, status] of writes(0)) {
        const { task, etag } = await createTask();
        const response = await t.request({
          method,
          url: url.replace('/0', `/${task.id}`),
          token: alice.token,
          body,
          headers: { 'if-match': etag },
        });
        expect({ method, url, status: response.statusCode }).toEqual({ method, url, status });
      }
    });

    it.each([
      ['*', 200],
      ['"999999-1", "{id}-1"', 200],
      ['  "{id}-1" ,, ', 200],
      ['W/"{id}-1"', 412],
      ['"{id}-01"', 412],
      ['"{id}-2"', 412],
      ['"{other}-1"', 412],
      ['{id}-1', 400],
      ['"{id}-1" "x"', 400],
      ['*, "{id}-1"', 400],
    ])('If-Match: %s -> %i (strong comparison, RFC 9110)', async (header, status) => {
      const { task } = await createTask();
      const { task: other } = await createTask();
      const value = header.replace('{id}', String(task.id)).replace('{other}', String(other.id));
      const response = await t.request({
        method: 'PATCH',
        url: `/api/tasks/${task.id}`,
        token: alice.token,
        body: { title: 'X' },
        headers: { 'if-match': value },
      });
      expect(response.statusCode).toBe(status);
      expect((await storedRow(task.id)).title).toBe(status === 200 ? 'X' : 'Original');
    });

    it('answers 404, not 412, for a task that does not exist or is not yours, whatever the tag', async () => {
      const { task, etag } = await createTask(bob);
      for (const header of [etag, '*', '"1-1"']) {
        const theirs = await t.request({
          method: 'PATCH',
          url: `/api/tasks/${task.id}`,
          token: alice.token,
          body: { title: 'Mine' },
          headers: { 'if-match': header },
        });
        expect(theirs.statusCode).toBe(404);
        const missing = await t.request({
          method: 'DELETE',
          url: '/api/tasks/2147483647',
          token: alice.token,
          headers: { 'if-match': header },
        });
        expect(missing.statusCode).toBe(404);
      }
      expect(await storedRow(task.id)).toMatchObject({ title: 'Original', version: 1 });
    });

    it('lets exactly one of many concurrent writers holding the same tag win', async () => {
      const { task, etag } = await createTask();
      const responses = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          t.request({
            method: 'PATCH',
            url: `/api/tasks/${task.id}`,
            token: alice.token,
            body: { title: `Writer ${i}` },
            headers: { 'if-match': etag },
          }),
        ),
      );
      const statuses = responses.map((r) => r.statusCode).sort();
      expect(statuses).toEqual([200, ...Array<number>(11).fill(412)]);
      const winner = responses.find((r) => r.statusCode === 200)!.json<Task>();
      expect(await storedRow(task.id)).toMatchObject({ title: winner.title, version: 2 });
    });
  });

  it('loses no toggle when many toggles of one task run at once', async () => {
    const { task } = await createTask();
    const toggles = 25;
    const responses = await Promise.all(
      Array.from({ length: toggles }, () =>
        t.request({ method: 'PATCH', url: `/api/tasks/${task.id}/complete`, token: alice.token }),
      ),
    );
    expect(responses.every((r) => r.statusCode === 200)).toBe(true);
    // Every toggle saw a different version, and the final state is the parity of their number.
    expect(new Set(responses.map((r) => r.headers.etag)).size).toBe(toggles);
    expect(await storedRow(task.id)).toMatchObject({ completed: toggles % 2 === 1, version: 1 + toggles });
  });

  it('toggles under the row lock when the toggle missed a row that If-Match accepts by the time it asks why', async () => {
    // The toggle's UPDATE writes nothing, once (a trigger skips it), though If-Match accepts the
    // row's version. So it is when a concurrent write brings the row to another version If-Match
    // lists between the UPDATE and the question why: the answer must come from the locked path
    // (200), not a 412 for a version If-Match accepts.
    const { task, etag } = await createTask();
    await t.sql.query(`CREATE TABLE IF NOT EXISTS skip_next_update (task_id int PRIMARY KEY)`);
    await t.sql.query(`CREATE OR REPLACE FUNCTION skip_next_update() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        DELETE FROM skip_next_update WHERE task_id = OLD.id;
        IF FOUND THEN RETURN NULL; END IF;
        RETURN NEW;
      END $$`);
    // BEFORE triggers fire in name order: this one before the change trigger.
    await t.sql.query(
      `CREATE TRIGGER a_skip_next_update BEFORE UPDATE ON tasks FOR EACH ROW EXECUTE FUNCTION skip_next_update()`,
    );
    try {
      await t.sql.query('INSERT INTO skip_next_update VALUES ($1)', [task.id]);
      const response = await t.request({
        method: 'PATCH',
        url: `/api/tasks/${task.id}/complete`,
        token: alice.token,
        headers: { 'if-match': etag },
      });
      expect(response.statusCode).toBe(200);
      expect(response.json<Task>()).toMatchObject({ id: task.id, completed: true });
      // The UPDATE was skipped (the marker is gone) and the locked path wrote the row once.
      expect((await t.sql.query('SELECT 1 FROM skip_next_update')).rowCount).toBe(0);
      expect(await storedRow(task.id)).toMatchObject({ completed: true, version: 2 });
    } finally {
      await t.sql.query('DROP TRIGGER a_skip_next_update ON tasks');
      await t.sql.query('DROP FUNCTION skip_next_update()');
      await t.sql.query('DROP TABLE skip_next_update');
    }
  });

  describe('Idempotency-Key', () => {
    const post = (session: Session, key: string, body: object, url = '/api/tasks') =>
      t.request({ method: 'POST', url, token: session.token, body, headers: { 'idempotency-key': key } });
    const countTitled = async (title: string) =>
      Number(
        (await t.sql.query<{ count: string }>('SELECT count(*) FROM tasks WHERE title = $1', [title])).rows[0].count,
      );

    it('replays the first result for a retry with the same key and body, creating nothing', async () => {
      const first = await post(alice, 'retry-1', { title: 'Pay rent', priority: 'high' });
      expect(first.statusCode).toBe(201);
      const again = await post(alice, 'retry-1', { priority: 'high', title: 'Pay rent' });
      expect(again.statusCode).toBe(201);
      expect(again.json()).toEqual(first.json());
      expect(again.headers.location).toBe(first.headers.location);
      expect(again.headers.etag).toBe(first.headers.etag);
      expect(await countTitled('Pay rent')).toBe(1);
    });

    it('refuses the same key with another body (422) and creates nothing', async () => {
      expect((await post(alice, 'retry-2', { title: 'Walk the dog' })).statusCode).toBe(201);
      const response = await post(alice, 'retry-2', { title: 'Walk the cat' });
      expect(response.statusCode).toBe(422);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(await countTitled('Walk the cat')).toBe(0);
    });

    it('keeps keys per user', async () => {
      const mine = await post(alice, 'shared-key', { title: 'Per user' });
      expect(mine.statusCode).toBe(201);
      const theirs = await post(bob, 'shared-key', { title: 'Per user' });
      expect(theirs.statusCode).toBe(201);
      expect(theirs.json<Task>().id).not.toBe(mine.json<Task>().id);
      expect(theirs.json<Task>().user_id).toBe(bob.user.id);
    });

    it('forgets a key once it has expired', async () => {
      const first = await post(alice, 'expiring', { title: 'Expiring' });
      await t.sql.query(`UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE key = 'expiring'`);
      const later = await post(alice, 'expiring', { title: 'Expiring' });
      expect(later.statusCode).toBe(201);
      expect(later.json<Task>().id).not.toBe(first.json<Task>().id);
      expect(await countTitled('Expiring')).toBe(2);
    });

    it('stores nothing for a request that failed, so its retry runs', async () => {
      const failed = await post(alice, 'failed-once', { title: 'Cannot be stored \u0000' });
      expect(failed.statusCode).toBe(422);
      const retry = await post(alice, 'failed-once', { title: 'Fixed' });
      expect(retry.statusCode).toBe(201);
    });

    it('creates one task when many retries with one key race', async () => {
      const responses = await Promise.all(Array.from({ length: 10 }, () => post(alice, 'racing', { title: 'Raced' })));
      expect(responses.map((r) => r.statusCode)).toEqual(Array(10).fill(201));
      expect(new Set(responses.map((r) => r.json<Task>().id)).size).toBe(1);
      expect(await countTitled('Raced')).toBe(1);
    });

    it.each([[''], ['x'.repeat(256)], ['has space']])('rejects a malformed key %j with 422', async (key) => {
      const response = await post(alice, key, { title: 'Bad key' });
      expect(response.statusCode).toBe(422);
      expect(response.json<Problem>().errors).toEqual([{ field: 'Idempotency-Key', message: expect.any(String) }]);
      expect(await countTitled('Bad key')).toBe(0);
    });
  });

  it('creates one account when sign-ups with one email race; the rest get 409', async () => {
    const email = `racer-${Date.now()}@example.com`;
    const responses = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        t.request({
          method: 'POST',
          url: '/api/auth/sign-up/email',
          body: { email: i % 2 ? email.toUpperCase() : email, password: 'correct horse battery' },
        }),
      ),
    );
    expect(responses.map((r) => r.statusCode).sort()).toEqual([201, ...Array<number>(7).fill(409)]);
    for (const conflict of responses.filter((r) => r.statusCode === 409)) {
      expect(conflict.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
    const { rows } = await t.sql.query<{ count: string }>('SELECT count(*) FROM users WHERE email = $1', [email]);
    expect(Number(rows[0].count)).toBe(1);
  });
});
