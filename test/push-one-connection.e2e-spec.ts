import { randomUUID } from 'node:crypto';
import { useTestApp } from './support/test-app.js';

/**
 * With DB_POOL_SIZE=1 (common on serverless hosts), a pushed mutation's transaction holds the only
 * connection: the service reads it makes (placement checks, the current row of a no-op update) must
 * run in that transaction, not wait for a second connection that never comes.
 */

const t = useTestApp({ DB_POOL_SIZE: '1' });

describe('push on a pool of one connection', () => {
  it('applies mutations whose services read as well as write', async () => {
    const { token } = await t.signUp();
    const mutations = [
      { id: 1, name: 'list.create', args: { name: 'Errands', temp_id: 'l' } },
      { id: 2, name: 'task.create', args: { title: 'Milk', list_id: 'temp:l', temp_id: 't' } },
      { id: 3, name: 'task.create', args: { title: 'Oat', parent_id: 'temp:t' } },
      { id: 4, name: 'category.create', args: { name: 'Shop', temp_id: 'c' } },
      // No field changes: each answers from a read of the current row.
      { id: 5, name: 'task.update', args: { id: 'temp:t' } },
      { id: 6, name: 'category.update', args: { id: 'temp:c' } },
      { id: 7, name: 'list.update', args: { id: 'temp:l' } },
      { id: 8, name: 'task.update', args: { id: 'temp:t', list_id: 'temp:l', category_ids: ['temp:c'] } },
    ];
    const started = Date.now();
    const response = await t.request({
      method: 'POST',
      url: '/api/sync/push',
      token,
      body: { client_id: randomUUID(), mutations },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json<{ results: { status: string }[] }>().results.map((result) => result.status)).toEqual(
      Array(mutations.length).fill('applied'),
    );
    // Well within the 5 s a statement waits for a pool connection before it fails.
    expect(Date.now() - started).toBeLessThan(4_000);
  });
});
