/**
 * Live events under load, printed, not asserted (targets in issue 12: p99 at most 250 ms; at most
 * 30 MB of RSS per 1,000 idle streams; writes with notifications within 10% of writes without).
 * Run at the end of `npm run bench`, or alone with `npm run bench:events [-- --quick]`.
 *
 * Two instances of the built service on one database; STREAMS streams spread over both, USERS
 * users each with streams on both instances; writers make WRITES_PER_SECOND changes a second
 * through either instance. Latency is measured from sending the write to each stream's `change`
 * event, so it includes the write's own HTTP round trip: an upper bound of commit-to-event.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import type { BenchDatabase } from './bench-database.js';
import { load } from './load.js';
import { MemoryCgroup } from './memory-cgroup.js';
import { ServerProcess, sleep } from './server-process.js';

const WRITES_PER_SECOND = 200;

interface User {
  id: string;
  token: string;
  /** When each write of this user was sent, oldest first. */
  sent: number[];
}

const log = (text: string) => process.stderr.write(`[bench:events] ${text}\n`);
const percentile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
const mb = (kb: number) => kb / 1024;
const pct = (ratio: number) => `${ratio >= 1 ? '+' : ''}${((ratio - 1) * 100).toFixed(1)}%`;

async function signUp(url: string): Promise<User> {
  const response = await fetch(`${url}/api/auth/sign-up/email`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: `bench-${randomUUID()}@example.com`, password: 'bench password 123' }),
  });
  const session = (await response.json()) as { user: { id: string }; token: string };
  return { id: session.user.id, token: session.token, sent: [] };
}

/** Opens a stream and calls `onChange` with the arrival time of each `change` event. */
function openStream(url: string, token: string, agent: Agent, onChange: (at: number) => void): Promise<() => void> {
  return new Promise((done, fail) => {
    const req = httpRequest(`${url}/api/events`, { agent, headers: { authorization: `Bearer ${token}` } });
    req.on('error', fail);
    req.on('response', (res) => {
      if (res.statusCode !== 200) return fail(new Error(`GET /api/events: ${res.statusCode}`));
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        const at = performance.now();
        for (const _ of chunk.matchAll(/^event: change$/gm)) onChange(at);
      });
      done(() => req.destroy());
    });
    req.end();
  });
}

function rssKb(pid: number): number {
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
}

/**
 * Runs the events benchmark with the service built in `root` on `db`; returns the report's lines.
 * The users it signs up are added to `userIds`, for the caller to delete from a shared database.
 */
