import { DataSource, type QueryRunner } from 'typeorm';
import { parseEnv } from '../src/config/env.validation.js';
import { createTestApp, useTestApp, useUsers } from './support/test-app.js';

/** The value of one series in a Prometheus text exposition, or undefined when it is absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const found = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([key, value]) => found[key] === value)) return Number(match[3]);
  }
  return undefined;
}

describe('Metrics at /metrics', () => {
  const t = useTestApp({ DB_POOL_SIZE: '2' });
  const [session] = useUsers(t, 1);
  const scrape = async () => {
    const response = await t.request({ method: 'GET', url: '/metrics' });
    expect(response.statusCode).toBe(200);
    return response.body;
  };

  it('is public and speaks the Prometheus text format', async () => {
    const response = await t.request({ method: 'GET', url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(response.body).toContain('# TYPE http_requests_total counter');
  });

  it('counts requests and their latency by route template and status', async () => {
    await t.request({ method: 'GET', url: '/api/tasks', token: session.token });
    await t.request({ method: 'GET', url: '/api/tasks/987654', token: session.token });
    await t.request({ method: 'GET', url: '/api/tasks/987655', token: session.token });
    await t.request({ method: 'GET', url: '/no/such/route' });
    const text = await scrape();

    expect(sample(text, 'http_requests_total', { method: 'GET', route: '/api/tasks', status: '200' })).toBe(1);
    expect(sample(text, 'http_requests_total', { method: 'GET', route: '/api/tasks/:id', status: '404' })).toBe(2);
    expect(sample(text, 'http_requests_total', { method: 'GET', route: '(unmatched)', status: '404' })).toBe(1);
    expect(sample(text, 'http_request_duration_seconds_count', { route: '/api/tasks/:id', status: '404' })).toBe(2);
    expect(
      sample(text, 'http_request_duration_seconds_bucket', { route: '/api/tasks/:id', status: '404', le: '+Inf' }),
    ).toBe(2);
    expect(
      sample(text, 'http_request_duration_seconds_sum', { route: '/api/tasks/:id', status: '404' }),
    ).toBeGreaterThan(0);
    // Raw URLs would make one series per task id.
    expect(text).not.toContain('987654');
    expect(text).not.toContain('/no/such/route');
  });

  it('shows the database pool in use, idle and waiting', async () => {
    const dataSource = t.app.get(DataSource);
    const held: QueryRunner[] = [dataSource.createQueryRunner(), dataSource.createQueryRunner()];
    for (const runner of held) await runner.connect();
    // The pool holds two connections (DB_POOL_SIZE=2): a third query has to wait.
    const waiting = dataSource.query('SELECT 1');
    try {
      const busy = await scrape();
      expect(sample(busy, 'db_pool_connections', { state: 'in_use' })).toBe(2);
      expect(sample(busy, 'db_pool_connections', { state: 'idle' })).toBe(0);
      expect(sample(busy, 'db_pool_waiting_requests')).toBe(1);
    } finally {
      for (const runner of held) await runner.release();
    }
    await waiting;
    const calm = await scrape();
    expect(sample(calm, 'db_pool_connections', { state: 'in_use' })).toBe(0);
    expect(sample(calm, 'db_pool_connections', { state: 'idle' })).toBe(2);
    expect(sample(calm, 'db_pool_waiting_requests')).toBe(0);
  });

  it('includes process metrics', async () => {
    const text = await scrape();
    expect(sample(text, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(sample(text, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
  });

  it('stays out of the API docs', async () => {
    const document = (await t.request({ method: 'GET', url: '/docs-json' })).json<{ paths: Record<string, unknown> }>();
    expect(Object.keys(document.paths)).not.toContain('/metrics');
    expect(Object.keys(document.paths)).toContain('/api/tasks');
  });
});

describe('Metrics turned off', () => {
  it('answers /metrics like an unknown route when METRICS_ENABLED=false', async () => {
    const t = await createTestApp({ METRICS_ENABLED: 'false' });
    try {
      const response = await t.request({ method: 'GET', url: '/metrics' });
      expect(response.statusCode).toBe(404);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(response.body).not.toContain('http_requests_total');
    } finally {
      await t.close();
    }
  });

  it('rejects a METRICS_ENABLED that is not a boolean', () => {
    expect(parseEnv({ METRICS_ENABLED: 'maybe' }).problems).toContain(
      'METRICS_ENABLED: must be true or false, got "maybe"',
    );
    expect(parseEnv({ METRICS_ENABLED: 'FALSE' }).env.metricsEnabled).toBe(false);
  });
});
