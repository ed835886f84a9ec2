import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Client } from 'pg';
import { EmbeddedPostgres, RELOCATED_DATA_ROOT } from '../src/database/embedded-postgres.js';
import { SWC_LOADER } from './support/service-process.js';

const ROOT = join(import.meta.dirname, '..');
const asRoot = process.getuid?.() === 0;

/** A directory the postgres OS user can enter (as root the server runs as that user). */
function openDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o755);
  return dir;
}

async function query(url: string, sql: string): Promise<unknown[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<Record<string, unknown>>(sql)).rows;
  } finally {
    await client.end();
  }
}

type Notices = { line: string; level: 'info' | 'warn' }[];
const collect = (notices: Notices) => (line: string, level: 'info' | 'warn') => void notices.push({ line, level });

describe('embedded PostgreSQL (e2e, real initdb and postgres)', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('recovers from a first start killed during initdb: the half-made cluster is moved aside, not reused or deleted', async () => {
    const dir = openDir('todo-api-pg-killed-');
    dirs.push(dir);
    const dataDir = join(dir, 'postgres');
    // A separate process (group) that starts a cluster, killed as soon as initdb has begun writing.
    const script = `const { EmbeddedPostgres } = await import(${JSON.stringify(pathToFileURL(join(ROOT, 'src/database/embedded-postgres.ts')).href)});
await EmbeddedPostgres.start({ dataDir: ${JSON.stringify(dataDir)} });`;
    const child = spawn(process.execPath, ['--import', SWC_LOADER, '--input-type=module', '-e', script], {
      cwd: ROOT,
      detached: true,
      stdio: 'ignore',
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    const deadline = Date.now() + 60_000;
    while (!existsSync(join(dataDir, 'PG_VERSION')) && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 5));
    process.kill(-child.pid!, 'SIGKILL');
    await exited;
    expect(existsSync(join(dataDir, 'PG_VERSION'))).toBe(true);
    expect(existsSync(`${dataDir}.initialised`)).toBe(false);

    const notices: Notices = [];
    const pg = await EmbeddedPostgres.start({ dataDir, notice: collect(notices) });
    try {
      expect(await query(pg.url, 'SELECT 1 AS ok')).toEqual([{ ok: 1 }]);
    } finally {
      await pg.stop();
    }
    const moved = notices.find((n) => n.level === 'warn' && /unfinished first initialisation/.test(n.line));
    expect(moved?.line).toContain(dataDir);
    const aside = readdirSync(dir).filter((name) => name.startsWith('postgres.incomplete-'));
    expect(aside).toHaveLength(1);
    expect(moved?.line).toContain(join(dir, aside[0]));
    expect(existsSync(`${dataDir}.initialised`)).toBe(true);
  }, 120_000);

  it('keeps a complete cluster that will not start, and says in one line which directory and why', async () => {
    const dir = openDir('todo-api-pg-corrupt-');
    dirs.push(dir);
    const dataDir = join(dir, 'postgres');
    const pg = await EmbeddedPostgres.start({ dataDir });
    await query(pg.url, 'CREATE TABLE kept (id int)');
    await pg.stop();

    writeFileSync(join(dataDir, 'PG_VERSION'), '7\n');
    const failure = await EmbeddedPostgres.start({ dataDir }).then(
      () => undefined,
      (error: Error) => error,
    );
    expect(failure).toBeInstanceOf(Error);
    expect(failure!.message).not.toContain('\n');
    expect(failure!.message).toContain(`the embedded PostgreSQL in ${dataDir} would not start`);
    expect(failure!.message).toMatch(/incompatible|version/i);
    expect(failure!.message).toContain('move that directory aside');
    // Nothing was moved or deleted: the operator decides.
    expect(readdirSync(dir).filter((name) => name.includes('incomplete'))).toEqual([]);
    expect(existsSync(join(dataDir, 'base'))).toBe(true);
  }, 120_000);

  (asRoot ? it : it.skip)(
    'as root in a directory the postgres user cannot enter, keeps the data outside it and finds it again',
    async () => {
      const home = mkdtempSync(join(tmpdir(), 'todo-api-pg-private-')); // mode 0700, like root's home
      dirs.push(home);
      const dataDir = join(home, '.data', 'postgres');

      const notices: Notices = [];
      let pg = await EmbeddedPostgres.start({ dataDir, notice: collect(notices) });
      const relocated = pg.dataDir;
      dirs.push(dirname(relocated));
      try {
        expect(relocated.startsWith(`${RELOCATED_DATA_ROOT}/`)).toBe(true);
        expect(notices.map((n) => n.line).join('\n')).toContain(`the cluster lives in ${relocated}`);
        await query(pg.url, "CREATE TABLE kept (note text); INSERT INTO kept VALUES ('still here')");
      } finally {
        await pg.stop();
      }
      pg = await EmbeddedPostgres.start({ dataDir });
      try {
        expect(pg.dataDir).toBe(relocated);
        expect(await query(pg.url, 'SELECT note FROM kept')).toEqual([{ note: 'still here' }]);
      } finally {
        await pg.stop();
      }
      // The password stays with the checkout, readable by its owner alone.
      expect(existsSync(join(home, '.data', 'postgres-password'))).toBe(true);
    },
    120_000,
  );
});
