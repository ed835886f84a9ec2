import { decodeProtectedHeader, generateKeyPair, SignJWT } from 'jose';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { JWKS_COOLDOWN_MS } from '../src/auth/better-auth-tokens.service.js';
import type { Problem, Task } from './support/api-types.js';
import { type BetterAuthServer, startBetterAuth } from './support/better-auth.js';
import { createTestApp, type TestApp } from './support/test-app.js';

/**
 * Tokens from the real better-auth package (jwt plugin), as the Next.js frontend gets them, sent to
 * the service. Better Auth runs in a child process with its own database.
 */

const now = () => Math.floor(Date.now() / 1000);

describe('Better Auth with its default keys (EdDSA)', () => {
  let ba: BetterAuthServer;
  let t: TestApp;

  beforeAll(async () => {
    ba = await startBetterAuth();
    t = await createTestApp({ BETTER_AUTH_URL: ba.url });
  });
  afterAll(async () => {
    await t?.close();
    await ba?.stop();
  });

  it('accepts a token from /api/auth/token on /api/auth/me and on creating, reading, updating, completing, listing and deleting a task', async () => {
    const user = await ba.signUp({ name: 'Grace Hopper' });
    const token = await ba.token(user);
    expect(decodeProtectedHeader(token).alg).toBe('EdDSA');

    const me = await t.request({ method: 'GET', url: '/api/auth/me', token });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ id: user.id, email: user.email, name: 'Grace Hopper' });

    const created = await t.request({
      method: 'POST',
      url: `/api/${user.id}/tasks`,
      token,
      body: { title: 'Write the compiler' },
    });
    expect(created.statusCode).toBe(201);
    const task = created.json<Task>();
    expect(task.user_id).toBe(user.id);
    const byId = `/api/tasks/${task.id}`;
    expect((await t.request({ method: 'GET', url: byId, token })).statusCode).toBe(200);
    expect(
      (await t.request({ method: 'PUT', url: byId, token, body: { priority: 'high' } })).json<Task>().priority,
    ).toBe('high');
    expect(
      (await t.request({ method: 'PATCH', url: byId, token, body: { title: 'Ship it' } })).json<Task>().title,
    ).toBe('Ship it');
    expect((await t.request({ method: 'PATCH', url: `${byId}/complete`, token })).json<Task>().completed).toBe(true);
    const list = await t.request({ method: 'GET', url: '/api/tasks', token });
    expect(list.json()).toMatchObject({ total: 1, items: [{ id: task.id }] });
    expect((await t.request({ method: 'DELETE', url: byId, token })).statusCode).toBe(204);
  });

  it('accepts the token Better Auth sends in the set-auth-jwt header of get-session', async () => {
    const user = await ba.signUp();
    const response = await fetch(`${ba.url}/api/auth/get-session`, { headers: { cookie: user.cookie } });
    const token = response.headers.get('set-auth-jwt');
    expect(token).toBeTruthy();
    const me = await t.request({ method: 'GET', url: '/api/auth/me', token: token! });
    expect(me.json()).toMatchObject({ id: user.id });
  });

  it("refuses Better Auth's session token, which is not a JWT, saying so", async () => {
    const user = await ba.signUp();
    const response = await t.request({ method: 'GET', url: '/api/auth/me', token: user.sessionToken });
    expect(response.statusCode).toBe(401);
    expect(response.json<Problem>().detail).toBe('The token is not a JWT');
  });

  it('provisions a user from the claims once, with no database write on later requests', async () => {
    // Counts every INSERT, UPDATE and DELETE statement on the auth tables, including an INSERT that
    // ends in ON CONFLICT DO NOTHING (statement triggers fire for those too).
    await t.sql.query(`
      CREATE TABLE write_log (tbl text, op text);
      CREATE FUNCTION log_write() RETURNS trigger LANGUAGE plpgsql AS
        $$ BEGIN INSERT INTO write_log VALUES (TG_TABLE_NAME, TG_OP); RETURN NULL; END $$;
      CREATE TRIGGER users_writes AFTER INSERT OR UPDATE OR DELETE ON users FOR EACH STATEMENT EXECUTE FUNCTION log_write();
      CREATE TRIGGER sessions_writes AFTER INSERT OR UPDATE OR DELETE ON auth_sessions FOR EACH STATEMENT EXECUTE FUNCTION log_write();
      CREATE TRIGGER refresh_writes AFTER INSERT OR UPDATE OR DELETE ON refresh_tokens FOR EACH STATEMENT EXECUTE FUNCTION log_write();`);
    try {
      const user = await ba.signUp({ name: 'Katherine Johnson' });
      const token = await ba.token(user);
      for (let i = 0; i < 15; i++) {
        expect((await t.request({ method: 'GET', url: '/api/auth/me', token })).statusCode).toBe(200);
        expect((await t.request({ method: 'GET', url: '/api/tasks', token })).statusCode).toBe(200);
      }
      const { rows: writes } = await t.sql.query(`SELECT tbl, op FROM write_log`);
      console.log(
        `30 requests with a new Better Auth user's token: ${writes.length} write statement(s) on the auth tables`,
      );
      expect(writes).toEqual([{ tbl: 'users', op: 'INSERT' }]);
      const { rows } = await t.sql.query(`SELECT email, name, password_hash FROM users WHERE id = $1`, [user.id]);
      expect(rows).toEqual([{ email: user.email, name: 'Katherine Johnson', password_hash: null }]);
    } finally {
      await t.sql.query(`DROP TABLE write_log CASCADE; DROP FUNCTION log_write() CASCADE`);
    }
  });

  it.each([
    // Issuer and audience errors name both values: a localhost vs 127.0.0.1 mix-up takes one look.
    [
      'another issuer',
      () => ({ iss: 'http://127.0.0.1:3000' }),
      (): string => `The token's issuer (iss) is "http://127.0.0.1:3000", but this API expects "${ba.url}"`,
    ],
    [
      'another audience',
      () => ({ aud: ['https://other-api.example.com'] }),
      (): string => `The token's audience (aud) is ["https://other-api.example.com"], but this API expects "${ba.url}"`,
    ],
    ['an expired token', () => ({ iat: now() - 3600, exp: now() - 60 }), (): string => 'The token has expired'],
    ['a token not valid yet (nbf)', () => ({ nbf: now() + 3600 }), (): string => 'The token is not valid yet (nbf)'],
    ['a token without sub', () => ({ sub: undefined }), (): string => "The token's sub claim is missing or invalid"],
  ])("refuses %s signed with Better Auth's own key", async (_, claims, detail) => {
    const user = await ba.signUp();
    const token = await ba.sign({ sub: user.id, email: user.email, ...claims() });
    const response = await t.request({ method: 'GET', url: '/api/auth/me', token });
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.json<Problem>().detail).toBe(detail());
    // The same claims, minus the defect, pass: the test is about the defect alone.
    expect(
      (await t.request({ method: 'GET', url: '/api/auth/me', token: await ba.sign({ sub: user.id }) })).statusCode,
    ).toBe(200);
  });

  it('refuses a token signed by a key Better Auth never published, under an unknown or a published kid', async () => {
    const user = await ba.signUp();
    const publishedKid = decodeProtectedHeader(await ba.token(user)).kid!;
    const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const forge = (kid: string) =>
      new SignJWT({ sub: user.id, email: user.email })
        .setProtectedHeader({ alg: 'EdDSA', kid })
        .setIssuer(ba.url)
        .setAudience(ba.url)
        .setIssuedAt()
        .setExpirationTime('10m')
        .sign(privateKey);

    const unknown = await t.request({ method: 'GET', url: '/api/auth/me', token: await forge('attacker-key') });
    expect(unknown.statusCode).toBe(401);
    expect(unknown.json<Problem>().detail).toBe('The token is signed by a key Better Auth does not publish');

    const forged = await t.request({ method: 'GET', url: '/api/auth/me', token: await forge(publishedKid) });
    expect(forged.statusCode).toBe(401);
    expect(forged.json<Problem>().detail).toBe("The token's signature does not match Better Auth's key");
  });

  it('accepts tokens signed with a key Better Auth added after the service fetched its keys, refetching once', async () => {
    const user = await ba.signUp();
    const before = await ba.token(user);
    expect((await t.request({ method: 'GET', url: '/api/auth/me', token: before })).statusCode).toBe(200);
    const hitsBefore = await ba.jwksHits();

    const kid = await ba.rotateKey();
    const after = await ba.token(user);
    expect(decodeProtectedHeader(after).kid).toBe(kid);
    expect(kid).not.toBe(decodeProtectedHeader(before).kid);

    // The new kid triggers a refetch as soon as the cooldown since the last fetch allows it.
    const deadline = Date.now() + JWKS_COOLDOWN_MS + 5_000;
    let attempts = 0;
    let status = 0;
    while (Date.now() < deadline) {
      attempts++;
      status = (await t.request({ method: 'GET', url: '/api/auth/me', token: after })).statusCode;
      if (status === 200) break;
      await sleep(200);
    }
    expect(status).toBe(200);
    const fetches = (await ba.jwksHits()) - hitsBefore;
    console.log(`new kid accepted after ${attempts} request(s), which cost ${fetches} JWKS fetch(es)`);
    expect(fetches).toBe(1);
    // Tokens signed with the older key, still published, keep working.
    expect((await t.request({ method: 'GET', url: '/api/auth/me', token: before })).statusCode).toBe(200);
  });
});

