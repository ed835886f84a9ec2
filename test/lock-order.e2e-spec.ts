import { createLogger } from '../src/logging/logger.js';
import type { Category, Task } from './support/api-types.js';
import { useTestApp, useUsers } from './support/test-app.js';

/**
 * One user's writes keep one lock order (docs/reliability.md, "Lock order"): rows first, in
 * id order, the change cursor last, and the writes that cannot (linking a task to a category, a
 * category's delete) under the user's write lock. A write that PostgreSQL breaks off as a deadlock
 * is run again, so a broken order would not show as an error but as slow writes: this counts the
 * retries UserWrites logs, and wants none, while every kind of write races a category's delete.
 */
const output: string[] = [];
const deadlocks = () =>
  output
    .join('')
    .split('\n')
    .filter((line) => line.includes('40P01'))
    .map((line) => (JSON.parse(line) as { request_id?: string; msg: string }).msg);

const logger = createLogger({ logLevel: 'warn', logFormat: 'json' }, { write: (chunk: string) => output.push(chunk) });
const t = useTestApp({}, { logger });
const [session] = useUsers(t, 1);

it('writes racing a category’s delete (toggles, edits, relinks, creates, complete-all, bulk delete, moves) never deadlock', async () => {
  const request = async (method: 'POST' | 'PATCH' | 'DELETE', url: string, body?: object) => {
    const response = await t.request({ method, url, token: session.token, body });
    expect(response.statusCode).toBeLessThan(500);
    return response;
  };
  const category = async (name: string) => (await request('POST', '/api/categories', { name })).json<Category>().id;
  const spare = await category('Spare');

  for (let round = 0; round < 6; round++) {
    const doomed = await category(`Doomed ${round}`);
    const tasks: number[] = [];
    for (let i = 0; i < 12; i++) {
      const body = { title: `round ${round} task ${i}`, category_ids: i % 3 ? [doomed] : [doomed, spare] };
      tasks.push((await request('POST', '/api/tasks', body)).json<Task>().id);
    }
    tasks.reverse();
    await Promise.all([
      ...tasks.map((id) => request('PATCH', `/api/tasks/${id}/complete`)),
      ...tasks.slice(0, 4).map((id) => request('PATCH', `/api/tasks/${id}`, { title: `edited ${id}` })),
      request('PATCH', `/api/tasks/${tasks[5]}`, { category_ids: [spare] }),
      request('POST', '/api/tasks', { title: `round ${round} late`, category_ids: [doomed] }),
      request('PATCH', `/api/categories/${spare}`, { name: `Spare ${round}` }),
      request('POST', '/api/tasks/complete-all', { completed: round % 2 === 0 }),
      request('DELETE', `/api/tasks?q=round ${round} task 1`),
      request('POST', `/api/tasks/${tasks[7]}/move`, { after_id: null }),
      request('DELETE', `/api/categories/${doomed}`),
    ]);
  }

  expect(deadlocks()).toEqual([]);
  const { rows } = await t.sql.query(`SELECT 1 FROM task_categories WHERE user_id = $1 AND category_id <> $2`, [
    session.user.id,
    spare,
  ]);
  expect(rows).toEqual([]);
});
