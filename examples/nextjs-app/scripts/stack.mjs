/**
 * Starts what the app needs, for `npm run demo` (scripts/demo.mjs at the repository root) and the
 * browser tests (e2e/): PostgreSQL with one database for the API and one for Better Auth, the API
 * (the repository's dist/main.js, built first) and this app (next build, then next start).
 *
 * PostgreSQL is the server at `databaseServer` when given (a database pair is created on it and
 * dropped at stop), else one embedded server in `dataDir`, from the API's own runner
 * (src/database/embedded-postgres.ts), kept between runs.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

export const APP_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
export const REPOSITORY = join(APP_DIR, '..', '..');
const NEXT = join(APP_DIR, 'node_modules', 'next', 'dist', 'bin', 'next');
const BUILT_FOR = join(APP_DIR, '.next', 'todo-build-inputs');

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Runs a command to completion, its output shown; throws when it fails. */
export function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: 'inherit', ...options });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status ?? result.signal})`);
}

/** `npm ci` in the app when its node_modules is missing or was installed from another lockfile. */
export function installApp(log = console.log) {
  const installed = join(APP_DIR, 'node_modules', '.package-lock.json');
  const lock = readFileSync(join(APP_DIR, 'package-lock.json'), 'utf8');
  const stamp = join(APP_DIR, 'node_modules', '.todo-app-lock');
  if (existsSync(installed) && existsSync(stamp) && readFileSync(stamp, 'utf8') === lock) return;
  log('Installing the app’s dependencies (npm ci in examples/nextjs-app)…');
  run('npm', ['ci', '--no-audit', '--no-fund'], { cwd: APP_DIR });
  writeFileSync(stamp, lock);
}

/** The API's build (dist/), as `npm start` makes it. */
export function buildApi(log = console.log) {
  log('Building the API (nest build)…');
  run(process.execPath, [join(REPOSITORY, 'node_modules', '@nestjs', 'cli', 'bin', 'nest.js'), 'build'], {
    cwd: REPOSITORY,
  });
}

/** What a build is made of: the API URL it inlines and every source file it reads. */
function buildInputs(apiUrl) {
  const hash = createHash('sha256').update(apiUrl);
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (['node_modules', '.next', 'e2e', 'scripts'].includes(entry.name)) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else hash.update(path).update(readFileSync(path));
    }
  };
  walk(APP_DIR);
  for (const file of readdirSync(join(APP_DIR, '..')).filter((f) => f.endsWith('.ts')))
    hash.update(file).update(readFileSync(join(APP_DIR, '..', file)));
  hash.update(readFileSync(join(REPOSITORY, 'openapi', 'schema.d.ts')));
  return hash.digest('hex');
}

/**
 * `next build` unless .next already holds a build of these sources for this API URL: the browser
 * code has the URL inlined (NEXT_PUBLIC_API_URL), as a deployed app would.
 */
export function buildApp(apiUrl, { force = false, log = console.log } = {}) {
  const inputs = buildInputs(apiUrl);
  if (!force && existsSync(BUILT_FOR) && readFileSync(BUILT_FOR, 'utf8') === inputs) return false;
  log(`Building the app for the API at ${apiUrl} (next build)…`);
  run(process.execPath, [NEXT, 'build'], {
    cwd: APP_DIR,
    env: { ...process.env, NEXT_PUBLIC_API_URL: apiUrl, NEXT_TELEMETRY_DISABLED: '1' },
  });
  writeFileSync(BUILT_FOR, inputs);
  return true;
}

async function createDatabase(serverUrl, name, { dropFirst }) {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    if (dropFirst) await admin.query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(name)} WITH (FORCE)`);
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(name)}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function dropDatabase(serverUrl, name) {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${admin.escapeIdentifier(name)} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

/** A child process whose output goes to `log` line by line, prefixed with its name. */
function start(name, command, args, options, log) {
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  const forward = (stream) => {
    let rest = '';
    stream.setEncoding('utf8').on('data', (chunk) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop();
      for (const line of lines) if (line.trim()) log(`[${name}] ${line}`);
    });
  };
  forward(child.stdout);
  forward(child.stderr);
  return child;
}

