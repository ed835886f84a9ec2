import { randomUUID } from 'node:crypto';
import type { BenchUser } from './fixtures.js';

/** Creates per push: the contract's most. */
const BATCH = 100;

interface Figures {
  /** Requests answered 200 with every mutation applied (push) or 201 (REST). */
  requests: number;
  failures: number;
  /** Tasks created per second, all connections together. */
  createsPerSecond: number;
  /** Per request, in milliseconds. */
  p50: number;
  p99: number;
}

/**
 * Offline push against its REST twin, on the service, in one run: for `seconds` each, `connections`
 * clients (each its own user and client_id) send batches of 100 `task.create` mutations through
 * POST /api/sync/push, then the same creates one POST /api/tasks each. Both make the same rows
 * through the same service method, so the difference is what a push saves (round trips, parsing,
 * auth) and what it adds (the counter and its lock, a transaction and savepoint per mutation).
 */
export async function pushBench(
  url: string,
  users: BenchUser[],
  { connections, seconds, rounds }: { connections: number; seconds: number; rounds: number },
): Promise<string[]> {
  const lines: string[] = [`${rounds} × ${seconds} s per run, medians of the rounds`];
  // One client alone (what an app coming back online sees), then as many as the hot routes use.
  for (const clients of [1, connections]) {
    const push: Figures[] = [];
    const rest: Figures[] = [];
    for (let round = 0; round < rounds; round++) {
      push.push(await drive(clients, seconds, pushClient(url, users)));
      rest.push(await drive(clients, seconds, restClient(url, users)));
    }
    const pushRate = median(push, 'createsPerSecond');
    const restRate = median(rest, 'createsPerSecond');
    lines.push(
      `${clients} ${clients === 1 ? 'client' : 'clients'}:`,
      line('push, 100 task.create per request', push, 'per push of 100'),
      line('REST, POST /api/tasks', rest, 'per create'),
      `  push: ${(pushRate / restRate).toFixed(2)}× the creates per second of REST; 100 creates take a client ` +
        `${median(push, 'p50').toFixed(0)} ms as one push, ${((100 * 1000 * clients) / restRate).toFixed(0)} ms as 100 REST calls in turn`,
    );
  }
  return lines;
}

function median(runs: Figures[], key: keyof Figures): number {
  return [...runs.map((run) => run[key])].sort((a, b) => a - b)[Math.floor(runs.length / 2)];
}

function line(name: string, runs: Figures[], per: string): string {
  return (
    `  ${name.padEnd(34)} ${median(runs, 'createsPerSecond').toFixed(0).padStart(6)} creates/s` +
    `   p50 ${median(runs, 'p50').toFixed(1).padStart(7)} ms   p99 ${median(runs, 'p99').toFixed(1).padStart(7)} ms ${per}` +
    `   (${runs.reduce((n, run) => n + run.requests, 0)} requests, ${runs.reduce((n, run) => n + run.failures, 0)} failed)`
  );
}

/** One request of a client; true when it did all it should. */
type Client = (connection: number) => () => Promise<{ ok: boolean; creates: number }>;

function pushClient(url: string, users: BenchUser[]): Client {
  return (connection) => {
    const user = users[connection % users.length];
    const clientId = randomUUID();
    let next = 1;
    return async () => {
      const mutations = Array.from({ length: BATCH }, (_, i) => ({
        id: next + i,
        name: 'task.create',
        args: { title: 'Benchmark task', priority: 'high' },
      }));
      next += BATCH;
      const response = await fetch(`${url}/api/sync/push`, {
        method: 'POST',
        headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ client_id: clientId, mutations }),
      });
      const body = (await response.json()) as { results?: { status: string }[] };
      const ok = response.status === 200 && body.results?.every((result) => result.status === 'applied') === true;
      return { ok, creates: ok ? BATCH : 0 };
    };
  };
}

function restClient(url: string, users: BenchUser[]): Client {
  return (connection) => {
    const user = users[connection % users.length];
    return async () => {
      const response = await fetch(`${url}/api/${user.id}/tasks`, {
        method: 'POST',
        headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ title: 'Benchmark task', priority: 'high' }),
      });
      await response.arrayBuffer();
      return { ok: response.status === 201, creates: response.status === 201 ? 1 : 0 };
    };
  };
}

/** `connections` clients, each sending its next request when the last is answered, for `seconds`. */
async function drive(connections: number, seconds: number, client: Client): Promise<Figures> {
  const latencies: number[] = [];
  let failures = 0;
  let creates = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: connections }, async (_, connection) => {
      const send = client(connection);
      while (performance.now() < deadline) {
        const sent = performance.now();
        const result = await send().catch(() => ({ ok: false, creates: 0 }));
        if (result.ok) latencies.push(performance.now() - sent);
        else failures++;
        creates += result.creates;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.ceil(q * latencies.length) - 1)] ?? NaN;
  return { requests: latencies.length, failures, createsPerSecond: creates / elapsed, p50: at(0.5), p99: at(0.99) };
}
