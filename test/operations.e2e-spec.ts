import { execFile } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { MIGRATIONS } from '../src/database/data-source.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { TEST_SECRET, useTestApp } from './support/test-app.js';

const ROOT = join(import.meta.dirname, '..');

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs one of the operator scripts the way `npm run` does, with `env` on top of ours. */
async function script(file: string, args: string[], env: Record<string, string> = {}): Promise<Outcome> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [join(ROOT, 'scripts', file), ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const { code, stdout, stderr } = error as { code: number; stdout: string; stderr: string };
    return { code, stdout, stderr };
  }
}

describe('npm run seed', () => {
  const t = useTestApp();
  let api: string;

  beforeAll(async () => {
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    api = await t.app.getUrl();
  });

  const demoTasks = async () =>
    (
      await t.sql.query<{ title: string }>(
        "SELECT t.title FROM tasks t JOIN users u ON u.id = t.user_id WHERE u.email = 'demo@example.com'",
      )
    ).rows;

  it('creates a demo user with a few tasks through the API and says how to sign in', async () => {
    const run = await script('seed.mjs', [api]);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toContain('Sign in as demo@example.com with password demo-password-1234');
    expect(await demoTasks()).toHaveLength(4);
    const { rows: links } = await t.sql.query(
      `SELECT c.name, count(*)::int AS tasks FROM task_categories tc JOIN categories c ON c.id = tc.category_id
        JOIN users u ON u.id = c.user_id WHERE u.email = 'demo@example.com' GROUP BY c.name ORDER BY c.name`,
    );
    expect(links).toEqual([
      { name: 'Home', tasks: 1 },
      { name: 'Work', tasks: 2 },
    ]);

    const signIn = await t.request({
      method: 'POST',
      url: '/api/auth/sign-in/email',
      body: { email: 'demo@example.com', password: 'demo-password-1234' },
    });
    expect(signIn.statusCode).toBe(200);
    const token = run.stdout.trim().split('\n').pop()!.trim();
    expect((await t.request({ method: 'GET', url: '/api/auth/me', token })).json()).toMatchObject({
      email: 'demo@example.com',
    });
  });

  it('changes nothing when run again', async () => {
    const run = await script('seed.mjs', [api]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('it already has tasks, none added');
    expect(await demoTasks()).toHaveLength(4);
  });

  it('says how to start the API when it cannot reach it', async () => {
    const run = await script('seed.mjs', ['http://127.0.0.1:9']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('seed: cannot reach the API at http://127.0.0.1:9');
    expect(run.stderr).toContain('npm run start:dev');
  });
});

describe('npm run migration:*', () => {
  let db: TestDatabase;
  let sql: Client;
  // With a secret given, the CLI never generates the development one under ./.data.
  const migration = (...args: string[]) =>
    script('migration.mjs', args, { DATABASE_URL: db.url, BETTER_AUTH_SECRET: TEST_SECRET });
  const tables = async () =>
    (
      await sql.query<{ table_name: string }>(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1",
      )
    ).rows.map((r) => r.table_name);
  /** Every table.column and function: what a migration adds or drops, whether a table, a column or a function. */
  const columns = async () =>
    (
      await sql.query<{ c: string }>(
        `SELECT table_name || '.' || column_name AS c FROM information_schema.columns WHERE table_schema = 'public'
         UNION ALL
         SELECT p.oid::regprocedure::text FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace
         ORDER BY 1`,
      )
    ).rows.map((r) => r.c);
  /**
   * Every function's and index's definition: what a migration that replaces a function, or adds or
   * drops an index or a key, changes.
   */
  const definitions = async () =>
    (
      await sql.query<{ d: string }>(
        `SELECT pg_get_functiondef(p.oid) AS d FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace AND p.prokind = 'f'
         UNION ALL
         SELECT indexdef FROM pg_indexes WHERE schemaname = 'public'
         ORDER BY 1`,
      )
    ).rows.map((r) => r.d);

  beforeAll(async () => {
    db = await createTestDatabase('migrations');
    sql = new Client({ connectionString: db.url });
    await sql.connect();
  });

  afterAll(async () => {
    await sql.end();
    await db.drop();
  });

  const MIGRATIONS_DIR = join(ROOT, 'src', 'database', 'migrations');
  const migrationFiles = () => readdirSync(MIGRATIONS_DIR).sort();
  /** Runs `generate` and says which migration files it wrote, after removing them for the next run. */
  const generate = async (...args: string[]) => {
    const before = migrationFiles();
    const run = await migration('generate', ...args);
    const written = migrationFiles().filter((file) => !before.includes(file));
    for (const file of written) rmSync(join(MIGRATIONS_DIR, file));
    return { ...run, written };
  };

  it('generate prints the schema the entities need (--dryrun writes no file)', async () => {
    const run = await generate('Everything', '--dryrun');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('CREATE TABLE "tasks"');
    expect(run.stdout).not.toContain('Next: review the SQL');
    expect(run.written).toEqual([]);
  });

  const applied = async () =>
    (await sql.query<{ name: string }>('SELECT name FROM migrations ORDER BY id')).rows.map((row) => row.name);
  let tablesAfterRun: string[];
  let columnsAfterRun: string[];
  let definitionsAfterRun: string[];

  it('run applies every migration', async () => {
    const run = await migration('run');
    expect(run.code).toBe(0);
    expect(await applied()).toEqual(MIGRATIONS.map((m) => m.name));
    tablesAfterRun = await tables();
    columnsAfterRun = await columns();
    definitionsAfterRun = await definitions();
    expect(tablesAfterRun).toEqual(
      expect.arrayContaining(['auth_sessions', 'migrations', 'refresh_tokens', 'tasks', 'users']),
    );
  });

  // The entities declare the whole schema (test/schema.e2e-spec.ts), so a generated migration holds
  // only what changed.
  it('generate writes nothing on an up-to-date database', async () => {
    const run = await generate('Nothing');
    expect(run.written).toEqual([]);
    expect(run.stdout).toContain('No changes in database schema were found');
  });

  it('generate proposes only what differs from the entities', async () => {
    await sql.query('DROP INDEX tasks_user_due_date_idx');
    try {
      const run = await generate('RestoreIndex', '--dryrun');
      expect(run.code).toBe(0);
      expect(run.written).toEqual([]);
      const up = run.stdout.slice(run.stdout.indexOf('async up('), run.stdout.indexOf('async down('));
      expect(up.match(/queryRunner\.query\(/g)).toHaveLength(1);
      expect(up).toContain('CREATE INDEX "tasks_user_due_date_idx" ON "tasks"  ("user_id", "due_date", "id")');
    } finally {
      await sql.query('CREATE INDEX IF NOT EXISTS tasks_user_due_date_idx ON tasks (user_id, due_date, id)');
    }
  });

  it('revert undoes the last one only', async () => {
    const run = await migration('revert');
    expect(run.code).toBe(0);
    expect(await applied()).toEqual(MIGRATIONS.slice(0, -1).map((m) => m.name));
    // The last migration's change is gone (a table, a column or a function fewer, or a function or
    // an index as it was before), and the earlier ones stay.
    const left = await columns();
    const changed = left.length < columnsAfterRun.length;
    const replaced = (await definitions()).some((definition) => !definitionsAfterRun.includes(definition));
    expect(changed || replaced).toBe(true);
    expect(columnsAfterRun).toEqual(expect.arrayContaining(left));
    expect(await tables()).toEqual(expect.arrayContaining(['tasks', 'users']));
  });

  it('generate wants a PascalCase name', async () => {
    const run = await migration('generate', 'drop table');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Usage: npm run migration:generate -- AddSomething');
  });

  it('says to set DATABASE_URL when it is not set', async () => {
    const run = await script('migration.mjs', ['run'], { DATABASE_URL: '', BETTER_AUTH_SECRET: TEST_SECRET });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('DATABASE_URL is not set: set it to the database to migrate');
  });
});
