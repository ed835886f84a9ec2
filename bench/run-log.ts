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

/**
 * BENCH_RUN_LOG=1: around one run, PostgreSQL's CPU per request, its autovacuum, analyze,
 * checkpoint and write-ahead-log counters, and its CPU by backend (database · application · kind),
 * to tell whose work a run's window holds (docs/performance.md: where the list page spends it).
 */
export async function runLog(db: BenchDatabase): Promise<{ after(result: RunFigures): Promise<string[]> }> {
  const activity = async () => (await db.sql.query<{ a: string }>(ACTIVITY)).rows[0].a;
  const backends = async () => {
    const { rows } = await db.sql.query<{ pid: number; who: string }>(BACKENDS);
    return new Map(rows.map((row) => [row.pid, { who: row.who, ms: serverCpuMs(row.pid) }]));
  };
  const backendsBefore = await backends();
  const before = await activity();
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
      ];
    },
  };
}
