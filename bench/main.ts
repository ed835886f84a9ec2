/**
 * `npm run bench [-- --quick] [-- --profile] [-- --node-options=<V8 flags>] [-- --baseline=<dir>]`: the
 * service (compiled, production mode) against a hand-written Fastify + pg server doing the same work,
 * on one database, alternating per route so that machine noise hits both. See docs/performance.md.
 *
 * --baseline=<dir>: another checkout of this project, already built (`<dir>/dist/main.js` and
 * `<dir>/node_modules`), e.g. `git worktree add ../base main && cd ../base && npm ci && npm run build`.
 * Its build runs as a third server with the service's environment, in every round of the hot routes,
 * so the report shows what an upgrade costs per route in one run. It gets a database of its own on
 * the same PostgreSQL, migrated by itself and seeded through its own API alike (its statements need
 * its own schema); a route it does not have (a newer feature) runs without it.
 *
 * --pooler: two more servers in every round of the hot routes, both the service's build: one with
 * DB_PREPARED_STATEMENTS=off on the direct URL, and one with DATABASE_URL through a PgBouncer in
 * transaction mode that the bench starts (Debian's, as the pooled suite does; DATABASE_DIRECT_URL
 * direct), so the report shows what each connection mode costs per route, in one run.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BenchDatabase } from './bench-database.js';
import { BetterAuthIssuer } from './better-auth-issuer.js';
import { type Fixtures, seed, shareList, userIds } from './fixtures.js';
import { bodyOf, headersOf, load, type LoadResult, type Request } from './load.js';
import { type Figures, printReport, type Report, type RouteReport } from './report.js';
import { eventsBench } from './events-bench.js';
import { pushBench } from './push-bench.js';
import { benchOptions } from './options.js';
import { hotRoutes, listOf, type Route, routeNamed, syncCursorsBelow } from './routes.js';
import { runLog } from './run-log.js';
import { ServerProcess, type ServerSpec } from './server-process.js';
import { dockerfileNodeOptions, MemoryCgroup } from './memory-cgroup.js';
import { PgBouncer } from '../test/support/pgbouncer.js';

const ROOT = resolve(import.meta.dirname, '..');
const options = benchOptions([
  'quick',
  'profile',
  'events',
  'connections',
  'node-options',
  'baseline',
  'routes',
  'rounds',
  'seconds',
  'pooler',
  'memory-limit',
]);
const { quick, profile } = options;
/** --connections=N: concurrent connections per load run (issue 13 states its p99 targets at 16). */
const CONNECTIONS = options.connections ?? 16;
/** --no-events: skip the live-events part (streams across two instances) at the end. */
const withEvents = options.events;
/** V8 flags for the service (and the baseline, so both builds run alike), e.g. --node-options=--max-old-space-size=96 */
const serviceNodeOptions = options.nodeOptions;
/** A built checkout of an older version, benchmarked next to the service. */
const baselineDir = options.baseline === undefined ? undefined : resolve(options.baseline);
/** --routes=toggle,eddsa: only the hot routes with one of these words in their names (case-insensitive; `create` is not push). */
const routeFilter = options.routes;
/** --rounds=N: more rounds for a closer look at a difference (the medians steady with more). */
const roundsOption = options.rounds;
/** --seconds=N: seconds of load per route, server and round (5; 3 with --quick). */
const secondsOption = options.seconds;
/** --pooler: the service with statements unnamed, and through PgBouncer, next to the default. */
const withPooler = options.pooler;
/** --memory-limit=MB: one more server in every round, the service in a memory cgroup of MB with the Dockerfile's V8 flags. */
const memoryLimitMb = options.memoryLimit;
const PLAN = quick
  ? {
      rounds: 1,
      seconds: secondsOption ?? 3,
      warmupSeconds: 1,
      users: 4,
      tasksPerUser: 100,
      largeTasks: 1_000,
      categoriesPerUser: 5,
      largeCategories: 200,
      coldStarts: 1,
    }
  : {
      rounds: roundsOption ?? 3,
      seconds: secondsOption ?? 5,
      warmupSeconds: 2,
      users: 4,
      tasksPerUser: 100,
      largeTasks: 10_000,
      categoriesPerUser: 5,
      largeCategories: 200,
      coldStarts: 3,
    };

