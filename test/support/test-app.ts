import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { Client } from 'pg';
import { createApp, type CreateAppOptions } from '../../src/app.js';
import { loadEnv } from '../../src/config/env.validation.js';
import type { Session } from './api-types.js';
import { assertDocumented } from './openapi-validator.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

export const TEST_SECRET = 'e2e-secret-that-is-long-enough-for-hs256-0123456789';

export interface TestApp {
  app: NestFastifyApplication;
  db: TestDatabase;
  /** A plain connection to the app's database, to check what was (or was not) stored. */
  sql: Client;
  request(options: RequestOptions): Promise<TestResponse>;
  signUp(overrides?: Partial<{ email: string; password: string; name: string }>): Promise<Session>;
  close(): Promise<void>;
}

/**
 * light-my-request's response with `json()` returning `unknown` unless told the shape (`json<Task>()`),
 * instead of `any`, which would let a test read fields the API never sends without tsc noticing.
 */
export type TestResponse = Omit<LightMyRequestResponse, 'json'> & { json<T = unknown>(): T };

export interface RequestOptions {
  method: InjectOptions['method'];
  url: string;
  token?: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** The client address the app sees (default 127.0.0.1). */
  remoteAddress?: string;
}

export type { Session };

/** Every user signUp() creates has this password. */
export const TEST_PASSWORD = 'correct horse battery';

/**
 * Boots the real application (the same createApp as main.ts) on a fresh database of its own, or on
 * `options.db` to run a second instance beside another one. `env` is applied on top of the test
 * defaults for this app only; `options.server` is the PostgreSQL server to create the database on
 * (default: the run's); logs are off unless `options.logger` says where.
 */
export async function createTestApp(
  env: Record<string, string> = {},
  { db: sharedDb, server, ...appOptions }: Omit<CreateAppOptions, 'env'> & { db?: TestDatabase; server?: string } = {},
): Promise<TestApp> {
  const db = sharedDb ?? (await createTestDatabase('e2e', server));
  // Parsed the way main.ts parses, from the test process's environment with these on top; the app
  // gets it explicitly, and process.env is left as it was.
  const parsed = loadEnv({
    ...process.env,
    NODE_ENV: 'test',
    DATABASE_URL: db.url,
    // A direct URL goes with the DATABASE_URL above, never with the one of the shell the tests run in.
    DATABASE_DIRECT_URL: '',
    BETTER_AUTH_SECRET: TEST_SECRET,
    AUTH_RATE_LIMIT: '0',
    LOG_LEVEL: 'error',
    ...env,
  });
  const app = await createApp({ logger: false, ...appOptions, env: parsed });
  const sql = new Client({ connectionString: db.url });
  await sql.connect();

  // Every response a test sees must be one the OpenAPI document promises (openapi-validator.ts).
  const request = async ({ method, url, token, body, headers = {}, remoteAddress }: RequestOptions) => {
    const response = await app.inject({
      method,
      url,
      remoteAddress,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined && typeof body !== 'string' ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      ...(body !== undefined ? { payload: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    assertDocumented(method ?? 'GET', url, response);
    return response;
  };

  return {
    app,
    db,
    sql,
    request,
    async signUp(overrides = {}) {
      const body = { email: `user-${randomUUID()}@example.com`, password: TEST_PASSWORD, ...overrides };
      const response = await request({ method: 'POST', url: '/api/auth/sign-up/email', body });
      if (response.statusCode !== 201) throw new Error(`sign-up failed: ${response.statusCode} ${response.body}`);
      return response.json<Session>();
    },
    async close() {
      await sql.end();
      await app.close();
      if (!sharedDb) await db.drop();
    },
  };
}

/**
 * The app a spec file, or a describe block, runs against: created by createTestApp(env, options) in
 * a beforeAll and closed in an afterAll of the block this is called in.
 *
 * The returned object is empty until that beforeAll has filled it in, so read it in hooks and tests,
 * not while the file is being defined.
 */
export function useTestApp(...args: Parameters<typeof createTestApp>): TestApp {
  const handle = {} as TestApp;
  let created: TestApp | undefined;
  beforeAll(async () => {
    created = await createTestApp(...args);
    Object.assign(handle, created);
  });
  afterAll(() => created?.close());
  return handle;
}

/**
 * `count` users of `app`, each with a session, signed up in a beforeAll of the block this is called
 * in (after the app's own). As with useTestApp, each is filled in when that beforeAll runs:
 * `const [alice, bob] = useUsers(t, 2)`.
 */
export function useUsers(app: TestApp, count: number): Session[] {
  const sessions = Array.from({ length: count }, () => ({}) as Session);
  beforeAll(async () => {
    const signedUp = await signUpUsers(app, count);
    signedUp.forEach((session, i) => Object.assign(sessions[i], session));
  });
  return sessions;
}

/** `count` new users of `app`, signed up concurrently, in the order asked for. */
export function signUpUsers(app: TestApp, count: number): Promise<Session[]> {
  return Promise.all(Array.from({ length: count }, () => app.signUp()));
}
