import { expect } from '@jest/globals';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { type EventStreamClient, listen, openEventStream } from './support/event-stream.js';
import { describeWithPostgres15, PgCluster } from './support/pg-cluster.js';
import { TcpProxy } from './support/tcp-proxy.js';
import { createTestApp, type TestApp } from './support/test-app.js';
import { mintToken } from './support/tokens.js';
import { checkStored, unavailableSeconds, Writers } from './support/writers.js';

/** The database the app uses on the clusters. */
const DATABASE = 'todo';
/** The channel's periodic catch-up, set far off so that only LISTEN (and its reconnection) can tell streams. */
const NO_PERIODIC_CATCH_UP = '300000';

/**
 * A failover as a managed database performs it, under 8 concurrent writers (4 with Idempotency-Key):
 * two PostgreSQL 15 servers from Debian's packages, a primary and a streaming standby that every
 * commit waits for (synchronous_standby_names), behind one stable endpoint (a TCP proxy, as a DNS
 * name would be) that both DATABASE_URL and DATABASE_DIRECT_URL name.
 */
describeWithPostgres15('failover to a synchronous standby under concurrent writers (e2e)', () => {
  let dir: string;
  let primary: PgCluster;
  let standby: PgCluster;
  let endpoint: TcpProxy;
  let t: TestApp;
  let baseUrl: string;
  const token = mintToken({ sub: `failover-${process.pid}` });
  const streams: EventStreamClient[] = [];
  /** How many events each stream had when the endpoint was repointed. */
  let heardAtRepoint: number[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'todo-api-failover-'));
    // As root the servers run as the postgres OS user, which must be able to reach their directories.
    chmodSync(dir, 0o755);
    primary = await PgCluster.init(join(dir, 'a'));
    await primary.start();
    await primary.query(`CREATE DATABASE ${DATABASE}`);
    standby = await PgCluster.standbyOf(primary, join(dir, 'b'));
    await standby.start();
    // From here on every commit on the primary waits until the standby has it (the standby's copy
    // of the configuration, taken before, does not say so: once promoted it waits for no one).
    await primary.session(["ALTER SYSTEM SET synchronous_standby_names = '*'", 'SELECT pg_reload_conf()']);
    for (let i = 0; ; i++) {
      const [row] = await primary.query<{ sync_state: string }>('SELECT sync_state FROM pg_stat_replication');
      if (row?.sync_state === 'sync') break;
      if (i > 100) throw new Error('the standby never became synchronous');
      await sleep(100);
    }

    endpoint = await TcpProxy.start(primary.port);
    const url = endpoint.urlFor(primary.url(DATABASE));
    const db = { name: DATABASE, url, drop: () => Promise.resolve() };
    t = await createTestApp(
      { DATABASE_URL: url, DATABASE_DIRECT_URL: url, EVENT_CATCH_UP_MS: NO_PERIODIC_CATCH_UP },
      { db },
    );
    // The test's own connection through the endpoint would not survive the switch.
    await t.sql.end();
    baseUrl = await listen(t.app);
  }, 120_000);

  afterAll(async () => {
    for (const stream of streams) stream.close();
    await t?.close();
    await endpoint?.close();
    for (const cluster of [standby, primary]) {
      try {
        cluster?.stop('immediate');
      } catch {
        // Already stopped.
      }
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('loses no acknowledged write, answers 503 (never 500) through the switch, and recovers without a restart', async () => {
    const known = (await t.request({ method: 'GET', url: '/api/sync', token })).json<{ cursor: string }>().cursor;
    for (let i = 0; i < 2; i++) streams.push(await openEventStream(baseUrl, token, { 'last-event-id': known }));
    const writers = new Writers((options) => t.request(options), token, { writers: 8, withKeys: 4 });
    expect(await writers.acknowledgedMore(60)).toBe(true);

    // 1. The old primary is fenced, as a demotion does first: it takes no more writes (25006).
    const fencedAt = writers.now();
    await primary.session(['ALTER SYSTEM SET default_transaction_read_only = on', 'SELECT pg_reload_conf()']);
    await sleep(1_000);
    await primary.session([
      'SET default_transaction_read_only = off',
      'ALTER SYSTEM RESET default_transaction_read_only',
      'SELECT pg_reload_conf()',
    ]);
    const unfencedAt = writers.now();
    expect(await writers.acknowledgedMore(30)).toBe(true);

    // 2. The switch: the standby is promoted (the old primary's commits now wait for a standby that
    // is gone, so none is acknowledged), the old primary is stopped, and the endpoint repointed.
    const switchedAt = writers.now();
    standby.promote();
    primary.stop('fast');
    endpoint.repoint(standby.port);
    const repointedAt = writers.now();
    heardAtRepoint = streams.map((stream) => stream.events.length);
    expect(await writers.acknowledgedMore(60)).toBe(true);
    const result = await writers.stop();

    // Never a 500 (nor anything but 201 and 503), and the same app serves again.
    expect(result.unexpected).toEqual([]);
    const fenced = result.answers.filter(({ at }) => at >= fencedAt && at < unfencedAt + 500);
    expect(fenced.some(({ status }) => status === 503)).toBe(true);
    const firstAfter = result.answers.find(({ status, at }) => status === 201 && at > repointedAt);
    const lastBefore = result.answers.findLast(({ status, at }) => status === 201 && at <= switchedAt);
    expect(firstAfter).toBeDefined();

    // Every acknowledged write is on the new primary, and no keyed write is there twice.
    const sql = new Client({ connectionString: standby.url(DATABASE) });
    await sql.connect();
    const { lost, duplicated } = await checkStored(sql, result).finally(() => sql.end());
    expect(lost).toEqual([]);
    expect(duplicated).toEqual([]);

    // A write that met the read-only server was answered 503, and its connection was closed: no
    // backend of the old primary failed a write (25006) twice, so none went back into the pool.
    const readOnlyErrors = [
      ...primary.log().matchAll(/\[(\d+)\] ERROR: {2}cannot execute \w+ in a read-only transaction/g),
    ];
    expect(readOnlyErrors.length).toBeGreaterThan(0);
    const perBackend = new Map<string, number>();
    for (const [, pid] of readOnlyErrors) perBackend.set(pid, (perBackend.get(pid) ?? 0) + 1);
    expect([...perBackend.values()].filter((count) => count > 1)).toEqual([]);

    const figures = {
      acknowledged: result.acknowledged.length,
      lost: lost.length,
      statuses: result.statuses,
      readOnlyBackendsClosed: perBackend.size,
      unavailableSecondsWhileFenced: unavailableSeconds(fenced),
      unavailableSecondsThroughSwitch: unavailableSeconds(result.answers, switchedAt),
      switchMs: Math.round(repointedAt - switchedAt),
      firstCreatedAfterRepointMs: Math.round(firstAfter!.at - repointedAt),
      // From the last write acknowledged before the switch to the first after it.
      noCreateMs: Math.round(firstAfter!.at - lastBefore!.at),
    };
    console.log(`failover figures: ${JSON.stringify(figures)}`);
  }, 120_000);

  it('moves the LISTEN connection to the new primary: every open stream hears of the writes, then of new ones at once', async () => {
    // The listener reconnected through the endpoint, to the new primary.
    for (let i = 0; ; i++) {
      const [row] = await standby.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'todo-api-listener'",
      );
      if (row.n === 1) break;
      if (i > 150) throw new Error('the LISTEN connection never reached the new primary');
      await sleep(100);
    }
    // Each open stream was told of the writes made since the switch (on reconnecting, the listener
    // has every stream catch up), and its last change is the cursor as it now stands.
    const cursor = async () =>
      (await t.request({ method: 'GET', url: '/api/sync', token })).json<{ cursor: string }>().cursor;
    const head = await cursor();
    for (const [i, stream] of streams.entries()) {
      const change = await stream.next(
        (event) => event.event === 'change' && stream.events.indexOf(event) >= heardAtRepoint[i] && event.id === head,
        10_000,
      );
      expect(change.id).toBe(head);
    }
    // And a new write is announced over LISTEN on the new primary at once: this app runs no periodic catch-up.
    const heard = streams.map((stream) => stream.events.length);
    const created = await t.request({ method: 'POST', url: '/api/tasks', token, body: { title: 'After the switch' } });
    expect(created.statusCode).toBe(201);
    const next = await cursor();
    for (const [i, stream] of streams.entries()) {
      const change = await stream.next(
        (event) => event.event === 'change' && stream.events.indexOf(event) >= heard[i],
        5_000,
      );
      expect(change.id).toBe(next);
    }
  });
});
