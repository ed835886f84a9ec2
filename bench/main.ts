/**
 * `npm run bench [-- --quick] [-- --profile] [-- --node-options=<V8 flags>]`: the service (compiled,
 * production mode) against a hand-written Fastify + pg server doing the same work, on one database,
 * alternating per route so that machine noise hits both. See the README, Performance.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BenchDatabase } from './bench-database';
import { BetterAuthIssuer } from './better-auth-issuer';
import { seed, userIds } from './fixtures';
import { load, LoadResult, Request } from './load';
import { Figures, printReport, Report, RouteReport } from './report';
import { hotRoutes, listOf } from './routes';
import { ServerProcess, ServerSpec } from './server-process';

const ROOT = resolve(__dirname, '..');
const CONNECTIONS = 32;
const quick = process.argv.includes('--quick');
const profile = process.argv.includes('--profile');
/** V8 flags for the service only, e.g. --node-options=--max-old-space-size=96 */
const serviceNodeOptions = process.argv.find((a) => a.startsWith('--node-options='))?.slice('--node-options='.length);
const PLAN = quick
  ? { rounds: 1, seconds: 3, warmupSeconds: 1, users: 4, tasksPerUser: 100, largeTasks: 1_000, coldStarts: 1 }
  : { rounds: 3, seconds: 5, warmupSeconds: 2, users: 4, tasksPerUser: 100, largeTasks: 10_000, coldStarts: 3 };

