import { cpus, loadavg, totalmem } from 'node:os';

export interface Figures {
  rps: number;
  p50: number;
  p99: number;
  /** CPU time the server spent per request (user + system, whole process tree), in µs. */
  cpuUsPerRequest: number;
  /** The embedded PostgreSQL's CPU per request, all its processes (undefined with DATABASE_URL). */
  databaseCpuUsPerRequest?: number;
  failures: number;
}

export interface RouteReport {
  name: string;
  p99TargetMs: number;
  service: Figures;
  raw: Figures;
  /** Median over rounds of service req/s divided by raw req/s in the same round. */
  ratio: number;
  peakRssMb: number;
  /** The raw server's, from the same rounds: what the same work costs without the framework. */
  rawPeakRssMb: number;
  /** With --baseline: the older build's figures on this route, from the same rounds. */
  baseline?: BaselineFigures;
}

export interface BaselineFigures extends Figures {
  /** Median over rounds of baseline req/s divided by raw req/s in the same round. */
  ratio: number;
  /** Median over rounds of service req/s divided by baseline req/s in the same round. */
  serviceVersusBaseline: number;
  peakRssMb: number;
}

/** With --pooler: one connection mode's figures on a route, from the same rounds as the service's. */
export interface ModeFigures extends Figures {
  /** Median over rounds of this mode's req/s divided by the service's (named statements, direct). */
  versusNamed: number;
  /** PgBouncer's own CPU per request (0 without it). */
  poolerCpuUsPerRequest: number;
  /** The embedded PostgreSQL's CPU per request: where parsing and planning unnamed statements shows. */
  databaseCpuUsPerRequest?: number;
}

export interface ModeReport {
  name: string;
  named: Figures & { databaseCpuUsPerRequest?: number };
  unnamed: ModeFigures;
  pooled: ModeFigures;
}

export interface Report {
  mode: 'quick' | 'full';
  serviceNodeOptions?: string;
  /** With --baseline: the older build's checkout, and its start on its own, already migrated database. */
  baseline?: { dir: string; startMs: number };
  database: string;
  connections: number;
  plan: { rounds: number; seconds: number };
  routes: RouteReport[];
  /** With --pooler: the service's connection modes, per route. */
  modes?: ModeReport[];
  /** With --memory-limit: the service in a memory cgroup, with the Dockerfile's V8 flags. */
  memoryLimit?: MemoryLimitReport;
  growth: { smallTasks: number; largeTasks: number; small: Figures; large: Figures };
  firstStartMs: number;
  coldStartMs: number;
  /** VmHWM over the service's life, sign-ups (argon2) during seeding included. */
  lifetimePeakMb: number;
  /** The live-events part's lines (bench/events-bench.ts), unless --no-events. */
  events?: string[];
  /** The offline push part's lines (bench/push-bench.ts), unless --routes leaves it out. */
  push?: string[];
}

const TARGETS = { ratio: 0.8, p99OfRaw: 1.2, eddsaWithin: 0.1, growth: 1.5, rssMb: 200, coldStartMs: 2_000 };

/** How the service's CPU per request compares: raw's µs over the service's (1 = as cheap as raw). */
const cpuRatio = (r: RouteReport) => r.raw.cpuUsPerRequest / r.service.cpuUsPerRequest;

const n = (value: number, digits = 0) =>
  value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const ms = (value: number) => n(value, 1);
const verdict = (ok: boolean) => (ok ? 'met' : 'NOT MET');
/** A change in percent, signed: +5.0% */
const change = (value: number) => `${value >= 0 ? '+' : ''}${n(value * 100, 1)}%`;

