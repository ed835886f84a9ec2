import type { BenchDatabase } from './bench-database.js';
import { serverCpuMs } from './server-process.js';

/** What a run's log line needs of its result. */
interface RunFigures {
  requests: number;
  cpuUsPerRequest: number;
  databaseCpuUsPerRequest?: number;
}

const ACTIVITY = `SELECT (SELECT string_agg(relname || ':' || autovacuum_count || '/' || autoanalyze_count, ' ')
                    FROM pg_stat_user_tables WHERE relname IN ('tasks', 'user_changes'))
               || ' ckpt:' || (SELECT num_timed + num_requested FROM pg_stat_checkpointer)
               || ' wal:' || pg_current_wal_lsn() AS a`;

const BACKENDS = `SELECT pid, coalesce(datname, '-') || '·' || coalesce(nullif(application_name, ''), '-')
                         || '·' || backend_type AS who
                    FROM pg_stat_activity`;

/** Per statement of the window's databases, from pg_stat_statements (when it is loaded). */
const STATEMENTS = `SELECT d.datname || ' ' || s.queryid AS key, s.calls::float8 AS calls, s.plans::float8 AS plans,
                           s.total_exec_time AS exec, s.total_plan_time AS plan, left(regexp_replace(s.query, '\\s+', ' ', 'g'), 60) AS text
                      FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid`;

interface StatementFigures {
  key: string;
  calls: number;
  plans: number;
  exec: number;
  plan: number;
  text: string;
}

/**
 * The statements that took most of PostgreSQL's time in the window: calls, how many of them were
 * planned, and the mean execution and planning times. Needs pg_stat_statements in
 * shared_preload_libraries (with pg_stat_statements.track_planning = on for the plans); empty without.
 */
async function statements(db: BenchDatabase): Promise<Map<string, StatementFigures>> {
  try {
    await db.sql.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    const { rows } = await db.sql.query<StatementFigures>(STATEMENTS);
    return new Map(rows.map((row) => [row.key, row]));
  } catch {
    return new Map();
  }
}

function statementLines(before: Map<string, StatementFigures>, after: Map<string, StatementFigures>): string[] {
  const deltas = [...after.values()].map((now) => {
    const then = before.get(now.key);
    return {
      ...now,
      calls: now.calls - (then?.calls ?? 0),
      plans: now.plans - (then?.plans ?? 0),
      exec: now.exec - (then?.exec ?? 0),
      plan: now.plan - (then?.plan ?? 0),
    };
  });
  return deltas
    .filter((d) => d.calls > 0)
    .sort((a, b) => b.exec + b.plan - (a.exec + a.plan))
    .slice(0, 4)
    .map(
      (d) =>
        `  → ${d.key.split(' ')[0]}: ${d.calls} calls, ${d.plans} planned, ` +
        `${((d.exec * 1000) / d.calls).toFixed(0)} µs exec + ${((d.plan * 1000) / d.calls).toFixed(0)} µs planning per call · ${d.text}`,
    );
}

/**
 * BENCH_RUN_LOG=1: around one run, PostgreSQL's CPU per request, its autovacuum, analyze,
 * checkpoint and write-ahead-log counters, and its CPU by backend (database · application · kind),
 * to tell whose work a run's window holds (docs/performance.md: where the list page spends it), and
 * the statements that took PostgreSQL's time (`statements`).
 */
export async function runLog(db: BenchDatabase): Promise<{ after(result: RunFigures): Promise<string[]> }> {
  const activity = async () => (await db.sql.query<{ a: string }>(ACTIVITY)).rows[0].a;
  const backends = async () => {
    const { rows } = await db.sql.query<{ pid: number; who: string }>(BACKENDS);
    return new Map(rows.map((row) => [row.pid, { who: row.who, ms: serverCpuMs(row.pid) }]));
  };
  const backendsBefore = await backends();
  const before = await activity();
  const statementsBefore = await statements(db);
  return {
    async after(result) {
      const byWho = new Map<string, number>();
      for (const [pid, now] of await backends()) {
        byWho.set(now.who, (byWho.get(now.who) ?? 0) + now.ms - (backendsBefore.get(pid)?.ms ?? 0));
      }
      return [
        `  → ${result.requests} requests, PG CPU ${result.databaseCpuUsPerRequest?.toFixed(0)} µs/req, ` +
          `CPU ${result.cpuUsPerRequest.toFixed(0)} µs/req; before ${before}; after ${await activity()}`,
        `  → by backend (ms): ${[...byWho]
          .filter(([, ms]) => ms > 0)
          .map(([who, ms]) => `${who} ${ms.toFixed(0)}`)
          .join(', ')}`,
        ...statementLines(statementsBefore, await statements(db)),
      ];
    },
  };
}