async function waitFor(url, child, name, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited (${child.exitCode}) before it was ready`);
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${name} did not answer ${url} within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function stopChild(child, timeoutMs = 5_000) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** A secret kept in `file` (made on first use), so sessions and tokens outlive a restart. */
function keptSecret(file) {
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, randomBytes(32).toString('base64url'), { mode: 0o600 });
  }
  return readFileSync(file, 'utf8').trim();
}

/**
 * Starts PostgreSQL (or uses `databaseServer`), the API and the app, all on loopback.
 * Returns { appUrl, apiUrl, apiDatabase, stop() }; stop() ends them in reverse order.
 */
export async function startStack({
  host = '127.0.0.1',
  apiPort,
  appPort,
  databaseServer,
  dataDir = join(REPOSITORY, '.data', 'demo'),
  fresh = false,
  log = console.log,
  quiet = false,
} = {}) {
  const appUrl = `http://${host}:${appPort}`;
  const apiUrl = `http://${host}:${apiPort}`;
  const stops = [];
  const stop = async () => {
    for (const step of stops.reverse()) await step().catch((error) => log(`stopping: ${error.message}`));
  };
  const childLog = quiet ? () => undefined : log;
  try {
    let serverUrl = databaseServer;
    const names = fresh
      ? { api: `todo_app_${randomBytes(4).toString('hex')}`, auth: `better_auth_${randomBytes(4).toString('hex')}` }
      : { api: 'todo', auth: 'better_auth' };
    if (!serverUrl) {
      const { EmbeddedPostgres } = await import(join(REPOSITORY, 'dist', 'database', 'embedded-postgres.js'));
      const embedded = await EmbeddedPostgres.start({
        dataDir: join(dataDir, 'postgres'),
        database: names.api,
        notice: (line) => log(line),
      });
      stops.push(() => embedded.stop());
      serverUrl = embedded.urlFor('postgres');
    }
    const apiDatabase = await createDatabase(serverUrl, names.api, { dropFirst: fresh });
    const authDatabase = await createDatabase(serverUrl, names.auth, { dropFirst: fresh });
    if (fresh && databaseServer) {
      stops.push(async () => {
        await dropDatabase(serverUrl, names.api);
        await dropDatabase(serverUrl, names.auth);
      });
    }

    const secrets = fresh
      ? { api: randomBytes(32).toString('base64url'), auth: randomBytes(32).toString('base64url') }
      : { api: keptSecret(join(dataDir, 'api-secret')), auth: keptSecret(join(dataDir, 'better-auth-secret')) };

    const api = start(
      'api',
      process.execPath,
      ['--enable-source-maps', join(REPOSITORY, 'dist', 'main.js')],
      {
        cwd: REPOSITORY,
        env: {
          ...process.env,
          PORT: String(apiPort),
          HOST: host,
          DATABASE_URL: apiDatabase,
          BETTER_AUTH_SECRET: secrets.api,
          // The API trusts Better Auth's JWTs, checked against the app's /api/auth/jwks.
          BETTER_AUTH_URL: appUrl,
          CORS_ALLOWED_ORIGINS: appUrl,
          LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
        },
      },
      childLog,
    );
    stops.push(() => stopChild(api));
    await waitFor(`${apiUrl}/health`, api, 'The API');

    const app = start(
      'app',
      process.execPath,
      [NEXT, 'start', '-p', String(appPort), '-H', host],
      {
        cwd: APP_DIR,
        env: {
          ...process.env,
          DATABASE_URL: authDatabase,
          BETTER_AUTH_URL: appUrl,
          BETTER_AUTH_SECRET: secrets.auth,
          NEXT_TELEMETRY_DISABLED: '1',
          // Tests sign many people up from one address within seconds.
          ...(fresh ? { AUTH_RATE_LIMIT: '0' } : {}),
        },
      },
      childLog,
    );
    stops.push(() => stopChild(app));
    await waitFor(`${appUrl}/api/auth/jwks`, app, 'The app');
    return { appUrl, apiUrl, apiDatabase, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Whether nothing listens on `port` yet (any address). */
export function freePortOk(port) {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, () => server.close(() => resolve(true)));
  });
}