function progress(text: string): void {
  if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K[bench] ${text}`);
  else process.stderr.write(`[bench] ${text}\n`);
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)];

async function main(): Promise<void> {
  const cleanup: (() => Promise<unknown>)[] = [];
  let ids: string[] = [];
  try {
    progress('starting PostgreSQL');
    const db = await BenchDatabase.open(ROOT);
    cleanup.unshift(() => db.close(ids));
    const issuer = await BetterAuthIssuer.start();
    cleanup.unshift(() => issuer.stop());

    const shared = { DATABASE_URL: db.url, BETTER_AUTH_SECRET: randomBytes(36).toString('base64url'), ...issuer.env };
    const profileDir = join(ROOT, 'bench', 'results', 'profiles');
    const profiling = (name: string) => (profile ? ['--cpu-prof', `--cpu-prof-dir=${join(profileDir, name)}`] : []);
    const serviceSpec: ServerSpec = {
      name: 'service',
      cwd: ROOT,
      args: [...profiling('service'), 'dist/main.js'],
      env: { ...shared, NODE_ENV: 'production', AUTH_RATE_LIMIT: '0', LOG_LEVEL: 'warn', ...(serviceNodeOptions ? { NODE_OPTIONS: serviceNodeOptions } : {}) },
    };
    const rawSpec: ServerSpec = {
      name: 'raw',
      cwd: ROOT,
      args: [...profiling('raw'), '-r', 'ts-node/register/transpile-only', 'bench/raw-server.ts'],
      env: shared,
    };

    progress('starting the service (first start: runs the migrations)');
    let service = await ServerProcess.start(serviceSpec);
    cleanup.unshift(() => service.stop());
    const firstStartMs = service.startMs;
    progress('starting the raw Fastify + pg server');
    const raw = await ServerProcess.start(rawSpec);
    cleanup.unshift(() => raw.stop());

    progress(`seeding through the API: ${PLAN.users * 3 + 1} users, ${PLAN.users * 2} x ${PLAN.tasksPerUser} tasks + ${PLAN.largeTasks} for one user`);
    const fixtures = await seed(service.url, issuer, PLAN);
    ids = userIds(fixtures);
    await db.settle();
    const routes = hotRoutes(fixtures);

    const drive = async (server: ServerProcess, requests: Request[], seconds: number): Promise<Run> => {
      const stopSampling = server.sampleMemory();
      const cpuBefore = server.cpuMs();
      const result = await load(server.url, requests, { connections: CONNECTIONS, seconds });
      return { ...result, cpuUsPerRequest: ((server.cpuMs() - cpuBefore) * 1000) / result.requests, peakRssMb: stopSampling() };
    };

    for (const route of routes) {
      for (const server of [service, raw]) {
        progress(`warming up · ${route.name} · ${server.name}`);
        await drive(server, route.requests, PLAN.warmupSeconds);
      }
    }

    const runs = new Map(routes.map((r) => [r.name, { service: [] as Run[], raw: [] as Run[] }]));
    for (let round = 0; round < PLAN.rounds; round++) {
      for (const [index, route] of routes.entries()) {
        // Alternate which server goes first, so neither always runs right after the other's load.
        const order = (round + index) % 2 === 0 ? [service, raw] : [raw, service];
        for (const server of order) {
          progress(`round ${round + 1}/${PLAN.rounds} · ${route.name} · ${server.name} · ${PLAN.seconds} s at ${CONNECTIONS} connections`);
          const result = await drive(server, route.requests, PLAN.seconds);
          runs.get(route.name)![server === service ? 'service' : 'raw'].push(result);
        }
      }
    }

    // The create route has added thousands of rows since seeding: let the statistics catch up, as
    // autovacuum would within a minute.
    progress('VACUUM (ANALYZE) tasks');
    await db.settle();
    const growth = { small: [] as Run[], large: [] as Run[] };
    for (let round = 0; round < PLAN.rounds; round++) {
      for (const size of round % 2 === 0 ? (['small', 'large'] as const) : (['large', 'small'] as const)) {
        const user = size === 'small' ? fixtures.readers[0] : fixtures.large;
        progress(`round ${round + 1}/${PLAN.rounds} · list growth · ${user === fixtures.large ? PLAN.largeTasks : PLAN.tasksPerUser} tasks`);
        growth[size].push(await drive(service, listOf(user), PLAN.seconds));
      }
    }
    const lifetimePeakMb = service.lifetimePeakMb();

    await raw.stop();
    await service.stop();
    const coldStartsMs: number[] = [];
    for (let i = 0; i < PLAN.coldStarts; i++) {
      progress(`cold start ${i + 1}/${PLAN.coldStarts} on the existing database`);
      service = await ServerProcess.start(serviceSpec);
      coldStartsMs.push(service.startMs);
      await service.stop();
    }
    progress('done');
    if (process.stderr.isTTY) process.stderr.write('\n');

    const report: Report = {
      mode: quick ? 'quick' : 'full',
      serviceNodeOptions,
      database: db.description,
      connections: CONNECTIONS,
      plan: PLAN,
      routes: routes.map((route): RouteReport => {
        const { service: s, raw: r } = runs.get(route.name)!;
        return {
          name: route.name,
          p99TargetMs: route.p99TargetMs,
          service: summarise(s),
          raw: summarise(r),
          ratio: median(s.map((run, i) => run.rps / r[i].rps)),
          peakRssMb: Math.max(...s.map((run) => run.peakRssMb)),
        };
      }),
      growth: { smallTasks: PLAN.tasksPerUser, largeTasks: PLAN.largeTasks, small: summarise(growth.small), large: summarise(growth.large) },
      firstStartMs,
      coldStartMs: median(coldStartsMs),
      lifetimePeakMb,
    };
    const failed = printReport(report);
    const resultsDir = join(ROOT, 'bench', 'results');
    mkdirSync(resultsDir, { recursive: true });
    const file = join(resultsDir, `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, JSON.stringify(report, null, 2));
    console.log(`\nFull results: ${file}${profile ? `\nCPU profiles: ${profileDir}` : ''}`);
    if (failed) process.exitCode = 1;
  } finally {
    for (const step of cleanup) await step().catch((error) => console.error(`cleanup: ${(error as Error).message}`));
  }
}

/** One load run against one server, with what the server spent on it. */
type Run = LoadResult & { cpuUsPerRequest: number; peakRssMb: number };

/** The median of each figure over the rounds; failures are summed. */
function summarise(runs: Run[]): Figures {
  return {
    rps: median(runs.map((r) => r.rps)),
    p50: median(runs.map((r) => r.p50)),
    p99: median(runs.map((r) => r.p99)),
    cpuUsPerRequest: median(runs.map((r) => r.cpuUsPerRequest)),
    failures: runs.reduce((sum, r) => sum + r.failures, 0),
  };
}

main().catch((error: unknown) => {
  if (process.stderr.isTTY) process.stderr.write('\n');
  console.error(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