function progress(text: string): void {
  if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K[bench] ${text}`);
  else process.stderr.write(`[bench] ${text}\n`);
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)];

async function main(): Promise<void> {
  const cleanup: (() => Promise<unknown>)[] = [];
  let ids: string[] = [];
  let baselineIds: string[] = [];
  try {
    // Checked before anything starts: a missing build would otherwise only show after the seeding.
    if (baselineDir && !existsSync(join(baselineDir, 'dist', 'main.js')))
      throw new Error(`--baseline: no ${join(baselineDir, 'dist', 'main.js')} (build it first)`);
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
      env: {
        ...shared,
        NODE_ENV: 'production',
        AUTH_RATE_LIMIT: '0',
        // As production runs: a request line per request, metrics on (issue 26).
        LOG_LEVEL: 'info',
        ...(serviceNodeOptions ? { NODE_OPTIONS: serviceNodeOptions } : {}),
      },
    };
    const rawSpec: ServerSpec = {
      name: 'raw',
      cwd: ROOT,
      args: [...profiling('raw'), '--import', '@swc-node/register/esm-register', 'bench/raw-server.ts'],
      env: shared,
    };
    const baselineDb = baselineDir ? await db.baselineDatabase() : undefined;
    if (baselineDb) cleanup.unshift(() => baselineDb.close(baselineIds));
    const baselineSpec: ServerSpec | undefined = baselineDb
      ? {
          name: 'baseline',
          cwd: baselineDir!,
          args: [...profiling('baseline'), 'dist/main.js'],
          env: { ...serviceSpec.env, DATABASE_URL: baselineDb.url },
        }
      : undefined;

    progress('starting the service (first start: runs the migrations)');
    let service = await ServerProcess.start(serviceSpec);
    cleanup.unshift(() => service.stop());
    const firstStartMs = service.startMs;
    let baseline: ServerProcess | undefined;
    if (baselineSpec) {
      progress(`starting the baseline from ${baselineDir} (first start: runs its migrations on its database)`);
      baseline = await ServerProcess.start(baselineSpec);
      cleanup.unshift(() => baseline!.stop());
    }
    // The raw server joins once the seeded database has been copied for it (below).
    const servers = baseline ? [service, baseline] : [service];
    progress(
      `seeding through the API: ${PLAN.users * 3 + 1} users, ${PLAN.users * 2} x ${PLAN.tasksPerUser} tasks + ${PLAN.largeTasks} (and ${PLAN.largeCategories} categories) for one user`,
    );
    const fixtures = await seed(service.url, issuer, PLAN);
    ids = userIds(fixtures);
    progress(`a shared list: two more users, ${PLAN.tasksPerUser} tasks in the owner's list, the member an editor`);
    fixtures.shared = await shareList(service.url, db.sql, PLAN);
    ids = userIds(fixtures);
    await db.settle();
    let baselineFixtures: Fixtures | undefined;
    if (baseline) {
      progress('seeding the baseline through its API, alike');
      baselineFixtures = await seed(baseline.url, issuer, PLAN);
      baselineIds = userIds(baselineFixtures);
      await baselineDb!.settle();
    }
    // A process that has just served the seeding (sign-ups, thousands of creates) spends about 10%
    // more CPU per request for a while than a fresh one (measured: get and toggle, same build). The
    // baseline and the raw server start fresh, so the service restarts too, and the comparison is
    // between builds, not between histories. Meanwhile the raw server gets its copy of the seeded
    // database (nothing may be connected to it for that).
    const seedingPeakMb = service.lifetimePeakMb();
    progress('restarting the service; copying its seeded database for the raw server');
    await service.stop();
    const rawDb = await db.rawDatabase();
    if (rawDb !== db) cleanup.unshift(() => rawDb.close([]));
    service = await ServerProcess.start(serviceSpec);
    servers[0] = service;
    progress('starting the raw Fastify + pg server');
    const raw = await ServerProcess.start({ ...rawSpec, env: { ...rawSpec.env, DATABASE_URL: rawDb.url } });
    cleanup.unshift(() => raw.stop());
    servers.splice(1, 0, raw);
    if (baseline) {
      progress('restarting the baseline, so that it starts fresh');
      await baseline.stop();
      baseline = await ServerProcess.start(baselineSpec!);
      servers[2] = baseline;
    }
    // Through a transaction pooler, and unnamed on the direct URL to tell the pooler's hop from the
    // statements' planning: the service's build, environment and database otherwise.
    let bouncer: PgBouncer | undefined;
    if (withPooler) {
      progress('starting PgBouncer (transaction mode) and the service twice more');
      bouncer = await PgBouncer.start(db.url);
      cleanup.unshift(() => bouncer!.stop());
      const modes: ServerSpec[] = [
        { ...serviceSpec, name: UNNAMED, env: { ...serviceSpec.env, DB_PREPARED_STATEMENTS: 'off' } },
        {
          ...serviceSpec,
          name: POOLED,
          env: { ...serviceSpec.env, DATABASE_URL: bouncer.urlFor(db.url), DATABASE_DIRECT_URL: db.url },
        },
      ];
      for (const spec of modes) {
        const server = await ServerProcess.start(spec);
        cleanup.unshift(() => server.stop());
        servers.push(server);
      }
    }

    // The service as the image runs it in a small container: the Dockerfile's V8 flags, and a kernel
    // memory limit that kills it when exceeded. Same build, environment and database as the service.
    let limited: { server: ServerProcess; cgroup: MemoryCgroup; nodeOptions: string } | undefined;
    if (memoryLimitMb) {
      const cgroup = MemoryCgroup.create('todo-bench', memoryLimitMb);
      cleanup.unshift(() => Promise.resolve(cgroup.remove()));
      const nodeOptions = dockerfileNodeOptions(ROOT);
      progress(`starting the service in a ${memoryLimitMb} MB memory cgroup, NODE_OPTIONS="${nodeOptions}"`);
      const server = await ServerProcess.start({
        ...serviceSpec,
        name: LIMITED,
        env: { ...serviceSpec.env, NODE_OPTIONS: nodeOptions },
        cgroup: cgroup.dir,
      });
      cleanup.unshift(() => server.stop());
      servers.push(server);
      limited = { server, cgroup, nodeOptions };
    }

    const headOf = async (database: BenchDatabase, user: string) =>
      (
        await database.sql.query<{ seq: number }>('SELECT seq::float8 AS seq FROM user_changes WHERE user_id = $1', [
          user,
        ])
      ).rows[0].seq;
    const chosen = (route: Route) => !routeFilter || routeFilter.some((part) => routeNamed(route.name, part));
    const routes = hotRoutes(fixtures, syncCursorsBelow(await headOf(db, fixtures.large.id))).filter(chosen);
    if (routes.length === 0) throw new Error(`--routes=${routeFilter!.join(',')} matches no route`);
    // The baseline's own requests (its users, ids and cursors), by route name; routes it lacks run without it.
    const baselineRequests = new Map(
      baselineFixtures
        ? hotRoutes(baselineFixtures, syncCursorsBelow(await headOf(baselineDb!, baselineFixtures.large.id))).map(
            (route) => [route.name, route.requests],
          )
        : [],
    );
    // A route the baseline's build does not have (a newer feature: 404) runs without it.
    for (const [name, requests] of baselineRequests)
      if (!(await serves(baseline!, requests[0]))) baselineRequests.delete(name);
    const requestsOf = (server: ServerProcess, route: Route) =>
      server === baseline ? baselineRequests.get(route.name) : route.requests;
    await sameBodies(service, raw, routes);

    const drive = async (
      server: ServerProcess,
      requests: Request[],
      seconds: number,
      connections = CONNECTIONS,
    ): Promise<Run> => {
      const stopSampling = server.sampleMemory();
      const cpuBefore = server.cpuMs();
      const poolerBefore = server.name === POOLED ? bouncer!.cpuMs() : 0;
      const databaseBefore = db.cpuMs();
      const result = await load(server.url, requests, { connections, seconds });
      const databaseAfter = db.cpuMs();
      return {
        ...result,
        cpuUsPerRequest: ((server.cpuMs() - cpuBefore) * 1000) / result.requests,
        poolerCpuUsPerRequest:
          server.name === POOLED ? ((bouncer!.cpuMs() - poolerBefore) * 1000) / result.requests : 0,
        databaseCpuUsPerRequest:
          databaseAfter === undefined ? undefined : ((databaseAfter - databaseBefore!) * 1000) / result.requests,
        peakRssMb: stopSampling(),
      };
    };

    for (const route of routes) {
      for (const server of servers) {
        const requests = requestsOf(server, route);
        if (!requests) continue;
        progress(`warming up · ${route.name} · ${server.name}`);
        await drive(server, requests, PLAN.warmupSeconds, route.connections);
      }
    }

    // Runs per route, then per server name.
    const runs = new Map(
      routes.map((r) => [
        r.name,
        new Map(servers.filter((server) => requestsOf(server, r)).map((server) => [server.name, [] as Run[]])),
      ]),
    );
    for (let round = 0; round < PLAN.rounds; round++) {
      for (const [index, route] of routes.entries()) {
        // Rotate which server goes first, so none always runs right after another's load.
        const shift = (round + index) % servers.length;
        const order = [...servers.slice(shift), ...servers.slice(0, shift)];
        for (const server of order) {
          const requests = requestsOf(server, route);
          if (!requests) continue;
          progress(
            `round ${round + 1}/${PLAN.rounds} · ${route.name} · ${server.name} · ${PLAN.seconds} s at ${route.connections ?? CONNECTIONS} connections`,
          );
          const logged = process.env.BENCH_RUN_LOG ? await runLog(db) : undefined;
          const result = await drive(server, requests, PLAN.seconds, route.connections);
          if (logged) for (const line of await logged.after(result)) progress(line);
          runs.get(route.name)!.get(server.name)!.push(result);
        }
      }
    }
    // Offline push against the same creates over REST, on the service (--routes: when `push` is named).
    const pushLines =
      !routeFilter || routeFilter.includes('push')
        ? (progress('push · 100 creates per push, against REST creates'),
          await pushBench(service.url, fixtures.writers, {
            connections: CONNECTIONS,
            seconds: PLAN.seconds,
            rounds: PLAN.rounds,
          }))
        : undefined;
    // The growth and cold-start parts are the service's alone: an idle baseline would only hold connections.
    await baseline?.stop();
    for (const server of servers.filter(({ name }) => name === UNNAMED || name === POOLED || name === LIMITED))
      await server.stop();
    await bouncer?.stop();

    // The create route has added thousands of rows since seeding: let the statistics catch up, as
    // autovacuum would within a minute.
    progress('VACUUM (ANALYZE) tasks, ANALYZE');
    await db.settle();
    const growth = { small: [] as Run[], large: [] as Run[] };
    for (let round = 0; round < PLAN.rounds; round++) {
      for (const size of round % 2 === 0 ? (['small', 'large'] as const) : (['large', 'small'] as const)) {
        const user = size === 'small' ? fixtures.readers[0] : fixtures.large;
        progress(
          `round ${round + 1}/${PLAN.rounds} · list growth · ${user === fixtures.large ? PLAN.largeTasks : PLAN.tasksPerUser} tasks`,
        );
        growth[size].push(await drive(service, listOf(user), PLAN.seconds));
      }
    }
    const lifetimePeakMb = Math.max(seedingPeakMb, service.lifetimePeakMb());

    await raw.stop();
    await service.stop();
    const coldStartsMs: number[] = [];
    for (let i = 0; i < PLAN.coldStarts; i++) {
      progress(`cold start ${i + 1}/${PLAN.coldStarts} on the existing database`);
      service = await ServerProcess.start(serviceSpec);
      coldStartsMs.push(service.startMs);
      await service.stop();
    }
    const events = withEvents
      ? await eventsBench(ROOT, db, {
          quick,
          userIds: ids,
          progress: (text) => progress(`events · ${text}`),
          limit: limited && { mb: limited.cgroup.limitMb, nodeOptions: limited.nodeOptions },
        })
      : undefined;
    progress('done');
    if (process.stderr.isTTY) process.stderr.write('\n');

    const report: Report = {
      mode: quick ? 'quick' : 'full',
      serviceNodeOptions,
      baseline: baseline && { dir: baselineDir!, startMs: baseline.startMs },
      database: db.description,
      connections: CONNECTIONS,
      plan: PLAN,
      routes: routes.map((route): RouteReport => {
        const byServer = runs.get(route.name)!;
        const [s, r, b] = [byServer.get('service')!, byServer.get('raw')!, byServer.get('baseline')];
        return {
          name: route.name,
          p99TargetMs: route.p99TargetMs,
          service: summarise(s),
          raw: summarise(r),
          ratio: median(s.map((run, i) => run.rps / r[i].rps)),
          peakRssMb: Math.max(...s.map((run) => run.peakRssMb)),
          rawPeakRssMb: Math.max(...r.map((run) => run.peakRssMb)),
          baseline: b && {
            ...summarise(b),
            ratio: median(b.map((run, i) => run.rps / r[i].rps)),
            serviceVersusBaseline: median(s.map((run, i) => run.rps / b[i].rps)),
            peakRssMb: Math.max(...b.map((run) => run.peakRssMb)),
          },
        };
      }),
      modes: withPooler
        ? routes.map((route) => {
            const byServer = runs.get(route.name)!;
            const direct = byServer.get('service')!;
            const mode = (name: string) => {
              const own = byServer.get(name)!;
              return {
                ...summarise(own),
                versusNamed: median(own.map((run, i) => run.rps / direct[i].rps)),
                poolerCpuUsPerRequest: median(own.map((run) => run.poolerCpuUsPerRequest)),
                databaseCpuUsPerRequest: databaseCpu(own),
              };
            };
            return {
              name: route.name,
              named: { ...summarise(direct), databaseCpuUsPerRequest: databaseCpu(direct) },
              unnamed: mode(UNNAMED),
              pooled: mode(POOLED),
            };
          })
        : undefined,
      memoryLimit: limited && {
        limitMb: limited.cgroup.limitMb,
        nodeOptions: limited.nodeOptions,
        // A killed server fails its requests, and the run; the kernel's count says why.
        oomKills: limited.cgroup.oomKills(),
        cgroupPeakMb: limited.cgroup.peakMb(),
        routes: routes.map((route) => {
          const byServer = runs.get(route.name)!;
          const [own, direct] = [byServer.get(LIMITED)!, byServer.get('service')!];
          return {
            name: route.name,
            ...summarise(own),
            versusUnlimited: median(own.map((run, i) => run.rps / direct[i].rps)),
            peakRssMb: Math.max(...own.map((run) => run.peakRssMb)),
          };
        }),
      },
      growth: {
        smallTasks: PLAN.tasksPerUser,
        largeTasks: PLAN.largeTasks,
        small: summarise(growth.small),
        large: summarise(growth.large),
      },
      firstStartMs,
      coldStartMs: median(coldStartsMs),
      lifetimePeakMb,
      events,
      push: pushLines,
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

/**
 * The raw server is only a yardstick if it does the service's work: before any load, the first
 * request of every read route must get the same body, byte for byte, and the same ETag from both.
 */
/** Whether the server has the request's route: one request sent, anything but a 404 (its first warm-up request). */
async function serves(server: ServerProcess, request: Request): Promise<boolean> {
  const response = await fetch(`${server.url}${request.path}`, {
    method: request.method,
    headers: headersOf(request),
    body: bodyOf(request),
  });
  await response.arrayBuffer();
  return response.status !== 404;
}

async function sameBodies(service: ServerProcess, raw: ServerProcess, routes: Route[]): Promise<void> {
  for (const route of routes) {
    const [request] = route.requests;
    if (request.method !== 'GET') continue;
    const answer = async (server: ServerProcess) => {
      const response = await fetch(`${server.url}${request.path}`, {
        headers: { authorization: `Bearer ${request.token}` },
      });
      if (response.status !== 200) throw new Error(`${server.name}: GET ${request.path} answered ${response.status}`);
      return `ETag ${response.headers.get('etag')}\n${await response.text()}`;
    };
    const [fromService, fromRaw] = await Promise.all([answer(service), answer(raw)]);
    if (fromService !== fromRaw)
      throw new Error(`the raw server answers ${route.name} (GET ${request.path}) otherwise than the service`);
  }
}

/** The --pooler servers' names. */
const UNNAMED = 'statements off';
const POOLED = 'via PgBouncer';
/** The --memory-limit server's name. */
const LIMITED = 'service, memory-limited';

/** One load run against one server, with what the server (and PgBouncer, in front of it) spent on it. */
type Run = LoadResult & {
  cpuUsPerRequest: number;
  poolerCpuUsPerRequest: number;
  /** The embedded PostgreSQL's (undefined with DATABASE_URL). */
  databaseCpuUsPerRequest?: number;
  peakRssMb: number;
};

/** The median over the rounds of the database's CPU per request, when it was measured. */
function databaseCpu(runs: Run[]): number | undefined {
  return runs[0].databaseCpuUsPerRequest === undefined
    ? undefined
    : median(runs.map((run) => run.databaseCpuUsPerRequest!));
}

/** The median of each figure over the rounds; failures are summed. */
function summarise(runs: Run[]): Figures {
  return {
    rps: median(runs.map((r) => r.rps)),
    p50: median(runs.map((r) => r.p50)),
    p99: median(runs.map((r) => r.p99)),
    cpuUsPerRequest: median(runs.map((r) => r.cpuUsPerRequest)),
    databaseCpuUsPerRequest: databaseCpu(runs),
    failures: runs.reduce((sum, r) => sum + r.failures, 0),
  };
}

main().catch((error: unknown) => {
  if (process.stderr.isTTY) process.stderr.write('\n');
  console.error(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