function printTable(rows: string[][]): void {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  for (const [i, row] of rows.entries()) {
    console.log(row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  '));
    if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
}

/** Prints the table and the targets; returns true when any request failed (the run is not valid). */
export function printReport(report: Report): boolean {
  const cpu = cpus();
  console.log(
    `\nMachine: ${cpu.length} x ${cpu[0]?.model.trim()}, ${n(totalmem() / 2 ** 30, 1)} GiB RAM, Node ${process.version}, load average ${loadavg()
      .map((l) => n(l, 2))
      .join(' ')}`,
  );
  console.log(
    `Database: ${report.database}. ${report.connections} connections; ${report.mode} mode: ${report.plan.rounds} round(s) of ${report.plan.seconds} s per route and server, medians shown.`,
  );
  if (report.serviceNodeOptions) console.log(`Service NODE_OPTIONS: ${report.serviceNodeOptions}`);
  console.log('');

  printTable([
    [
      'route',
      'service req/s',
      'p50 ms',
      'p99 ms',
      'CPU µs/req',
      'fail',
      'raw req/s',
      'p50 ms',
      'p99 ms',
      'CPU µs/req',
      'fail',
      'service/raw',
      'CPU raw/service',
      'peak RSS MB',
      'raw RSS MB',
    ],
    ...report.routes.map((r) => [
      r.name,
      n(r.service.rps),
      ms(r.service.p50),
      ms(r.service.p99),
      n(r.service.cpuUsPerRequest),
      n(r.service.failures),
      n(r.raw.rps),
      ms(r.raw.p50),
      ms(r.raw.p99),
      n(r.raw.cpuUsPerRequest),
      n(r.raw.failures),
      n(r.ratio, 2),
      n(cpuRatio(r), 2),
      n(r.peakRssMb),
      n(r.rawPeakRssMb),
    ]),
  ]);
  if (report.baseline) printBaseline(report.baseline, report.routes);
  if (report.modes) printModes(report.modes);
  if (report.memoryLimit) printMemoryLimit(report.memoryLimit);

  const { growth } = report;
  const worst = report.routes.reduce((a, b) => (b.ratio < a.ratio ? b : a));
  const worstCpu = report.routes.reduce((a, b) => (cpuRatio(b) < cpuRatio(a) ? b : a));
  // Both list routes, unless --routes left one out.
  const hs = report.routes.find((r) => r.name.includes('HS256'));
  const ed = report.routes.find((r) => r.name.includes('EdDSA'));
  const eddsa = hs && ed ? ed.service.rps / hs.service.rps : undefined;
  const growthRatio = growth.large.p99 / growth.small.p99;
  const peakRss = Math.max(...report.routes.map((r) => r.peakRssMb));
  // Issue 13: the target, or within 1.2x of the raw server's p99 in the same run on this machine.
  const p99s = report.routes.map((r) => ({
    r,
    ok: r.service.p99 <= r.p99TargetMs || r.service.p99 <= TARGETS.p99OfRaw * r.raw.p99,
  }));
  const lines = [
    [
      `service/raw req/s >= ${TARGETS.ratio} on every route`,
      `lowest ${n(worst.ratio, 2)} (${worst.name})`,
      worst.ratio >= TARGETS.ratio,
    ],
    [
      `service/raw CPU per request >= ${TARGETS.ratio} on every route`,
      `lowest ${n(cpuRatio(worstCpu), 2)} (${worstCpu.name})`,
      cpuRatio(worstCpu) >= TARGETS.ratio,
    ],
    ...p99s.map(({ r, ok }) => [
      `p99 <= ${r.p99TargetMs} ms or <= ${TARGETS.p99OfRaw}x raw: ${r.name}`,
      `${ms(r.service.p99)} ms (raw ${ms(r.raw.p99)} ms, ${n(r.service.p99 / r.raw.p99, 2)}x)`,
      ok,
    ]),
    ...(eddsa === undefined
      ? []
      : [
          [
            `EdDSA within ${TARGETS.eddsaWithin * 100}% of HS256 (list req/s)`,
            `${n(eddsa, 2)}x`,
            eddsa >= 1 - TARGETS.eddsaWithin,
          ],
        ]),
    [
      `list p99 at ${n(growth.largeTasks)} tasks <= ${TARGETS.growth}x at ${n(growth.smallTasks)}`,
      `${ms(growth.large.p99)} vs ${ms(growth.small.p99)} ms = ${n(growthRatio, 2)}x (${n(growth.large.rps)} vs ${n(growth.small.rps)} req/s)`,
      growthRatio <= TARGETS.growth,
    ],
    [
      `peak RSS under load <= ${TARGETS.rssMb} MB`,
      `${n(peakRss)} MB on the hot routes (lifetime peak with sign-ups and seeding: ${n(report.lifetimePeakMb)} MB)`,
      peakRss <= TARGETS.rssMb,
    ],
    [
      `cold start <= ${TARGETS.coldStartMs / 1000} s on an existing database`,
      `${n(report.coldStartMs)} ms (first start with migrations: ${n(report.firstStartMs)} ms)`,
      report.coldStartMs <= TARGETS.coldStartMs,
    ],
  ] as [string, string, boolean][];
  console.log('\nTargets (recorded, not asserted):');
  const width = Math.max(...lines.map(([name]) => name.length));
  for (const [name, value, ok] of lines) console.log(`  ${name.padEnd(width)}  ${verdict(ok).padEnd(7)}  ${value}`);
  if (report.push) console.log(`\nOffline push (the service):\n${report.push.map((l) => `  ${l}`).join('\n')}`);
  if (report.events)
    console.log(`\nLive events (two instances, one database):\n${report.events.map((l) => `  ${l}`).join('\n')}`);

  const failures = [
    ...report.routes.flatMap((r) => [r.service.failures, r.raw.failures, r.baseline?.failures ?? 0]),
    ...(report.modes ?? []).flatMap((m) => [m.unnamed.failures, m.pooled.failures]),
    ...(report.memoryLimit?.routes ?? []).map((r) => r.failures),
    report.memoryLimit?.oomKills ?? 0,
    growth.small.failures,
    growth.large.failures,
  ];
  const failed = failures.some((f) => f > 0);
  if (failed) console.log('\nSome requests failed (errors or non-2xx): the figures above are not valid.');
  return failed;
}

/**
 * The older build next to the service, per route. Both ratios are against the raw server of the same
 * rounds, which cancels most of the machine's drift; "req/s vs baseline" is the median of the
 * per-round service/baseline quotients, so it need not equal the quotient of the two medians.
 */
function printBaseline(baseline: NonNullable<Report['baseline']>, routes: RouteReport[]): void {
  console.log(
    `\nBaseline: ${baseline.dir} (its own database, same PostgreSQL, environment and fixtures, in every round; started in ${n(baseline.startMs)} ms on its migrated database)\n`,
  );
  printTable([
    [
      'route',
      'baseline req/s',
      'p50 ms',
      'p99 ms',
      'fail',
      'peak RSS MB',
      'baseline/raw',
      'service/raw',
      'req/s vs baseline',
      'baseline CPU µs/req',
      'service CPU µs/req',
      'CPU vs baseline',
      'PG CPU µs/req baseline',
      'PG CPU µs/req service',
      'PG CPU vs baseline',
    ],
    // Routes the baseline does not have (newer features) ran without it.
    ...routes
      .filter((r) => r.baseline)
      .map((r) => {
        const b = r.baseline!;
        return [
          r.name,
          n(b.rps),
          ms(b.p50),
          ms(b.p99),
          n(b.failures),
          n(b.peakRssMb),
          n(b.ratio, 2),
          n(r.ratio, 2),
          change(b.serviceVersusBaseline - 1),
          n(b.cpuUsPerRequest),
          n(r.service.cpuUsPerRequest),
          change(r.service.cpuUsPerRequest / b.cpuUsPerRequest - 1),
          ...databaseCpuVersus(b, r.service),
        ];
      }),
  ]);
}

/** PostgreSQL's CPU per request under the baseline and the service, and the change ('-' unmeasured). */
function databaseCpuVersus(baseline: Figures, service: Figures): string[] {
  const [b, s] = [baseline.databaseCpuUsPerRequest, service.databaseCpuUsPerRequest];
  if (b === undefined || s === undefined) return ['-', '-', '-'];
  return [n(b), n(s), change(s / b - 1)];
}

/**
 * The service's connection modes next to each other (--pooler), from the same rounds: named
 * prepared statements on the direct URL (the default there), unnamed on the direct URL
 * (DB_PREPARED_STATEMENTS=off), and unnamed through PgBouncer in transaction mode (the default
 * there). "vs named" is the median of the per-round req/s quotients. "PG" is the embedded
 * PostgreSQL's CPU per request, where parsing and planning an unnamed statement on every call shows;
 * PgBouncer's is its own process's; both are on top of the service's. CPU per request moves less
 * than req/s when other work shares the machine.
 */
function printModes(modes: ModeReport[]): void {
  console.log(
    '\nConnection modes (--pooler): the service, direct with named statements / direct unnamed / through PgBouncer\n',
  );
  const pg = (value: number | undefined) => (value === undefined ? '-' : n(value));
  printTable([
    [
      'route',
      'named req/s',
      'p99 ms',
      'CPU µs/req',
      'PG µs/req',
      'unnamed req/s',
      'p99 ms',
      'CPU µs/req',
      'PG µs/req',
      'vs named',
      'PgBouncer req/s',
      'p99 ms',
      'CPU µs/req',
      'PG µs/req',
      'PgBouncer µs/req',
      'vs named',
      'fail',
    ],
    ...modes.map((m) => [
      m.name,
      n(m.named.rps),
      ms(m.named.p99),
      n(m.named.cpuUsPerRequest),
      pg(m.named.databaseCpuUsPerRequest),
      n(m.unnamed.rps),
      ms(m.unnamed.p99),
      n(m.unnamed.cpuUsPerRequest),
      pg(m.unnamed.databaseCpuUsPerRequest),
      change(m.unnamed.versusNamed - 1),
      n(m.pooled.rps),
      ms(m.pooled.p99),
      n(m.pooled.cpuUsPerRequest),
      pg(m.pooled.databaseCpuUsPerRequest),
      n(m.pooled.poolerCpuUsPerRequest),
      change(m.pooled.versusNamed - 1),
      n(m.unnamed.failures + m.pooled.failures),
    ]),
  ]);
}

export interface MemoryLimitReport {
  limitMb: number;
  nodeOptions: string;
  /** Processes the kernel killed in the cgroup for want of memory. */
  oomKills: number;
  /** The cgroup's own peak (RSS and page cache, as the limit counts it). */
  cgroupPeakMb: number;
  routes: (Figures & { name: string; versusUnlimited: number; peakRssMb: number })[];
}

/**
 * The service in a small container's memory, next to itself without a limit in the same rounds:
 * what the limit costs per route (issue 26: no kill, within 10% of unlimited).
 */
function printMemoryLimit(m: MemoryLimitReport): void {
  console.log(
    `\nMemory limit (--memory-limit): the service in a ${m.limitMb} MB memory cgroup with the Dockerfile's NODE_OPTIONS="${m.nodeOptions}", same rounds\n`,
  );
  printTable([
    ['route', 'limited req/s', 'p99 ms', 'CPU µs/req', 'fail', 'peak RSS MB', 'req/s vs unlimited'],
    ...m.routes.map((r) => [
      r.name,
      n(r.rps),
      ms(r.p99),
      n(r.cpuUsPerRequest),
      n(r.failures),
      n(r.peakRssMb),
      `${r.versusUnlimited >= 1 ? '+' : ''}${((r.versusUnlimited - 1) * 100).toFixed(1)}%`,
    ]),
  ]);
  const worst = Math.min(...m.routes.map((r) => r.versusUnlimited));
  console.log(
    `  OOM kills: ${m.oomKills}; the cgroup's peak: ${n(m.cgroupPeakMb)} MB of ${m.limitMb}; lowest req/s vs unlimited ${((worst - 1) * 100).toFixed(1)}% (target: no kill, within 10%)`,
  );
}
