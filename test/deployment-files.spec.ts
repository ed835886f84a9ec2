import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import { parse } from 'yaml';
import { parseEnv } from '../src/config/env.validation.js';

/**
 * No Docker engine runs where the tests do, so docker-compose.yml, the Dockerfile and .env.example
 * are checked statically against what the app really reads.
 */
const ROOT = join(import.meta.dirname, '..');

/** The parts of docker-compose.yml these tests read. */
interface Compose {
  services: Record<'db' | 'api', ComposeService>;
  volumes: Record<string, unknown>;
}
interface ComposeService {
  image?: string;
  build?: unknown;
  healthcheck: { test: string[] };
  volumes: string[];
  depends_on: Record<string, { condition: string }>;
  ports: string[];
  environment: Record<string, string>;
}
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

/** Every variable parseEnv looks at, found by letting it read a recording environment. */
function variablesTheAppReads(): string[] {
  const seen = new Set<string>();
  parseEnv(new Proxy({}, { get: (_, name) => (typeof name === 'string' && seen.add(name), undefined) }));
  return [...seen].sort();
}

describe('deployment files', () => {
  const appVars = variablesTheAppReads();

  it('knows the variables of the contract', () => {
    expect(appVars).toEqual(
      expect.arrayContaining([
        'PORT',
        'HOST',
        'DATABASE_URL',
        'BETTER_AUTH_SECRET',
        'BETTER_AUTH_URL',
        'CORS_ALLOWED_ORIGINS',
        'AUTH_RATE_LIMIT',
        'DB_POOL_RECYCLE',
      ]),
    );
  });

  describe('.env.example', () => {
    const keys = read('.env.example')
      .split('\n')
      .filter((line) => /^[A-Z_]+=/.test(line))
      .map((line) => line.split('=')[0])
      .sort();

    it('lists exactly the variables the app reads', () => {
      expect(keys).toEqual(appVars);
    });

    it('parses as valid configuration once a secret is filled in', () => {
      const values = Object.fromEntries(
        read('.env.example')
          .split('\n')
          .filter((l) => /^[A-Z_]+=/.test(l))
          .map((l) => l.split(/=(.*)/s).slice(0, 2)),
      ) as Record<string, string>;
      expect(parseEnv({ ...values, BETTER_AUTH_SECRET: 'x'.repeat(40) }).problems).toEqual([]);
    });
  });

  describe('docker-compose.yml', () => {
    const compose = parse(read('docker-compose.yml')) as Compose;
    const { db, api } = compose.services;

    it('runs PostgreSQL with a healthcheck and a named volume', () => {
      expect(db.image).toMatch(/^postgres:\d+/);
      expect(db.healthcheck.test.join(' ')).toContain('pg_isready');
      const [volume, mountPoint] = db.volumes[0].split(':');
      expect(mountPoint).toBe('/var/lib/postgresql/data');
      expect(compose.volumes).toHaveProperty(volume);
    });

    it('builds the API from the Dockerfile and starts it once the database is healthy', () => {
      expect(api.build).toMatchObject({ context: '.', dockerfile: 'Dockerfile' });
      expect(api.depends_on.db.condition).toBe('service_healthy');
      expect(api.ports).toContain('8000:8000');
    });

    it('points the API at the db service with credentials that match it', () => {
      const url = new URL(api.environment.DATABASE_URL);
      expect(url.hostname).toBe('db');
      expect(url.username).toBe(db.environment.POSTGRES_USER);
      expect(url.password).toBe(db.environment.POSTGRES_PASSWORD);
      expect(url.pathname).toBe(`/${db.environment.POSTGRES_DB}`);
    });

    it('passes only variables the app reads, requires a secret, and runs in production mode', () => {
      for (const name of Object.keys(api.environment)) expect(appVars).toContain(name);
      expect(api.environment.NODE_ENV).toBe('production');
      expect(api.environment.BETTER_AUTH_SECRET).toMatch(/^\$\{BETTER_AUTH_SECRET:\?/);
    });
  });

  describe('Dockerfile', () => {
    const dockerfile = read('Dockerfile');
    const stages = dockerfile.split(/^FROM /m).slice(1);
    const runtime = stages[stages.length - 1];

    it('is multi-stage, the runtime stage copying the build from an earlier one', () => {
      expect(stages.length).toBeGreaterThanOrEqual(2);
      expect(runtime).toMatch(/COPY --from=build .*\/app\/dist/);
      expect(runtime).not.toMatch(/npm (ci|install)\b(?!.*--omit)/);
    });

    it('runs as a non-root user', () => {
      const user = runtime.match(/^USER (\S+)/m)?.[1];
      expect(user).toBeDefined();
      expect(['root', '0']).not.toContain(user);
    });

    it('starts the compiled app in production mode on the port compose publishes', () => {
      expect(runtime).toMatch(/CMD \["node", "dist\/main\.js"\]/);
      expect(runtime).toMatch(/NODE_ENV=production/);
      expect(runtime).toMatch(/EXPOSE 8000/);
      expect(read('nest-cli.json')).toContain('"sourceRoot": "src"');
    });

    it("caps V8's heap for a small container, in the one line the bench's --memory-limit reads", () => {
      // bench/memory-cgroup.ts: dockerfileNodeOptions() takes the first ENV NODE_OPTIONS="..." line.
      const [line, ...others] = dockerfile.match(/^ENV NODE_OPTIONS=.*$/gm) ?? [];
      expect(others).toEqual([]);
      expect(line).toBeDefined();
      expect(runtime).toContain(line);
      const flags = /^ENV NODE_OPTIONS="([^"]*)"$/.exec(line!)?.[1].split(' ') ?? [];
      const oldSpaceMb = Number(flags.find((flag) => flag.startsWith('--max-old-space-size='))?.split('=')[1]);
      // Room beside the heap for code, buffers and the young generation within 256 MB.
      expect(oldSpaceMb).toBeGreaterThanOrEqual(64);
      expect(oldSpaceMb).toBeLessThanOrEqual(192);
    });

    it('builds and runs on one Node.js LTS major that package.json engines accepts and that still gets fixes', () => {
      const majors = stages.map((stage) => Number(/^node:(\d+)-/.exec(stage)?.[1]));
      expect(new Set(majors).size).toBe(1);
      const [major] = majors;
      // Even majors are the LTS lines; 20 reached its end of life in April 2026.
      expect(major % 2).toBe(0);
      expect(major).toBeGreaterThanOrEqual(22);
      const engines = (JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node;
      expect(semver.intersects(`${major}.x`, engines)).toBe(true);
    });

    it('copies every file the build needs', () => {
      const build = stages[0];
      for (const file of [
        'package.json',
        'package-lock.json',
        'tsconfig.json',
        'tsconfig.build.json',
        'nest-cli.json',
        'src',
      ]) {
        expect(build).toMatch(new RegExp(`COPY [^\\n]*\\b${file.replace('.', '\\.')}\\b`));
      }
      const ignored = read('.dockerignore').split('\n');
      for (const file of ['src', 'package.json', 'package-lock.json']) expect(ignored).not.toContain(file);
    });
  });
});
