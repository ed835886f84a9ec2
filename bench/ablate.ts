/**
 * `npm run bench:ablate [-- --variants=helmet,log,... --routes=get,toggle --rounds=N --seconds=N]`: what
 * each stage of the request pipeline costs, by switching ONE stage off at a time (issue 13).
 *
 * Nothing in src/ has a switch for this. Each variant is a copy of the built `dist/` under
 * `bench/results/ablate/<variant>/` whose compiled JavaScript is patched (the patches below; each
 * must match the build exactly once, or the run stops), or the same build with other environment
 * variables. All variants, the unpatched build (`full`) and the raw server run side by side on one
 * database; every round drives each of them in turn, in a rotating order, and the report gives each
 * variant's CPU per request from /proc and the median over rounds of its difference from `full`
 * in the same round (paired, so machine noise that hits a whole round cancels out).
 *
 * A removed stage's cost is that difference. A variant that adds work (`log-info`: the request line
 * actually written, as at the default LOG_LEVEL) shows a positive one. `--compare=<dir>` adds another
 * built checkout (as it is, and at LOG_LEVEL=info) to the same rounds. See docs/performance.md.
 */
import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BenchDatabase } from './bench-database.js';
import { BetterAuthIssuer } from './better-auth-issuer.js';
import { seed, userIds } from './fixtures.js';
import { load, type Request } from './load.js';
import { hotRoutes } from './routes.js';
import { ServerProcess, type ServerSpec } from './server-process.js';

const ROOT = resolve(import.meta.dirname, '..');
const option = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const SECONDS = Number(option('seconds')) || 4;
const ROUNDS = Number(option('rounds')) || 4;
const ROUTES = (option('routes') ?? 'get,toggle').split(',');
const CONNECTIONS = 16;

interface Patch {
  /** A file under dist/. */
  file: string;
  find: RegExp | string;
  replace: string;
}

interface Variant {
  name: string;
  /** What is switched off (or on). */
  stage: string;
  patches?: Patch[];
  env?: Record<string, string>;
  /** Another built checkout whose dist/ is copied instead of this one's (--compare). */
  from?: string;
}

/** Inserted at the top of a method: the method does nothing. */
const emptyMethod = (file: string, signature: RegExp): Patch => ({ file, find: signature, replace: '$& return;' });

/**
 * The two hot routes served by a Fastify preHandler that does what Nest's router, guards and pipes do
 * for them (the same token check, ownership check, id pipe and service call), so Nest's own share
 * (router, execution context, guard and pipe plumbing, param decorators, class-validator) is what
 * goes. Errors are not mapped to problem+json: the bench sends only valid requests.
 */
const WITHOUT_NEST = `
  {
    const { TokenVerifierService } = await import('./auth/token-verifier.service.js');
    const { bearerToken } = await import('./auth/jwt-auth.guard.js');
    const { TasksService } = await import('./tasks/tasks.service.js');
    const { ResourceIdPipe } = await import('./common/resource-id.pipe.js');
    const verifier = app.get(TokenVerifierService);
    const tasks = app.get(TasksService);
    const ids = new ResourceIdPipe();
    adapter.getInstance().addHook('preHandler', async (request, reply) => {
      const route = request.routeOptions.url;
      const get = request.method === 'GET' && route === '/api/:userId/tasks/:id';
      const toggle = request.method === 'PATCH' && route === '/api/:userId/tasks/:id/complete';
      if (!get && !toggle) return;
      const user = await verifier.authenticate(bearerToken(request.headers.authorization));
      if (request.params.userId !== user.id) throw new Error('forbidden');
      request.user = user;
      const id = ids.transform(request.params.id, { type: 'param', data: 'id' });
      const task = get ? await tasks.findOne(user.id, id) : await tasks.complete(user.id, id, request.body?.completed);
      return reply.send(task);
    });
  }
$&`;

