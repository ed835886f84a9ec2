import type { Problem, Task, TaskPage } from './support/api-types.js';
import { useTestApp } from './support/test-app.js';
import { mintToken } from './support/tokens.js';

/** Hostile but well-authenticated input: each case is a clean 4xx problem and changes nothing. */
describe('hostile input (e2e)', () => {
  const t = useTestApp();
  const token = mintToken({ sub: 'hostile-tester' });
  let taskId: number;
  const stored = async () => (await t.sql.query<Record<string, unknown>>('SELECT * FROM tasks ORDER BY id')).rows;

  beforeAll(async () => {
    for (const title of ['100% done', '50/50 chance', 'snake_case name', 'back\\slash', 'plain words']) {
      const response = await t.request({
        method: 'POST',
        url: '/api/tasks',
        token,
        body: { title, description: 'desc' },
      });
      taskId ??= response.json<Task>().id;
    }
  });

  const json = (method: 'POST' | 'PUT' | 'PATCH', url: string, body: string) =>
    t.request({ method, url, token, body, headers: { 'content-type': 'application/json' } });
  const expectRejected = (
    response: { statusCode: number; headers: Record<string, unknown>; json(): { status: number } },
    status: number,
  ) => {
    expect(response.statusCode).toBe(status);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json().status).toBe(status);
  };

  describe('nothing changes when a request is refused', () => {
    let before: unknown[];
    beforeEach(async () => {
      before = await stored();
    });
    afterEach(async () => {
      expect(await stored()).toEqual(before);
    });

    it.each([
      ['user_id', { title: 'Mine now', user_id: 'someone-else' }],
      ['id', { title: 'Chosen id', id: 1 }],
      ['created_at', { title: 'Backdated', created_at: '2000-01-01T00:00:00.000Z' }],
      ['updated_at', { title: 'Backdated', updated_at: '2000-01-01T00:00:00.000Z' }],
      ['version', { title: 'Versioned', version: 99 }],
    ])('mass assignment of %s is a 422 naming the field, on create and on update', async (field, body) => {
      for (const [method, url] of [
        ['POST', '/api/tasks'],
        ['PUT', `/api/tasks/${taskId}`],
        ['PATCH', `/api/tasks/${taskId}`],
      ] as const) {
        const response = await t.request({ method, url, token, body });
        expectRejected(response, 422);
        expect(response.json<Problem>().errors).toContainEqual({ field, message: 'is not an accepted field' });
      }
    });

    it.each([
      ['a title', { title: 'nul \u0000 inside' }],
      ['a description', { title: 'fine', description: 'nul \u0000 inside' }],
    ])('a NUL character in %s is a 422 (PostgreSQL cannot store it), on create and on update', async (_, body) => {
      expectRejected(await t.request({ method: 'POST', url: '/api/tasks', token, body }), 422);
      expectRejected(await t.request({ method: 'PATCH', url: `/api/tasks/${taskId}`, token, body }), 422);
      expectRejected(
        await t.request({ method: 'POST', url: '/api/tasks', token, body, headers: { 'idempotency-key': 'nul-body' } }),
        422,
      );
    });

    it('a NUL character in a sign-up name or a search is a 422', async () => {
      const signUp = { email: 'nul-name@example.com', password: 'correct horse battery', name: 'nul \u0000' };
      expectRejected(await t.request({ method: 'POST', url: '/api/auth/sign-up/email', body: signUp }), 422);
      expect((await t.sql.query(`SELECT 1 FROM users WHERE email = 'nul-name@example.com'`)).rows).toEqual([]);
      expectRejected(await t.request({ method: 'GET', url: '/api/tasks?q=%00', token }), 422);
    });

    it.each([
      ['a number past double precision', '{"title": 1e400}'],
      ['a huge completed', '{"title": "x", "completed": 1e400}'],
      ['a huge priority', '{"title": "x", "priority": 123456789012345678901234567890}'],
      ['a numeric title', '{"title": 42}'],
      ['a string boolean', '{"title": "x", "completed": "true"}'],
      ['a year past 9999', '{"title": "x", "due_date": "+275760-09-13T00:00:00.000Z"}'],
      ['a five-digit year', '{"title": "x", "due_date": "10000-01-01"}'],
      ['an array body', '[{"title": "x"}]'],
      ['a string body', '"title"'],
    ])('%s in a body is a 422', async (_, body) => {
      expectRejected(await json('POST', '/api/tasks', body), 422);
      expectRejected(await json('PATCH', `/api/tasks/${taskId}`, body.replace('"title": "x", ', '')), 422);
    });

    it.each([
      ['__proto__', '{"title": "x", "__proto__": {"admin": true}}'],
      ['constructor.prototype', '{"title": "x", "constructor": {"prototype": {"admin": true}}}'],
    ])('prototype poisoning through %s is a 400', async (_, body) => {
      expectRejected(await json('POST', '/api/tasks', body), 400);
      expect(({} as { admin?: boolean }).admin).toBeUndefined();
    });

    it('a text/plain body is a 415, not a string to validate', async () => {
      expectRejected(
        await t.request({
          method: 'POST',
          url: '/api/tasks',
          token,
          body: 'title=x',
          headers: { 'content-type': 'text/plain' },
        }),
        415,
      );
    });

    it.each(['1e308', '99999999999999999999', '-1', '1.5', '0x10', '1e2', ' 5', 'NaN', 'Infinity', '%00'])(
      'limit or offset %j is a 422',
      async (value) => {
        expectRejected(await t.request({ method: 'GET', url: `/api/tasks?limit=${value}`, token }), 422);
        expectRejected(await t.request({ method: 'GET', url: `/api/tasks?offset=${value}`, token }), 422);
      },
    );

    it.each([
      '0',
      '-1',
      '1.5',
      '1e3',
      '01',
      '+1',
      '0x10',
      '2147483648',
      '99999999999999999999',
      'abc',
      '%20' + '1',
      '1%00',
      '%D9%A1',
      '1;DROP%20TABLE%20tasks',
      'null',
    ])('task id %j is a 422 on every method', async (id) => {
      for (const [method, path, body] of [
        ['GET', `/api/tasks/${id}`, undefined],
        ['PUT', `/api/tasks/${id}`, { title: 'x' }],
        ['PATCH', `/api/tasks/${id}`, { title: 'x' }],
        ['PATCH', `/api/tasks/${id}/complete`, undefined],
        ['DELETE', `/api/tasks/${id}`, undefined],
      ] as const) {
        const response = await t.request({ method, url: path, token, body });
        expectRejected(response, 422);
        expect(response.json<Problem>().errors).toEqual([{ field: 'id', message: 'must be a positive integer' }]);
      }
    });
  });

  describe('LIKE wildcards in q are matched literally', () => {
    it.each([
      ['%', ['100% done']],
      ['_', ['snake_case name']],
      ['\\', ['back\\slash']],
      ['0%', ['100% done']],
      ['/', ['50/50 chance']],
      ['%%', []],
      ['_a', []],
      ["' OR '1'='1", []],
    ])('q=%j finds %j', async (q, titles) => {
      const response = await t.request({ method: 'GET', url: `/api/tasks?q=${encodeURIComponent(q)}`, token });
      expect(response.statusCode).toBe(200);
      expect(
        response
          .json<TaskPage>()
          .items.map((task) => task.title)
          .sort(),
      ).toEqual(titles);
    });
  });
});
