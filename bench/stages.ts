/**
 * `npm run bench:stages [-- --seconds=N] [--routes=get,toggle]`: where a request's CPU goes, in µs
 * per request, per stage of the pipeline (issue 13). For each route, a fresh service process and a
 * fresh raw server run with `--cpu-prof` under the same load; only the samples taken during the
 * measured load are kept, and each sample is charged to the innermost frame that belongs to a
 * stage (a `pg` parse called from TypeORM called from a repository is the driver's). Printed, not
 * asserted. See docs/performance.md.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BenchDatabase } from './bench-database.js';
import { BetterAuthIssuer } from './better-auth-issuer.js';
import { seed, userIds } from './fixtures.js';
import { load } from './load.js';
import { benchOptions } from './options.js';
import { hotRoutes, type Route, routeNamed } from './routes.js';
import { ServerProcess, type ServerSpec } from './server-process.js';

const ROOT = resolve(import.meta.dirname, '..');
const options = benchOptions(['seconds', 'routes']);
const SECONDS = options.seconds ?? 8;
const ROUTES = options.routes ?? ['get', 'toggle'];
const CONNECTIONS = 16;

/** Stages by what a frame's script or name says; the first that matches wins, innermost frame first. */
const STAGES: [stage: string, test: (url: string, name: string) => boolean][] = [
  ['GC', (_, name) => name === '(garbage collector)'],
  ['JSON.stringify (serialisation)', (url, name) => !url && name === 'stringify'],
  ['JSON.parse', (url, name) => !url && name === 'parse'],
  [
    'socket writes (kernel)',
    (url, name) => !url && /^(writev|writeUtf8String|writeBuffer|writeLatin1String)$/.test(name),
  ],
  ['pg driver', (url) => /node_modules\/(pg|pg-protocol|pg-pool|pg-types|postgres-date|postgres-array)\//.test(url)],
  ['TypeORM query path', (url) => url.includes('node_modules/typeorm/')],
  ['helmet headers', (url) => url.includes('node_modules/helmet/')],
  ['request log (pino)', (url) => /node_modules\/(pino|sonic-boom|pino-std-serializers|fast-redact)\//.test(url)],
  ['metrics (prom-client)', (url) => url.includes('node_modules/prom-client/')],
  [
    'validation (class-validator/transformer)',
    (url) => /node_modules\/(class-validator|class-transformer|validator)\//.test(url),
  ],
  ['JWT verify (jsonwebtoken/jose)', (url) => /node_modules\/(jsonwebtoken|jws|jwa|jose|@nestjs\/jwt)\//.test(url)],
  ['Nest router, guards, pipes', (url) => /node_modules\/(@nestjs\/(core|common|platform-fastify)|rxjs)\//.test(url)],
  ['Fastify routing (find-my-way)', (url) => url.includes('node_modules/find-my-way/')],
  [
    'Fastify (hooks, reply)',
    (url) => /node_modules\/(fastify|@fastify|avvio|light-my-request|fast-json-stringify|fast-querystring)\//.test(url),
  ],
  ['auth guard (own code)', (url) => /\/dist\/(src\/)?auth\//.test(url)],
  ['ownership guard, pipes, ETag hook (own code)', (url) => /\/dist\/(src\/)?common\//.test(url)],
  ['request log (own code)', (url) => /\/dist\/(src\/)?logging\//.test(url)],
  ['metrics (own code)', (url) => /\/dist\/(src\/)?metrics\//.test(url)],
  [
    'handler, service, repository (own code)',
    (url) => /\/dist\/(src\/)?(tasks|categories|lists|database|sync|live|idempotency)\//.test(url),
  ],
  ['app hooks (own code)', (url) => /\/dist\/(src\/)?[^/]+\.js$/.test(url)],
  ['raw server handler', (url) => url.includes('bench/raw-server')],
  [
    'request-id context (async_hooks)',
    (url) => /node:(internal\/)?async_hooks|async_local_storage|promise_hooks/.test(url),
  ],
  ['node http and streams', (url) => /node:(internal\/)?(_http|http|net|stream|streams)/.test(url)],
];

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** µs per request per stage for the samples between `fromMs` and `toMs` after the profile's start. */
function stagesOf(profile: Profile, fromMs: number, toMs: number, requests: number): Map<string, number> {
  const parent = new Map<number, number>();
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const stageOf = new Map<number, string>();
  const classify = (id: number): string => {
    const known = stageOf.get(id);
    if (known) return known;
    const { url, functionName } = byId.get(id)!.callFrame;
    if (functionName === '(idle)') return 'idle';
    const up = parent.get(id);
    const stage =
      STAGES.find(([, test]) => test(url, functionName))?.[0] ??
      (functionName === '(root)' || up === undefined ? 'other (V8, native, Node internals)' : classify(up));
    stageOf.set(id, stage);
    return stage;
  };
  const totals = new Map<string, number>();
  let at = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    at += profile.timeDeltas[i];
    const ms = at / 1000;
    if (ms < fromMs || ms > toMs) continue;
    const stage = classify(profile.samples[i]);
    if (stage === 'idle') continue;
    totals.set(stage, (totals.get(stage) ?? 0) + profile.timeDeltas[i]);
  }
  for (const [stage, us] of totals) totals.set(stage, us / requests);
  return totals;
}

async function profiled(spec: ServerSpec, dir: string, { requests, connections = CONNECTIONS }: Route) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const spawned = performance.now();
  const server = await ServerProcess.start({ ...spec, args: ['--cpu-prof', `--cpu-prof-dir=${dir}`, ...spec.args] });
  await load(server.url, requests, { connections, seconds: 2 });
  const from = performance.now() - spawned;
  const cpuBefore = server.cpuMs();
  const result = await load(server.url, requests, { connections, seconds: SECONDS });
  const cpuUs = ((server.cpuMs() - cpuBefore) * 1000) / result.requests;
  const to = performance.now() - spawned;
  await server.stop();
  const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'))!;
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Profile;
  // The profile's clock starts as the process does, a few ms after the spawn: the window is
  // narrowed by 100 ms on each side so no start-up or shutdown sample falls into it.
  return { stages: stagesOf(profile, from + 100, to - 100, result.requests), cpuUs, rps: result.rps };
}

async function main(): Promise<void> {
  const db = await BenchDatabase.open(ROOT);
  const issuer = await BetterAuthIssuer.start();
  let ids: string[] = [];
  try {
    const shared = { DATABASE_URL: db.url, BETTER_AUTH_SECRET: randomBytes(36).toString('base64url'), ...issuer.env };
    const serviceSpec: ServerSpec = {
      name: 'service',
      cwd: ROOT,
      args: ['dist/main.js'],
      env: { ...shared, NODE_ENV: 'production', AUTH_RATE_LIMIT: '0', LOG_LEVEL: 'info' },
    };
    const rawSpec: ServerSpec = {
      name: 'raw',
      cwd: ROOT,
      args: ['--import', '@swc-node/register/esm-register', 'bench/raw-server.ts'],
      env: shared,
    };
    const seeder = await ServerProcess.start(serviceSpec);
    const plan = { users: 4, tasksPerUser: 100, largeTasks: 600, categoriesPerUser: 5, largeCategories: 20 };
    const fixtures = await seed(seeder.url, issuer, plan).finally(() => seeder.stop());
    ids = userIds(fixtures);
    await db.settle();
    const routes = hotRoutes(fixtures, ['v1.1']).filter((route) => ROUTES.some((part) => routeNamed(route.name, part)));
    const dir = join(ROOT, 'bench', 'results', 'stages');
    for (const route of routes) {
      process.stderr.write(`[stages] ${route.name}: service and raw, ${SECONDS} s each under --cpu-prof\n`);
      // Each route's profiles kept apart (bench/results/stages/<route>/), to open in DevTools afterwards.
      const slug = route.name.replace(/\W+/g, '-').replace(/^-|-$/g, '');
      const service = await profiled(serviceSpec, join(dir, slug, 'service'), route);
      const raw = await profiled(rawSpec, join(dir, slug, 'raw'), route);
      const names = [...new Set([...service.stages.keys(), ...raw.stages.keys()])].sort(
        (a, b) => (service.stages.get(b) ?? 0) - (service.stages.get(a) ?? 0),
      );
      const sum = (stages: Map<string, number>) => [...stages.values()].reduce((x, y) => x + y, 0);
      console.log(`\n${route.name} (${CONNECTIONS} connections, ${SECONDS} s; sampled CPU in µs per request)`);
      console.log(`| stage | service | raw |\n|---|---:|---:|`);
      for (const name of names)
        console.log(
          `| ${name} | ${(service.stages.get(name) ?? 0).toFixed(1)} | ${(raw.stages.get(name) ?? 0).toFixed(1)} |`,
        );
      console.log(`| **sampled total** | ${sum(service.stages).toFixed(0)} | ${sum(raw.stages).toFixed(0)} |`);
      console.log(
        `| process CPU from /proc (includes the profiler's own cost) | ${service.cpuUs.toFixed(0)} | ${raw.cpuUs.toFixed(0)} |`,
      );
      console.log(`| req/s under the profiler | ${service.rps.toFixed(0)} | ${raw.rps.toFixed(0)} |`);
    }
  } finally {
    await issuer.stop();
    await db.close(ids);
  }
}

main().catch((error: unknown) => {
  console.error(`bench:stages failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
