import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createTestDatabase, type TestDatabase } from './test-database.js';

export interface BetterAuthUser {
  id: string;
  email: string;
  name: string;
  /** The session cookie Better Auth set at sign-up, as a browser would send it back. */
  cookie: string;
  /** The `token` of the sign-up response: Better Auth's opaque session token, not a JWT. */
  sessionToken: string;
}

/** A real Better Auth server (test/support/better-auth-server.mjs) in a child process. */
export interface BetterAuthServer {
  /** Its base URL, `http://127.0.0.1:<port>`: what BETTER_AUTH_URL points at. */
  url: string;
  signUp(overrides?: Partial<{ email: string; name: string }>): Promise<BetterAuthUser>;
  /** GET /api/auth/token with the user's session cookie, as `authClient.token()` does. */
  token(user: BetterAuthUser): Promise<string>;
  /** A JWT from Better Auth's own signJWT with its current key; the payload is used as given. */
  sign(payload: Record<string, unknown>): Promise<string>;
  /** Mints a new signing key; Better Auth signs with it from now on. */
  rotateKey(): Promise<string>;
  /** How often /api/auth/jwks has been fetched. */
  jwksHits(): Promise<number>;
  stop(): Promise<void>;
}

const SERVER_SCRIPT = join(import.meta.dirname, 'better-auth-server.mjs');

export async function startBetterAuth(options: { alg?: string } = {}): Promise<BetterAuthServer> {
  const db = await createTestDatabase('better_auth');
  const child = spawn(process.execPath, [SERVER_SCRIPT], {
    env: {
      ...process.env,
      DATABASE_URL: db.url,
      BETTER_AUTH_SECRET: `better-auth-test-secret-${randomUUID()}`,
      ...(options.alg ? { JWT_ALG: options.alg } : {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let url: string;
  try {
    url = await readyUrl(child);
  } catch (error) {
    child.kill();
    await db.drop();
    throw error;
  }
  return serverApi(url, child, db);
}

function readyUrl(child: ChildProcess): Promise<string> {
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', (line) =>
      resolve((JSON.parse(line) as { url: string }).url),
    );
    child.once('exit', (code) =>
      reject(new Error(`Better Auth server exited (${code}) before it was ready:\n${stderr}`)),
    );
  });
}

function serverApi(url: string, child: ChildProcess, db: TestDatabase): BetterAuthServer {
  async function call<T>(path: string, init: RequestInit = {}): Promise<{ body: T; response: Response }> {
    const response = await fetch(url + path, init);
    const text = await response.text();
    if (!response.ok) throw new Error(`Better Auth ${init.method ?? 'GET'} ${path}: ${response.status} ${text}`);
    return { body: JSON.parse(text) as T, response };
  }
  const post = <T>(path: string, body: unknown = {}) =>
    call<T>(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  return {
    url,
    async signUp(overrides = {}) {
      const email = overrides.email ?? `ba-${randomUUID()}@example.com`;
      const { body, response } = await post<{ token: string; user: { id: string; email: string; name: string } }>(
        '/api/auth/sign-up/email',
        {
          email,
          password: 'correct horse battery',
          name: overrides.name ?? 'Ada Lovelace',
        },
      );
      const cookie = response.headers
        .getSetCookie()
        .map((c) => c.split(';')[0])
        .join('; ');
      return { ...body.user, cookie, sessionToken: body.token };
    },
    async token(user) {
      return (await call<{ token: string }>('/api/auth/token', { headers: { cookie: user.cookie } })).body.token;
    },
    async sign(payload) {
      return (await post<{ token: string }>('/test/sign', { payload })).body.token;
    },
    async rotateKey() {
      return (await post<{ kid: string }>('/test/rotate-key')).body.kid;
    },
    async jwksHits() {
      return (await call<{ hits: number }>('/test/jwks-hits')).body.hits;
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      await db.drop();
    },
  };
}
