import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * The layering a second resource relies on. Infrastructure (common/, database/, config/) knows no
 * feature, so a new resource reuses it unchanged; and services hold rules while repositories own
 * the SQL, so every change to a user's rows goes through a repository's write path.
 */
const SRC = join(import.meta.dirname, '..', 'src');
const filesUnder = (dir: string) =>
  readdirSync(join(SRC, dir), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => join(SRC, dir, file));
const importsOf = (source: string) =>
  [...source.matchAll(/\bfrom\s+['"]([^'"]+)['"]|\bimport\s*\(?\s*['"]([^'"]+)['"]/g)].map((m) => m[1] ?? m[2]);

/** Every folder of src/ that is a feature: all but the infrastructure and the app's plumbing. */
const FEATURES = ['auth', 'tasks', 'categories', 'lists', 'idempotency', 'sync', 'live', 'reminders'];
const FEATURE = new RegExp(`^(\\.\\./)+(${FEATURES.join('|')})(/|$)`);

describe('layering', () => {
  const infrastructure = ['common', 'database', 'config'].flatMap(filesUnder).map((file) => relative(SRC, file));

  it.each(infrastructure)('%s imports nothing from a feature', (file) => {
    const specifiers = importsOf(readFileSync(join(SRC, file), 'utf8'));
    expect(specifiers.filter((specifier) => FEATURE.test(specifier))).toEqual([]);
  });

  // The two ends of the live channel are PostgreSQL plumbing: a NOTIFY call and a LISTEN connection.
  const channelEnds = ['live/change-announcer.service.ts', 'live/change-listener.service.ts'];
  const services = FEATURES.flatMap(filesUnder)
    .filter((file) => file.endsWith('.service.ts'))
    .map((file) => relative(SRC, file))
    .filter((file) => !channelEnds.includes(file));

  it.each(services)('%s holds rules, not SQL (that is its repository)', (file) => {
    const source = readFileSync(join(SRC, file), 'utf8');
    expect(
      source.match(
        /\.query\(|\b(SELECT|INSERT INTO|DELETE FROM)\b|\bUPDATE\s+\w+\s+SET\b|\b(DataSource|EntityManager|QueryRunner)\b/g,
      ) ?? [],
    ).toEqual([]);
  });
});
