import type { Category, Problem, Task, TaskSummary } from './support/api-types.js';
import { type Session, signUpUsers, useTestApp } from './support/test-app.js';

describe('bulk actions and summary', () => {
  const t = useTestApp();

  const request = (session: Session, method: 'GET' | 'POST' | 'DELETE', url: string, body?: unknown) =>
    t.request({ method, url, token: session.token, body });
  const createTask = async (session: Session, body: Record<string, unknown>) => {
    const res = await request(session, 'POST', '/api/tasks', body);
    if (res.statusCode !== 201) throw new Error(`create task: ${res.statusCode} ${res.body}`);
    return res.json<Task>();
  };
  const createCategory = async (session: Session, name: string) =>
    (await request(session, 'POST', '/api/categories', { name })).json<Category>();
  const etags = async (session: Session) => {
    const { rows } = await t.sql.query('SELECT id, version, completed FROM tasks WHERE user_id = $1 ORDER BY id', [
      session.user.id,
    ]);
    return rows as { id: number; version: number; completed: boolean }[];
  };

  describe('POST /tasks/complete-all', () => {
    it('sets every matching task, counts and bumps the version of only those it changes', async () => {
      const [me, other] = await signUpUsers(t, 2);
      const cat = await createCategory(me, 'Shop');
      const milk = await createTask(me, { title: 'milk', category_ids: [cat.id] });
      const eggs = await createTask(me, { title: 'eggs', category_ids: [cat.id], completed: true });
      const loose = await createTask(me, { title: 'loose milk' });
      await createTask(other, { title: 'milk too' });
      const before = await etags(me);
      const otherBefore = await etags(other);
      const etagBefore = (await request(me, 'GET', `/api/tasks/${eggs.id}`)).headers.etag;

      const res = await request(me, 'POST', `/api/${me.user.id}/tasks/complete-all?category_id=${cat.id}`, {
        completed: true,
      });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ updated: 1 });
      const after = await etags(me);
      const version = (id: number, list: typeof after) => list.find((row) => row.id === id)!;
      expect(version(milk.id, after)).toMatchObject({ completed: true, version: version(milk.id, before).version + 1 });
      expect(version(eggs.id, after)).toEqual(version(eggs.id, before));
      expect((await request(me, 'GET', `/api/tasks/${eggs.id}`)).headers.etag).toBe(etagBefore);
      expect(version(loose.id, after)).toEqual(version(loose.id, before));
      expect(await etags(other)).toEqual(otherBefore);

      const reopen = await request(me, 'POST', '/api/tasks/complete-all?q=MILK', { completed: false });
      expect(reopen.json()).toEqual({ updated: 1 });
      expect(await request(me, 'POST', '/api/tasks/complete-all', { completed: true })).toMatchObject({
        statusCode: 200,
      });
      expect((await etags(me)).every((row) => row.completed)).toBe(true);
      expect(await etags(other)).toEqual(otherBefore);
    });

    it.each([
      ['no body', undefined],
      ['a string for completed', { completed: 'true' }],
      ['an unknown field', { completed: true, title: 'x' }],
    ])('refuses %s with 422, changing nothing', async (_case, body) => {
      const me = await t.signUp();
      await createTask(me, { title: 'still pending' });
      const before = await etags(me);
      expect((await request(me, 'POST', '/api/tasks/complete-all', body)).statusCode).toBe(422);
      expect(await etags(me)).toEqual(before);
    });

    it('refuses a bad filter with 422 and another user path with 403', async () => {
      const [me, other] = await signUpUsers(t, 2);
      await createTask(other, { title: 'theirs' });
      const before = await etags(other);
      expect(
        (await request(me, 'POST', '/api/tasks/complete-all?priority=urgent', { completed: true })).statusCode,
      ).toBe(422);
      expect(
        (await request(me, 'POST', `/api/${other.user.id}/tasks/complete-all`, { completed: true })).statusCode,
      ).toBe(403);
      expect(await etags(other)).toEqual(before);
    });
  });

  describe('DELETE /tasks', () => {
    it('deletes the matching tasks and counts them; other users keep theirs', async () => {
      const [me, other] = await signUpUsers(t, 2);
      const done = await createTask(me, { title: 'done', completed: true });
      const open = await createTask(me, { title: 'open' });
      await createTask(other, { title: 'done elsewhere', completed: true });
      const otherBefore = await etags(other);

      const res = await request(me, 'DELETE', '/api/tasks?status=completed');
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ deleted: 1 });
      expect((await etags(me)).map((row) => row.id)).toEqual([open.id]);
      expect((await request(me, 'GET', `/api/tasks/${done.id}`)).statusCode).toBe(404);
      expect(await etags(other)).toEqual(otherBefore);
      expect((await request(me, 'DELETE', '/api/tasks?status=completed')).json()).toEqual({ deleted: 0 });
    });

    it.each(['', '?status=all', '?uncategorized=false', '?q='])(
      'refuses %j (no filter that leaves any task out) with 422, deleting nothing',
      async (query) => {
        const me = await t.signUp();
        await createTask(me, { title: 'precious' });
        const res = await request(me, 'DELETE', `/api/tasks${query}`);
        expect(res.statusCode).toBe(422);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(await etags(me)).toHaveLength(1);
      },
    );

    it("is 403 on another user's path and deletes none of their tasks, even through their category", async () => {
      const [me, other] = await signUpUsers(t, 2);
      const theirs = await createCategory(other, 'Theirs');
      await createTask(other, { title: 'done elsewhere', completed: true, category_ids: [theirs.id] });
      const before = await etags(other);
      expect((await request(me, 'DELETE', `/api/${other.user.id}/tasks?status=completed`)).statusCode).toBe(403);
      expect((await request(me, 'DELETE', `/api/tasks?category_id=${theirs.id}`)).json()).toEqual({ deleted: 0 });
      expect(
        (await request(me, 'POST', `/api/tasks/complete-all?category_id=${theirs.id}`, { completed: false })).json(),
      ).toEqual({ updated: 0 });
      expect(await etags(other)).toEqual(before);
    });

    it('refuses paging and sorting parameters (they would suggest deleting a page) with 422', async () => {
      const me = await t.signUp();
      await createTask(me, { title: 'kept', completed: true });
      for (const query of ['status=completed&limit=1', 'status=completed&sort=title']) {
        expect((await request(me, 'DELETE', `/api/tasks?${query}`)).statusCode).toBe(422);
      }
      expect(await etags(me)).toHaveLength(1);
    });

    it('deletes by category, leaving the category', async () => {
      const me = await t.signUp();
      const cat = await createCategory(me, 'Trip');
      await createTask(me, { title: 'a', category_ids: [cat.id] });
      const keep = await createTask(me, { title: 'b' });
      expect((await request(me, 'DELETE', `/api/tasks?category_id=${cat.id}`)).json()).toEqual({ deleted: 1 });
      expect((await etags(me)).map((row) => row.id)).toEqual([keep.id]);
      expect((await request(me, 'GET', `/api/categories/${cat.id}`)).json()).toMatchObject({ task_count: 0 });
    });
  });

  describe('GET /tasks/summary', () => {
    it('counts exactly as the contract shapes it', async () => {
      const me = await t.signUp();
      const [a, b] = [await createCategory(me, 'A'), await createCategory(me, 'B')];
      const past = new Date(Date.now() - 3 * 86_400_000).toISOString();
      const later = new Date(Date.now() + 30 * 86_400_000).toISOString();
      await createTask(me, { title: 'late', priority: 'high', due_date: past, category_ids: [a.id] });
      await createTask(me, { title: 'late but done', due_date: past, completed: true, category_ids: [a.id, b.id] });
      await createTask(me, { title: 'later', priority: 'low', due_date: later });
      await createTask(me, { title: 'whenever' });
      const res = await request(me, 'GET', '/api/tasks/summary');
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({
        total: 4,
        pending: 3,
        completed: 1,
        overdue: 1,
        due_today: 0,
        by_priority: { low: 1, medium: 1, high: 1 },
        by_category: [
          { category_id: a.id, total: 2, pending: 1 },
          { category_id: b.id, total: 1, pending: 0 },
        ],
      });
      const filtered = await request(me, 'GET', `/api/${me.user.id}/tasks/summary?category_id=${b.id}`);
      expect(filtered.json()).toMatchObject({ total: 1, pending: 0, completed: 1 });
    });

    it('is empty for a new user and never counts another user', async () => {
      const [me, other] = await signUpUsers(t, 2);
      await createTask(other, { title: 'not mine', due_date: new Date().toISOString() });
      expect((await request(me, 'GET', '/api/tasks/summary?tz=Europe/Paris')).json()).toEqual({
        total: 0,
        pending: 0,
        completed: 0,
        overdue: 0,
        due_today: 0,
        by_priority: { low: 0, medium: 0, high: 0 },
        by_category: [],
      });
      expect((await request(me, 'GET', `/api/${other.user.id}/tasks/summary`)).statusCode).toBe(403);
    });

    it.each(['Mars/Olympus_Mons', 'UTC+3', '+05:00', 'Europe/', '', 'x'.repeat(200), "UTC'; --"])(
      'refuses the time zone %j with 422 on tz',
      async (tz) => {
        const me = await t.signUp();
        const res = await request(me, 'GET', `/api/tasks/summary?tz=${encodeURIComponent(tz)}`);
        expect(res.statusCode).toBe(422);
        expect(res.json<Problem>().errors).toEqual([expect.objectContaining({ field: 'tz' })]);
      },
    );

    /** The calendar day of `instant` in `timeZone`, by ICU: the oracle the database must agree with. */
    const dayIn = (instant: Date, timeZone: string) =>
      new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(instant);

    it.each(['UTC', 'Pacific/Kiritimati', 'Pacific/Pago_Pago', 'Asia/Kathmandu', 'America/St_Johns', 'Europe/Paris'])(
      'counts as due today, in %s, the tasks due on that zone’s calendar day',
      async (timeZone) => {
        const me = await t.signUp();
        const now = Date.now();
        // Due times from 30 hours ago to 30 hours ahead, every 90 minutes, plus 23:30 UTC today.
        const dues = Array.from({ length: 41 }, (_, i) => new Date(now + (i - 20) * 90 * 60_000));
        const utcToday = new Date(now).toISOString().slice(0, 10);
        dues.push(new Date(`${utcToday}T23:30:00.000Z`));
        for (const [i, due] of dues.entries()) await createTask(me, { title: `due ${i}`, due_date: due.toISOString() });

        const res = await request(me, 'GET', `/api/tasks/summary?tz=${encodeURIComponent(timeZone)}`);
        expect(res.statusCode).toBe(200);
        const today = dayIn(new Date(), timeZone);
        const expected = dues.filter((due) => dayIn(due, timeZone) === today).length;
        expect(res.json<TaskSummary>().due_today).toBe(expected);
        expect(res.json<TaskSummary>().overdue).toBe(dues.filter((due) => due.getTime() < Date.now()).length);
      },
    );

    it('puts 23:30 UTC on different days in zones on either side of the date line', async () => {
      const me = await t.signUp();
      const utcToday = new Date().toISOString().slice(0, 10);
      await createTask(me, { title: 'late evening UTC', due_date: `${utcToday}T23:30:00Z` });
      const dueToday = async (tz: string) =>
        (await request(me, 'GET', `/api/tasks/summary?tz=${encodeURIComponent(tz)}`)).json<TaskSummary>().due_today;
      const due = new Date(`${utcToday}T23:30:00Z`);
      for (const tz of ['UTC', 'Pacific/Kiritimati', 'Etc/GMT+12']) {
        expect(await dueToday(tz)).toBe(dayIn(due, tz) === dayIn(new Date(), tz) ? 1 : 0);
      }
      // 23:30 UTC is 13:30 the next day at UTC+14 and 11:30 the same day at UTC-12.
      expect(dayIn(due, 'Pacific/Kiritimati')).not.toBe(dayIn(due, 'Etc/GMT+12'));
      // In UTC, "today" ends at midnight UTC: the task is due today there whenever this runs.
      expect(await dueToday('UTC')).toBe(1);
    });

    it('is not captured by the :id route, nor complete-all', async () => {
      const me = await t.signUp();
      expect((await request(me, 'GET', '/api/tasks/summary')).statusCode).toBe(200);
      expect((await request(me, 'POST', '/api/tasks/complete-all', { completed: true })).statusCode).toBe(200);
    });
  });
});
