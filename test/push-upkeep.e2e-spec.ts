import { randomUUID } from 'node:crypto';
import { TombstonePurgeService } from '../src/sync/tombstone-purge.service.js';
import type { Problem } from './support/api-types.js';
import { useTestApp } from './support/test-app.js';

/**
 * Upkeep of POST /api/sync/push at the floor: with SYNC_RETENTION_DAYS=1, client counters and temp
 * ids are still kept for the contract's 7 days without a push, then go; a client coming back after
 * that is told so. (test/push.e2e-spec.ts covers the default retention.)
 */

const t = useTestApp({ SYNC_RETENTION_DAYS: '1' });

interface PushResponse {
  results: { id: number; status: string; error?: Problem }[];
  last_mutation_id: number;
  id_map: Record<string, number>;
}

const push = async (token: string, clientId: string, mutations: object[]) =>
  t.request({ method: 'POST', url: '/api/sync/push', token, body: { client_id: clientId, mutations } });

/** Moves a client's last push, and its temp ids' creation, `days` into the past. */
const age = async (clientId: string, days: number) => {
  await t.sql.query(`UPDATE sync_clients SET last_push_at = now() - make_interval(days => $2) WHERE client_id = $1`, [
    clientId,
    days,
  ]);
  await t.sql.query(
    `UPDATE sync_client_objects SET created_at = now() - make_interval(days => $2) WHERE client_id = $1`,
    [clientId, days],
  );
};

const clientRows = async (clientId: string) =>
  (await t.sql.query(`SELECT 1 FROM sync_clients WHERE client_id = $1`, [clientId])).rowCount;

describe('push upkeep', () => {
  it('keeps a client idle for 6 days, with its temp ids, though the retention is 1 day', async () => {
    const { token } = await t.signUp();
    const clientId = randomUUID();
    const first = await push(token, clientId, [{ id: 1, name: 'task.create', args: { title: 'Kept', temp_id: 'k' } }]);
    expect(first.statusCode).toBe(200);
    await age(clientId, 6);
    await t.app.get(TombstonePurgeService).purge();

    const next = await push(token, clientId, [{ id: 2, name: 'task.complete', args: { id: 'temp:k' } }]);
    expect(next.json<PushResponse>().results).toEqual([{ id: 2, status: 'applied' }]);
  });

  it('forgets a client idle for 8 days: it is told it is unknown (409, expected_id 1), not given a silent mismatch', async () => {
    const { token } = await t.signUp();
    const clientId = randomUUID();
    await push(token, clientId, [{ id: 1, name: 'task.create', args: { title: 'Old', temp_id: 'old' } }]);
    await age(clientId, 8);
    await t.app.get(TombstonePurgeService).purge();
    expect(await clientRows(clientId)).toBe(0);

    const back = await push(token, clientId, [{ id: 2, name: 'task.complete', args: { id: 'temp:old' } }]);
    expect(back.statusCode).toBe(409);
    const problem = back.json<Problem & { expected_id: number }>();
    expect(problem.expected_id).toBe(1);
    expect(problem.detail).toMatch(/no mutations on record/);
    // Nothing of the refused push was kept: the client is still unknown, and its counter 0.
    expect(await clientRows(clientId)).toBe(0);
    const page = await t.request({ method: 'GET', url: `/api/sync?client_id=${clientId}`, token });
    expect(page.json<{ last_mutation_id: number }>().last_mutation_id).toBe(0);

    // Renumbered from 1, its queue applies; the forgotten temp id names nothing any more.
    const again = await push(token, clientId, [{ id: 1, name: 'task.complete', args: { id: 'temp:old' } }]);
    const [result] = again.json<PushResponse>().results;
    expect(result.status).toBe('rejected');
    expect(result.error?.errors).toEqual([
      { field: 'id', message: 'names no task that this client created (temp:old)' },
    ]);
  });

  it('drops the temp ids of a busy client once they are 8 days old, and keeps its counter', async () => {
    const { token } = await t.signUp();
    const clientId = randomUUID();
    await push(token, clientId, [{ id: 1, name: 'task.create', args: { title: 'Aged', temp_id: 'aged' } }]);
    await t.sql.query(
      `UPDATE sync_client_objects SET created_at = now() - make_interval(days => 8) WHERE client_id = $1`,
      [clientId],
    );
    await t.app.get(TombstonePurgeService).purge();

    const next = await push(token, clientId, [{ id: 2, name: 'task.complete', args: { id: 'temp:aged' } }]);
    const body = next.json<PushResponse>();
    expect(body.last_mutation_id).toBe(2);
    expect(body.results[0].status).toBe('rejected');
  });
});
