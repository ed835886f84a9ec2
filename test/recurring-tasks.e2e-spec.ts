import type { CompleteAllResult, Problem, Task } from './support/api-types.js';
import { type Session, useTestApp, useUsers } from './support/test-app.js';

describe('recurring tasks', () => {
  const t = useTestApp();
  const [alice, bob] = useUsers(t, 2);

  const create = (body: unknown, session = alice) =>
    t.request({ method: 'POST', url: '/api/tasks', token: session.token, body });
  const created = async (body: unknown) => {
    const res = await create(body);
    expect(res.statusCode).toBe(201);
    return res.json<Task>();
  };
  const patch = (id: number, body: unknown, headers?: Record<string, string>) =>
    t.request({ method: 'PATCH', url: `/api/tasks/${id}`, token: alice.token, body, headers });
  const complete = (id: number, body?: unknown, headers?: Record<string, string>, session = alice) =>
    t.request({ method: 'PATCH', url: `/api/tasks/${id}/complete`, token: session.token, body, headers });
  const row = async (id: number) =>
    (await t.sql.query<Record<string, unknown>>('SELECT * FROM tasks WHERE id = $1', [id])).rows[0];
  const taskCount = async () => (await t.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM tasks')).rows[0].n;

  describe('completing advances the due date along the series', () => {
    it.each([
      ['DAILY', 'FREQ=DAILY', '2026-12-01T09:00:00.000Z', ['2026-12-02T09:00:00.000Z', '2026-12-03T09:00:00.000Z']],
      ['DAILY every 2 days', 'FREQ=DAILY;INTERVAL=2', '2026-12-01T09:00:00.000Z', ['2026-12-03T09:00:00.000Z']],
      [
        'WEEKLY on Monday and Wednesday',
        'FREQ=WEEKLY;BYDAY=MO,WE',
        '2026-11-30T18:30:00.000Z',
        ['2026-12-02T18:30:00.000Z', '2026-12-07T18:30:00.000Z', '2026-12-09T18:30:00.000Z'],
      ],
      [
        'MONTHLY on the 31st (months without one are skipped)',
        'FREQ=MONTHLY;BYMONTHDAY=31',
        '2027-01-31T08:00:00.000Z',
        ['2027-03-31T08:00:00.000Z', '2027-05-31T08:00:00.000Z'],
      ],
      [
        'MONTHLY on the last day (-1)',
        'FREQ=MONTHLY;BYMONTHDAY=-1',
        '2027-01-31T08:00:00.000Z',
        ['2027-02-28T08:00:00.000Z', '2027-03-31T08:00:00.000Z', '2027-04-30T08:00:00.000Z'],
      ],
      [
        'YEARLY on February 29',
        'FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29',
        '2028-02-29T12:00:00.000Z',
        ['2032-02-29T12:00:00.000Z', '2036-02-29T12:00:00.000Z'],
      ],
      [
        'MONTHLY on the last Friday',
        'FREQ=MONTHLY;BYDAY=-1FR',
        '2026-12-25T09:00:00.000Z',
        ['2027-01-29T09:00:00.000Z', '2027-02-26T09:00:00.000Z'],
      ],
    ])('%s', async (_, recurrence, due, expected) => {
      const task = await created({ title: 'Repeat', due_date: due, recurrence });
      for (const next of expected) {
        const res = await complete(task.id);
        expect(res.statusCode).toBe(200);
        expect(res.json<Task>()).toMatchObject({ due_date: next, completed: false, recurrence });
      }
    });

    it('COUNT: the last date of the series completes the task like any other', async () => {
      const task = await created({
        title: 'Three times',
        due_date: '2026-12-01T09:00:00Z',
        recurrence: 'FREQ=DAILY;COUNT=3',
      });
      expect((await complete(task.id)).json<Task>()).toMatchObject({
        due_date: '2026-12-02T09:00:00.000Z',
        completed: false,
      });
      expect((await complete(task.id)).json<Task>()).toMatchObject({
        due_date: '2026-12-03T09:00:00.000Z',
        completed: false,
      });
      expect((await complete(task.id)).json<Task>()).toMatchObject({
        due_date: '2026-12-03T09:00:00.000Z',
        completed: true,
      });
      // Reopened, it is the last date again; completing it completes it again.
      expect((await complete(task.id)).json<Task>()).toMatchObject({ completed: false });
      expect((await complete(task.id, { completed: true })).json<Task>()).toMatchObject({
        due_date: '2026-12-03T09:00:00.000Z',
        completed: true,
      });
    });

    it('UNTIL: no date after it, so the task then completes', async () => {
      const task = await created({
        title: 'Until mid-December',
        due_date: '2026-12-01T09:00:00Z',
        recurrence: 'FREQ=WEEKLY;UNTIL=20261215',
      });
      expect((await complete(task.id)).json<Task>()).toMatchObject({
        due_date: '2026-12-08T09:00:00.000Z',
        completed: false,
      });
      expect((await complete(task.id)).json<Task>()).toMatchObject({
        due_date: '2026-12-08T09:00:00.000Z',
        completed: true,
      });
    });

    it('moves remind_at by the same amount and clears reminded_at, so the reminder fires again', async () => {
      const task = await created({
        title: 'Weekly review',
        due_date: '2026-12-04T16:00:00Z',
        remind_at: '2026-12-04T15:30:00Z',
        recurrence: 'FREQ=WEEKLY',
      });
      await t.sql.query('UPDATE tasks SET reminded_at = now() WHERE id = $1', [task.id]);
      expect((await complete(task.id, { completed: true })).json<Task>()).toMatchObject({
        due_date: '2026-12-11T16:00:00.000Z',
        remind_at: '2026-12-11T15:30:00.000Z',
        reminded_at: null,
        completed: false,
      });
    });

    it('advances on PATCH {completed: true} too, and un-completing or clearing the rule behaves as for any task', async () => {
      const task = await created({ title: 'Daily', due_date: '2026-12-01T09:00:00Z', recurrence: 'FREQ=DAILY' });
      expect((await patch(task.id, { completed: true, title: 'Daily!' })).json<Task>()).toMatchObject({
        title: 'Daily!',
        due_date: '2026-12-02T09:00:00.000Z',
        completed: false,
      });
      expect((await complete(task.id, { completed: false })).json<Task>()).toMatchObject({
        due_date: '2026-12-02T09:00:00.000Z',
        completed: false,
      });
      expect((await patch(task.id, { recurrence: null })).json<Task>()).toMatchObject({ recurrence: null });
      expect((await complete(task.id)).json<Task>()).toMatchObject({
        due_date: '2026-12-02T09:00:00.000Z',
        completed: true,
      });
      expect((await row(task.id)).recurrence_start).toBeNull();
    });
  });

  describe('the rule', () => {
    it('is returned exactly as sent, and null by default', async () => {
      expect(
        (await created({ title: 'x', due_date: '2026-12-01', recurrence: 'freq=weekly;byday=mo' })).recurrence,
      ).toBe('freq=weekly;byday=mo');
      expect((await created({ title: 'y' })).recurrence).toBeNull();
    });

    it('starts its series at the due date it had when the rule was set, and the same rule sent again changes nothing', async () => {
      const task = await created({ title: 'Twice', due_date: '2026-12-05T09:00:00Z' });
      const set = await patch(task.id, { recurrence: 'FREQ=DAILY;COUNT=2' });
      expect(set.statusCode).toBe(200);
      // Moving the due date does not move the series' start: its two dates stay December 5 and 6.
      const again = await patch(task.id, { due_date: '2026-12-04T09:00:00Z', recurrence: 'FREQ=DAILY;COUNT=2' });
      expect(again.statusCode).toBe(200);
      expect((await complete(task.id)).json<Task>()).toMatchObject({
        due_date: '2026-12-05T09:00:00.000Z',
        completed: false,
      });
      expect((await complete(task.id)).json<Task>()).toMatchObject({
        due_date: '2026-12-06T09:00:00.000Z',
        completed: false,
      });
      expect((await complete(task.id)).json<Task>()).toMatchObject({ completed: true });
    });

    it.each([
      ['a rule without a due date', { recurrence: 'FREQ=DAILY' }, 'recurrence'],
      ['another frequency', { due_date: '2026-12-01', recurrence: 'FREQ=HOURLY' }, 'recurrence'],
      ['an unsupported part', { due_date: '2026-12-01', recurrence: 'FREQ=DAILY;BYHOUR=9' }, 'recurrence'],
      ['BYSETPOS', { due_date: '2026-12-01', recurrence: 'FREQ=MONTHLY;BYDAY=MO;BYSETPOS=1' }, 'recurrence'],
      ['the RRULE: prefix', { due_date: '2026-12-01', recurrence: 'RRULE:FREQ=DAILY' }, 'recurrence'],
      ['an empty rule', { due_date: '2026-12-01', recurrence: '' }, 'recurrence'],
      ['no FREQ', { due_date: '2026-12-01', recurrence: 'INTERVAL=2' }, 'recurrence'],
      ['a repeated part', { due_date: '2026-12-01', recurrence: 'FREQ=DAILY;FREQ=WEEKLY' }, 'recurrence'],
      ['COUNT and UNTIL', { due_date: '2026-12-01', recurrence: 'FREQ=DAILY;COUNT=2;UNTIL=20270101' }, 'recurrence'],
      ['a numbered BYDAY with WEEKLY', { due_date: '2026-12-01', recurrence: 'FREQ=WEEKLY;BYDAY=1MO' }, 'recurrence'],
      ['BYMONTHDAY=32', { due_date: '2026-12-01', recurrence: 'FREQ=MONTHLY;BYMONTHDAY=32' }, 'recurrence'],
      ['UNTIL on February 30', { due_date: '2026-12-01', recurrence: 'FREQ=DAILY;UNTIL=20270230' }, 'recurrence'],
      ['February 30', { due_date: '2026-12-01', recurrence: 'FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30' }, 'recurrence'],
      [
        'a daily February 30',
        { due_date: '2026-12-01', recurrence: 'FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30' },
        'recurrence',
      ],
      [
        'an UNTIL before the due date',
        { due_date: '2026-12-01', recurrence: 'FREQ=DAILY;UNTIL=20261101' },
        'recurrence',
      ],
      ['a huge INTERVAL', { due_date: '2026-12-01', recurrence: 'FREQ=DAILY;INTERVAL=999999999' }, 'recurrence'],
      ['INTERVAL=0', { due_date: '2026-12-01', recurrence: 'FREQ=DAILY;INTERVAL=0' }, 'recurrence'],
      ['a huge COUNT', { due_date: '2026-12-01', recurrence: 'FREQ=DAILY;COUNT=99999999999' }, 'recurrence'],
      [
        'a 10,000-character rule',
        { due_date: '2026-12-01', recurrence: `FREQ=DAILY;${'BYDAY=MO;'.repeat(1110)}` },
        'recurrence',
      ],
      ['a number', { due_date: '2026-12-01', recurrence: 7 }, 'recurrence'],
    ])('refuses %s with 422 on the field, and creates nothing', async (_, body, field) => {
      const before = await taskCount();
      const res = await create({ title: 'Bad rule', ...body });
      expect(res.statusCode).toBe(422);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json<Problem>().errors?.map((error) => error.field)).toContain(field);
      expect(await taskCount()).toBe(before);
    });

    it('says what is supported when a part is not', async () => {
      const res = await create({ title: 'x', due_date: '2026-12-01', recurrence: 'FREQ=DAILY;BYHOUR=9' });
      expect(res.statusCode).toBe(422);
      expect(res.json<Problem>().errors?.[0].message).toMatch(
        /FREQ \(DAILY, WEEKLY, MONTHLY or YEARLY\), INTERVAL, BYDAY, BYMONTHDAY, BYMONTH, and COUNT or UNTIL/,
      );
    });

    it('is 422 on update without a due date, and a recurring task’s due date cannot be cleared', async () => {
      const undated = await created({ title: 'Undated' });
      const before = await row(undated.id);
      const res = await patch(undated.id, { recurrence: 'FREQ=DAILY' });
      expect(res.statusCode).toBe(422);
      expect(res.json<Problem>().errors).toEqual([
        { field: 'recurrence', message: expect.stringMatching(/due_date/) as unknown },
      ]);
      expect(await row(undated.id)).toEqual(before);

      const recurring = await created({ title: 'Daily', due_date: '2026-12-01', recurrence: 'FREQ=DAILY' });
      const kept = await row(recurring.id);
      const cleared = await patch(recurring.id, { due_date: null });
      expect(cleared.statusCode).toBe(422);
      expect(cleared.json<Problem>().errors).toEqual([{ field: 'due_date', message: expect.any(String) as unknown }]);
      expect(await row(recurring.id)).toEqual(kept);
      // Clearing both is fine.
      expect((await patch(recurring.id, { due_date: null, recurrence: null })).statusCode).toBe(200);
    });
  });

  describe('complete-all', () => {
    const completeAll = (session: Session, query = '') =>
      t.request({
        method: 'POST',
        url: `/api/tasks/complete-all${query}`,
        token: session.token,
        body: { completed: true },
      });

    it('advances the recurring tasks it matches, completes the rest, and counts both', async () => {
      const carol = await t.signUp();
      const make = async (body: object) => {
        const res = await create({ title: 'Task', ...body }, carol);
        expect(res.statusCode).toBe(201);
        return res.json<Task>();
      };
      const daily = await make({
        due_date: '2026-12-01T09:00:00Z',
        remind_at: '2026-12-01T08:00:00Z',
        recurrence: 'FREQ=DAILY',
      });
      const once = await make({ due_date: '2026-12-01T09:00:00Z', recurrence: 'FREQ=DAILY;COUNT=1' });
      const plain = await make({});
      const done = await make({ completed: true });
      const doneBefore = await row(done.id);

      const res = await completeAll(carol);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ updated: 3 });
      expect(await row(daily.id)).toMatchObject({
        completed: false,
        due_date: new Date('2026-12-02T09:00:00Z'),
        remind_at: new Date('2026-12-02T08:00:00Z'),
        version: 2,
      });
      expect(await row(once.id)).toMatchObject({ completed: true, due_date: new Date('2026-12-01T09:00:00Z') });
      expect(await row(plain.id)).toMatchObject({ completed: true });
      expect(await row(done.id)).toEqual(doneBefore);
    });

    it('advances a recurring task exactly once per call under 20 concurrent calls', async () => {
      const dave = await t.signUp();
      const res = await create({ title: 'Daily', due_date: '2026-12-01T09:00:00Z', recurrence: 'FREQ=DAILY' }, dave);
      const { id } = res.json<Task>();
      const results = await Promise.all(Array.from({ length: 20 }, () => completeAll(dave)));
      expect(results.map((result) => result.json<CompleteAllResult>().updated)).toEqual(Array<number>(20).fill(1));
      expect(await row(id)).toMatchObject({
        due_date: new Date('2026-12-21T09:00:00Z'),
        completed: false,
        version: 21,
      });
    });
  });

  describe('concurrency and conditions', () => {
    it('advances exactly 20 times under 20 concurrent completions, never losing one', async () => {
      const toggled = await created({ title: 'Toggled', due_date: '2026-12-01T09:00:00Z', recurrence: 'FREQ=DAILY' });
      const set = await created({ title: 'Set', due_date: '2026-12-01T09:00:00Z', recurrence: 'FREQ=DAILY' });
      const results = await Promise.all([
        ...Array.from({ length: 20 }, () => complete(toggled.id)),
        ...Array.from({ length: 20 }, () => complete(set.id, { completed: true })),
      ]);
      expect(results.every((res) => res.statusCode === 200)).toBe(true);
      for (const id of [toggled.id, set.id]) {
        expect(await row(id)).toMatchObject({
          due_date: new Date('2026-12-21T09:00:00Z'),
          completed: false,
          version: 21,
        });
      }
    });

    it('never goes past COUNT under 20 concurrent completions', async () => {
      const task = await created({ title: 'Five', due_date: '2026-12-01T09:00:00Z', recurrence: 'FREQ=DAILY;COUNT=5' });
      const results = await Promise.all(Array.from({ length: 20 }, () => complete(task.id, { completed: true })));
      expect(results.every((res) => res.statusCode === 200)).toBe(true);
      expect(await row(task.id)).toMatchObject({ due_date: new Date('2026-12-05T09:00:00Z'), completed: true });
    });

    it('honours If-Match (412 and nothing changes), and is 404 for another user’s task', async () => {
      const task = await created({ title: 'Daily', due_date: '2026-12-01T09:00:00Z', recurrence: 'FREQ=DAILY' });
      const before = await row(task.id);
      expect((await complete(task.id, undefined, { 'if-match': `"${task.id}-9"` })).statusCode).toBe(412);
      expect((await patch(task.id, { completed: true }, { 'if-match': `"${task.id}-9"` })).statusCode).toBe(412);
      expect((await complete(task.id, undefined, undefined, bob)).statusCode).toBe(404);
      expect(
        (
          await t.request({
            method: 'PATCH',
            url: `/api/tasks/${task.id}`,
            token: bob.token,
            body: { recurrence: 'FREQ=WEEKLY' },
          })
        ).statusCode,
      ).toBe(404);
      expect(await row(task.id)).toEqual(before);
      const fresh = await complete(task.id, undefined, { 'if-match': `"${task.id}-1"` });
      expect(fresh.statusCode).toBe(200);
      expect(fresh.json<Task>().due_date).toBe('2026-12-02T09:00:00.000Z');
    });
  });
});