describe.each(['RS256', 'PS256', 'ES256', 'ES512'])('Better Auth configured with %s keys', (alg) => {
  let ba: BetterAuthServer;
  let t: TestApp;

  beforeAll(async () => {
    ba = await startBetterAuth({ alg });
    t = await createTestApp({ BETTER_AUTH_URL: ba.url });
  });
  afterAll(async () => {
    await t?.close();
    await ba?.stop();
  });

  it(`accepts its ${alg} tokens`, async () => {
    const user = await ba.signUp();
    const token = await ba.token(user);
    expect(decodeProtectedHeader(token).alg).toBe(alg);
    const me = await t.request({ method: 'GET', url: '/api/auth/me', token });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ id: user.id, email: user.email });
  });
});

describe('Better Auth down or not configured', () => {
  let ba: BetterAuthServer;
  let baToken: string;

  beforeAll(async () => {
    ba = await startBetterAuth();
    baToken = await ba.token(await ba.signUp());
  });
  afterAll(() => ba?.stop());

  async function expectOwnTokensWork(t: TestApp) {
    const session = await t.signUp();
    expect((await t.request({ method: 'GET', url: '/api/auth/me', token: session.token })).statusCode).toBe(200);
  }

  it('without BETTER_AUTH_URL: a Better Auth token is 401 saying so, own tokens work', async () => {
    const t = await createTestApp();
    try {
      const response = await t.request({ method: 'GET', url: '/api/auth/me', token: baToken });
      expect(response.statusCode).toBe(401);
      expect(response.json<Problem>().detail).toMatch(
        /Better Auth verification is not configured \(set BETTER_AUTH_URL\)/,
      );
      await expectOwnTokensWork(t);
    } finally {
      await t.close();
    }
  });

  it('with Better Auth unreachable: the service starts, a Better Auth token is 401 saying why, own tokens work', async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number };
        probe.close(() => resolve(port));
      });
    });
    const t = await createTestApp({ BETTER_AUTH_URL: `http://127.0.0.1:${closedPort}` });
    try {
      const response = await t.request({ method: 'GET', url: '/api/auth/me', token: baToken });
      expect(response.statusCode).toBe(401);
      expect(response.json<Problem>().detail).toBe(
        "Better Auth's signing keys could not be fetched (the connection was refused; is Better Auth running?), so the token could not be checked",
      );
      await expectOwnTokensWork(t);
    } finally {
      await t.close();
    }
  });
});
