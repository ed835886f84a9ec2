/**
 * A real Better Auth server (the `better-auth` package, as a Next.js app would run it) for the e2e
 * tests. It runs as a child process because better-auth is ESM-only and cannot load inside Jest.
 *
 * Environment: DATABASE_URL (its own database; its migrations run at start), BETTER_AUTH_SECRET,
 * and JWT_ALG to configure the jwt plugin's key pair (unset: the plugin's default, EdDSA).
 * It listens on a random loopback port and prints one JSON line `{ "url": ... }` when ready.
 *
 * Besides Better Auth's own routes under /api/auth it serves a few test-only routes that call
 * Better Auth's server API, for cases a browser cannot produce:
 *   POST /test/sign        { payload } -> { token }  signJWT with Better Auth's current key
 *   POST /test/rotate-key  -> { kid }                 mints a new signing key (createJwk)
 *   GET  /test/jwks-hits   -> { hits }                how often /api/auth/jwks was fetched
 */
import { betterAuth } from 'better-auth';
import { getMigrations } from 'better-auth/db/migration';
import { toNodeHandler } from 'better-auth/node';
import { createJwk, jwt } from 'better-auth/plugins/jwt';
import { createServer } from 'node:http';
import pg from 'pg';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 4 });
const jwtOptions = process.env.JWT_ALG ? { jwks: { keyPairConfig: { alg: process.env.JWT_ALG } } } : undefined;

let handle = (_req, res) => res.writeHead(503).end();
const server = createServer((req, res) => handle(req, res));
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const baseURL = `http://127.0.0.1:${server.address().port}`;

const auth = betterAuth({
  baseURL,
  secret: process.env.BETTER_AUTH_SECRET,
  database: pool,
  emailAndPassword: { enabled: true },
  plugins: [jwt(jwtOptions)],
  logger: { level: 'error' },
});
const { runMigrations } = await getMigrations(auth.options);
await runMigrations();

const authHandler = toNodeHandler(auth);
let jwksHits = 0;

async function readJson(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
}

function send(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

handle = async (req, res) => {
  try {
    const path = new URL(req.url, baseURL).pathname;
    if (path === '/api/auth/jwks') jwksHits++;
    if (!path.startsWith('/test/')) return await authHandler(req, res);
    if (req.method === 'POST' && path === '/test/sign') {
      const { payload } = await readJson(req);
      return send(res, 200, await auth.api.signJWT({ body: { payload } }));
    }
    if (req.method === 'POST' && path === '/test/rotate-key') {
      const key = await createJwk({ context: await auth.$context }, jwtOptions);
      return send(res, 200, { kid: key.id });
    }
    if (req.method === 'GET' && path === '/test/jwks-hits') return send(res, 200, { hits: jwksHits });
    send(res, 404, { error: 'not found' });
  } catch (error) {
    send(res, 500, { error: String(error?.stack ?? error) });
  }
};

const stop = () => server.close(() => pool.end().then(() => process.exit(0)));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdout.write(JSON.stringify({ url: baseURL }) + '\n');