const VARIANTS: Variant[] = [
  {
    name: 'helmet',
    stage: 'security headers (helmet)',
    patches: [{ file: 'app.js', find: 'registerSecurityHeaders(adapter.getInstance());', replace: '' }],
  },
  { name: 'cors', stage: 'CORS hooks', patches: [{ file: 'app.js', find: 'app.enableCors(', replace: 'void (' }] },
  {
    name: 'log',
    stage: "request-log line (at the bench's LOG_LEVEL=warn: built, not written)",
    patches: [emptyMethod('logging/request-logging.js', /requestCompleted\(error, request, reply\) \{/)],
  },
  {
    name: 'log-info',
    stage: 'request-log line written (LOG_LEVEL=info, the default): adds',
    env: { LOG_LEVEL: 'info' },
  },
  {
    name: 'metrics',
    stage: 'metrics (the per-request hook)',
    patches: [emptyMethod('metrics/metrics.service.js', /registerHooks\(fastify\) \{/)],
  },
  {
    name: 'context',
    stage: 'request-id context (AsyncLocalStorage.run per request)',
    patches: [
      {
        file: 'logging/request-context.js',
        find: '(request, reply, done) => requestLogs.run(request.log, done)',
        replace: '(request, reply, done) => done()',
      },
    ],
  },
  {
    name: 'auth',
    stage: "auth guard's own work (token checks and user lookups; a map from header to user instead)",
    patches: [
      {
        file: 'auth/jwt-auth.guard.js',
        find: 'const token = bearerToken(request.headers.authorization);',
        replace: `const ablated = (globalThis.ablatedUsers ??= new Map()).get(request.headers.authorization);
        if (ablated) {
            request.user = ablated;
            return true;
        }
        const token = bearerToken(request.headers.authorization);`,
      },
      {
        file: 'auth/jwt-auth.guard.js',
        find: 'request.user = known;',
        replace: 'request.user = known; globalThis.ablatedUsers.set(request.headers.authorization, known);',
      },
    ],
  },
  {
    name: 'validation',
    stage: 'validation pipe (class-transformer + class-validator on bodies and queries)',
    patches: [
      {
        file: 'common/validation.pipe.js',
        find: /async transform\(value, metadata\) \{/,
        replace: "$& if (metadata.type === 'body') return value ?? {}; return value;",
      },
    ],
  },
  {
    name: 'timeout',
    stage: "Fastify's handlerTimeout (REQUEST_TIMEOUT_MS: a timer and an AbortController per request)",
    patches: [{ file: 'app.js', find: 'handlerTimeout: env.requestTimeoutMs,', replace: '' }],
  },
  {
    name: 'etag',
    stage: 'ETag/Location hook',
    patches: [
      {
        file: 'common/resource-headers.hook.js',
        find: "fastify.addHook('preSerialization', resourceHeaders);",
        replace: '',
      },
    ],
  },
  {
    name: 'nest',
    stage: "Nest's router, guards and pipes (the route served from a Fastify preHandler instead)",
    patches: [{ file: 'app.js', find: /^ {4}await app\.init\(\);/m, replace: WITHOUT_NEST }],
  },
];

/** Every patch of the patch-only variants at once. */
const ALL: Variant = {
  name: 'all',
  stage: 'all of the above but log-info and nest at once',
  patches: VARIANTS.filter((v) => v.patches && v.name !== 'nest').flatMap((v) => v.patches!),
};

function applyPatches(dir: string, patches: Patch[]): void {
  for (const { file, find, replace } of patches) {
    const path = join(dir, 'dist', file);
    const source = readFileSync(path, 'utf8');
    const count =
      typeof find === 'string'
        ? source.split(find).length - 1
        : (source.match(new RegExp(find.source, find.flags.includes('g') ? find.flags : `${find.flags}g`)) ?? [])
            .length;
    if (count !== 1) throw new Error(`patch for ${file} matches ${count} times (expected once): ${String(find)}`);
    writeFileSync(path, typeof find === 'string' ? source.replace(find, () => replace) : source.replace(find, replace));
  }
}

/** A copy of dist/ with the variant's patches, under the repository so that node_modules resolves. */
function build(variant: Variant): string {
  const dir = join(ROOT, 'bench', 'results', 'ablate', variant.name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  cpSync(join(variant.from ?? ROOT, 'dist'), join(dir, 'dist'), { recursive: true });
  // The service reads its name and version from it, and Node its module type.
  cpSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
  applyPatches(dir, variant.patches ?? []);
  return dir;
}

/**
 * The bench's database, able to serve every build's pool at once (each holds up to DB_POOL_SIZE=10
 * connections for 30 s after its turn, and one for LISTEN): the embedded PostgreSQL's
 * max_connections is raised once, in its data directory under .data/bench, which only benches use.
 */
async function openDatabase(servers: number): Promise<BenchDatabase> {
  const needed = servers * 12 + 20;
  const db = await BenchDatabase.open(ROOT);
  const [{ max_connections }] = (await db.sql.query<{ max_connections: string }>('SHOW max_connections')).rows;
  if (Number(max_connections) >= needed || process.env.DATABASE_URL) return db;
  process.stderr.write(`[ablate] raising the bench database's max_connections from ${max_connections} to ${needed}\n`);
  await db.sql.query(`ALTER SYSTEM SET max_connections = ${needed}`);
  await db.close([]);
  return BenchDatabase.open(ROOT);
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

async function main(): Promise<void> {
  const wanted = option('variants')?.split(',').filter(Boolean);
  const variants = [{ name: 'full', stage: 'nothing switched off' } as Variant, ...VARIANTS, ALL].filter(
    (v) => v.name === 'full' || !wanted || wanted.includes(v.name),
  );
  // --compare=<dir>: another build (e.g. main's) as it is, and at LOG_LEVEL=info, in the same rounds.
  const compare = option('compare');
  if (compare)
    variants.push(
      { name: 'compare', stage: `the build in ${compare}`, from: resolve(compare) },
      {
        name: 'compare-log-info',
        stage: `the build in ${compare}, LOG_LEVEL=info`,
        from: resolve(compare),
        env: { LOG_LEVEL: 'info' },
      },
    );
  const unknown = wanted?.filter((name) => !variants.some((v) => v.name === name));
  if (unknown?.length) throw new Error(`unknown variants: ${unknown.join(', ')}`);
  const dirs = new Map(variants.map((v) => [v.name, build(v)]));

  const db = await openDatabase(variants.length + 1);
  const issuer = await BetterAuthIssuer.start();
  let ids: string[] = [];
  const servers: { name: string; server: ServerProcess }[] = [];
  try {
    const shared = { DATABASE_URL: db.url, BETTER_AUTH_SECRET: randomBytes(36).toString('base64url'), ...issuer.env };
    const serviceEnv = { ...shared, NODE_ENV: 'production', AUTH_RATE_LIMIT: '0', LOG_LEVEL: 'warn' };
    const specOf = (v: Variant): ServerSpec => ({
      name: v.name,
      cwd: dirs.get(v.name)!,
      args: ['dist/main.js'],
      env: { ...serviceEnv, ...v.env },
    });
    process.stderr.write(`[ablate] seeding, then starting ${variants.length} builds and the raw server\n`);
    const seeder = await ServerProcess.start(specOf(variants[0]));
    const plan = { users: 4, tasksPerUser: 100, largeTasks: 600, categoriesPerUser: 5, largeCategories: 20 };
    const fixtures = await seed(seeder.url, issuer, plan).finally(() => seeder.stop());
    ids = userIds(fixtures);
    await db.settle();
    for (const v of variants) servers.push({ name: v.name, server: await ServerProcess.start(specOf(v)) });
    servers.push({
      name: 'raw',
      server: await ServerProcess.start({
        name: 'raw',
        cwd: ROOT,
        args: ['--import', '@swc-node/register/esm-register', 'bench/raw-server.ts'],
        env: shared,
      }),
    });
    const routes = hotRoutes(fixtures, ['v1.1']).filter((route) =>
      ROUTES.some((part) => route.name.toLowerCase().includes(part)),
    );

    const drive = async (server: ServerProcess, requests: Request[], seconds: number) => {
      const cpuBefore = server.cpuMs();
      const result = await load(server.url, requests, { connections: CONNECTIONS, seconds });
      if (result.failures) throw new Error(`${result.failures} failed requests`);
      return { cpuUs: ((server.cpuMs() - cpuBefore) * 1000) / result.requests, rps: result.rps };
    };
    for (const route of routes)
      for (const { server } of servers) {
        process.stderr.write(`[ablate] warming up · ${route.name} · ${server.name}\n`);
        await drive(server, route.requests, 2);
      }

    // Each variant's run sits between two runs of the full build, and is compared with their mean:
    // the load on these shared cores drifts within seconds, so only neighbours are comparable.
    type Run = { cpuUs: number; rps: number; fullCpuUs: number; fullRps: number };
    const runs = new Map(routes.map((r) => [r.name, new Map(servers.map((s) => [s.name, [] as Run[]]))]));
    const full = servers.find((s) => s.name === 'full')!;
    const others = servers.filter((s) => s !== full);
    for (let round = 0; round < ROUNDS; round++) {
      for (const [index, route] of routes.entries()) {
        const shift = (round * 3 + index) % others.length;
        const order = [...others.slice(shift), ...others.slice(0, shift)];
        if (round % 2) order.reverse();
        process.stderr.write(`[ablate] round ${round + 1}/${ROUNDS} · ${route.name}\n`);
        let before = await drive(full.server, route.requests, SECONDS);
        const fulls = [before];
        for (const { name, server } of order) {
          const run = await drive(server, route.requests, SECONDS);
          const after = await drive(full.server, route.requests, SECONDS);
          fulls.push(after);
          runs
            .get(route.name)!
            .get(name)!
            .push({
              ...run,
              fullCpuUs: (before.cpuUs + after.cpuUs) / 2,
              fullRps: (before.rps + after.rps) / 2,
            });
          before = after;
        }
        runs
          .get(route.name)!
          .get('full')!
          .push(...fulls.map((run) => ({ ...run, fullCpuUs: run.cpuUs, fullRps: run.rps })));
      }
    }

    console.log(
      `\nNode ${process.version}, ${CONNECTIONS} connections, ${ROUNDS} rounds x ${SECONDS} s; CPU from /proc in µs per request`,
    );
    for (const route of routes) {
      const byName = runs.get(route.name)!;
      const full = byName.get('full')!;
      console.log(
        `\n${route.name}\n| variant | switched off | CPU µs/req | Δ CPU vs the full runs either side (median) | req/s | req/s vs full |`,
      );
      console.log('|---|---|---:|---:|---:|---:|');
      for (const v of [...variants, { name: 'raw', stage: 'hand-written Fastify + pg' } as Variant]) {
        const mine = byName.get(v.name)!;
        const delta = median(mine.map((run) => run.cpuUs - run.fullCpuUs));
        const rpsRatio = median(mine.map((run) => run.rps / run.fullRps));
        console.log(
          `| ${v.name} | ${v.stage} | ${median(mine.map((r) => r.cpuUs)).toFixed(0)} | ${v.name === 'full' ? '' : `${delta > 0 ? '+' : ''}${delta.toFixed(1)}`} | ${median(mine.map((r) => r.rps)).toFixed(0)} | ${rpsRatio.toFixed(2)} |`,
        );
      }
      console.log(`CPU µs/req of full, run by run: ${full.map((r) => r.cpuUs.toFixed(0)).join(' ')}`);
    }
    const resultsDir = join(ROOT, 'bench', 'results');
    const file = join(resultsDir, `ablate-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(
      file,
      JSON.stringify(
        {
          node: process.version,
          rounds: ROUNDS,
          seconds: SECONDS,
          runs: Object.fromEntries([...runs].map(([k, v]) => [k, Object.fromEntries(v)])),
        },
        null,
        2,
      ),
    );
    console.log(`\nFull results: ${file}`);
  } finally {
    for (const { server } of servers) await server.stop().catch(() => undefined);
    await issuer.stop();
    await db.close(ids);
  }
}

main().catch((error: unknown) => {
  console.error(`bench:ablate failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
