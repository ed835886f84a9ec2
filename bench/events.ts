/**
 * `npm run bench:events [-- --quick]`: the live-events part of `npm run bench` alone (see
 * bench/events-bench.ts), on its own embedded PostgreSQL or `DATABASE_URL`.
 */
import { resolve } from 'node:path';
import { BenchDatabase } from './bench-database.js';
import { eventsBench } from './events-bench.js';
import { benchOptions } from './options.js';

const ROOT = resolve(import.meta.dirname, '..');
const { quick } = benchOptions(['quick']);

async function main(): Promise<void> {
  const db = await BenchDatabase.open(ROOT);
  const userIds: string[] = [];
  try {
    console.log((await eventsBench(ROOT, db, { quick, userIds })).join('\n'));
  } finally {
    await db.close(userIds);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