export async function eventsBench(
  root: string,
  db: BenchDatabase,
  options: {
    quick: boolean;
    userIds: string[];
    progress?: (text: string) => void;
    /** Each instance in a memory cgroup of `mb`, with these V8 flags (bench --memory-limit). */
    limit?: { mb: number; nodeOptions: string };
  },
): Promise<string[]> {
  const { quick, userIds, progress = log, limit } = options;
  const STREAMS = quick ? 200 : 1_000;
  const USERS = STREAMS / 10;
  const WRITE_SECONDS = quick ? 3 : 10;
  const env = {
    DATABASE_URL: db.url,
    BETTER_AUTH_SECRET: randomBytes(36).toString('base64url'),
    NODE_ENV: 'production',
    AUTH_RATE_LIMIT: '0',
    LOG_LEVEL: 'warn',
  };
  const servers: ServerProcess[] = [];
  const closers: (() => void)[] = [];
  const cgroups: MemoryCgroup[] = [];
  try {
    for (const name of ['a', 'b']) {
      const cgroup = limit && MemoryCgroup.create(`todo-events-${name}`, limit.mb);
      if (cgroup) cgroups.push(cgroup);
      servers.push(
        await ServerProcess.start({
          name,
          cwd: root,
          args: ['dist/main.js'],
          env: limit ? { ...env, NODE_OPTIONS: limit.nodeOptions } : env,
          cgroup: cgroup?.dir,
        }),
      );
    }
    progress(`two instances up; signing up ${USERS} users`);
    const users: User[] = [];
    for (let i = 0; i < USERS; i++) {
      users.push(await signUp(servers[i % 2].url));
      userIds.push(users[i].id);
    }
    await sleep(2_000);
    const idleRss = servers.map((server) => rssKb(server.pid));

    progress(`opening ${STREAMS} streams (${STREAMS / 2} per instance)`);
    const agent = new Agent({ keepAlive: false, maxSockets: Infinity });
    const latencies: number[] = [];
    let events = 0;
    for (let i = 0; i < STREAMS; i++) {
      const user = users[i % USERS];
      let seen = 0;
      closers.push(
        await openStream(servers[i % 2].url, user.token, agent, (at) => {
          events++;
          while (seen < user.sent.length && user.sent[seen] < at) latencies.push(at - user.sent[seen++]);
        }),
      );
    }
    await sleep(3_000);
    const openRss = servers.map((server) => rssKb(server.pid));
    const rssPer1000 = mb(openRss[0] + openRss[1] - idleRss[0] - idleRss[1]) * (1_000 / STREAMS);

    progress(`writing ${WRITES_PER_SECOND} changes/s for ${WRITE_SECONDS} s`);
    let failures = 0;
    const total = WRITES_PER_SECOND * WRITE_SECONDS;
    const started = performance.now();
    const writes: Promise<void>[] = [];
    for (let n = 0; n < total; n++) {
      const due = started + (n * 1000) / WRITES_PER_SECOND;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
      const user = users[n % USERS];
      user.sent.push(performance.now());
      writes.push(
        fetch(`${servers[n % 2].url}/api/tasks`, {
          method: 'POST',
          headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ title: `change ${n}` }),
        }).then(
          (response) => void (response.status === 201 || failures++),
          () => void failures++,
        ),
      );
    }
    await Promise.all(writes);
    await sleep(2_000);
    for (const close of closers.splice(0)) close();
    latencies.sort((x, y) => x - y);

    // The same creates, three ways, by swapping the functions in the database (the service's code
    // stays as built): the announcement after commit (the design), no notification at all (the
    // announcing call is still made but notifies nothing), and pg_notify inside the writing
    // transaction (the first design, kept to show why it went).
    progress('write path: notified after commit, not notified, notified in the transaction');
    const definition = async (name: string) =>
      (
        (await db.sql.query(`SELECT pg_get_functiondef('${name}'::regproc) AS def`)).rows as {
          def: string;
        }[]
      )[0].def;
    const announce = await definition('announce_user_changes');
    const silentAnnounce = `CREATE OR REPLACE FUNCTION announce_user_changes(owners text[]) RETURNS void LANGUAGE sql AS $$ SELECT $$`;
    // The first design: each written task notifies from inside its transaction, with its stamp. A
    // trigger of the bench's own, after the stamping one (record_list_row_change), so the bench
    // need not know that function's text.
    const notifyInTransaction = [
      `CREATE OR REPLACE FUNCTION bench_notify_in_transaction() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN PERFORM pg_notify('user_changes', NEW.user_id || ':' || NEW.change_seq); RETURN NULL; END $$`,
      `CREATE OR REPLACE TRIGGER bench_notify_in_transaction AFTER INSERT OR UPDATE ON tasks
       FOR EACH ROW EXECUTE FUNCTION bench_notify_in_transaction()`,
    ];
    const noTransactionNotify = 'DROP TRIGGER IF EXISTS bench_notify_in_transaction ON tasks';
    const modes = {
      'after commit': [noTransactionNotify, announce],
      none: [noTransactionNotify, silentAnnounce],
      'in the transaction': [...notifyInTransaction, silentAnnounce],
    };
    const requests = users.map((user) => ({
      method: 'POST' as const,
      path: '/api/tasks',
      token: user.token,
      body: { title: 'throughput' },
    }));
    const rps = Object.fromEntries(Object.keys(modes).map((mode) => [mode, [] as number[]])) as Record<
      keyof typeof modes,
      number[]
    >;
    try {
      for (let round = 0; round < (quick ? 1 : 3); round++) {
        for (const [mode, definitions] of Object.entries(modes) as [keyof typeof modes, string[]][]) {
          for (const sql of definitions) await db.sql.query(sql);
          rps[mode].push((await load(servers[0].url, requests, { connections: 16, seconds: quick ? 2 : 5 })).rps);
        }
      }
    } finally {
      await db.sql.query(noTransactionNotify);
      await db.sql.query('DROP FUNCTION IF EXISTS bench_notify_in_transaction()');
      await db.sql.query(announce);
    }
    const best = (values: number[]) => Math.max(...values);

    const lines = [
      `streams: ${STREAMS} over 2 instances, ${USERS} users; ${total} writes at ${WRITES_PER_SECOND}/s (${failures} failed)`,
      `change events received: ${events}, latencies measured: ${latencies.length}`,
      `write-sent-to-event latency: p50 ${percentile(latencies, 0.5).toFixed(1)} ms, p99 ${percentile(latencies, 0.99).toFixed(1)} ms, max ${latencies[latencies.length - 1].toFixed(1)} ms (target p99 <= 250 ms)`,
      `RSS per 1,000 idle streams: ${rssPer1000.toFixed(1)} MB (instances ${idleRss.map((kb) => mb(kb).toFixed(0)).join('/')} MB idle, ${openRss.map((kb) => mb(kb).toFixed(0)).join('/')} MB with streams; target <= 30 MB)`,
      `POST /api/tasks, 16 connections, best of rounds: ${best(rps['after commit']).toFixed(0)} req/s announced after commit, ${best(rps.none).toFixed(0)} not notified (${pct(best(rps['after commit']) / best(rps.none))}; target within 10%), ${best(rps['in the transaction']).toFixed(0)} notified in the transaction (${pct(best(rps['in the transaction']) / best(rps.none))})`,
    ];
    if (limit)
      lines.push(
        `each instance in a ${limit.mb} MB memory cgroup, NODE_OPTIONS="${limit.nodeOptions}": OOM kills ${cgroups.map((c) => c.oomKills()).join('/')}, cgroup peaks ${cgroups.map((c) => c.peakMb().toFixed(0)).join('/')} MB`,
      );
    return lines;
  } finally {
    for (const close of closers) close();
    await Promise.all(servers.map((server) => server.stop()));
    for (const cgroup of cgroups) cgroup.remove();
  }
}
