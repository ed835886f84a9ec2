import { expect } from '@jest/globals';
import { createHmac, randomUUID } from 'node:crypto';
import type { Problem, Task } from './support/api-types.js';
import { type Session, TEST_PASSWORD, TEST_SECRET, useTestApp, useUsers } from './support/test-app.js';

/** Mints an HS256 JWT by hand, the way a trusted backend would. */
export function mintHs256(
  payload: Record<string, unknown>,
  secret = TEST_SECRET,
  header: Record<string, unknown> = { alg: 'HS256', typ: 'JWT' },
): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${part(header)}.${part(payload)}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}

const now = () => Math.floor(Date.now() / 1000);

describe('auth routes', () => {
  const t = useTestApp({ ACCESS_TOKEN_EXPIRE_MINUTES: '15' });

  const signUp = (body: unknown, headers?: Record<string, string>) =>
    t.request({ method: 'POST', url: '/api/auth/sign-up/email', body, headers });
  const signIn = (body: unknown, headers?: Record<string, string>) =>
    t.request({ method: 'POST', url: '/api/auth/sign-in/email', body, headers });
  const email = () => `Ada.${randomUUID()}@Example.COM`;

  describe('sign-up', () => {
    it('creates the account and returns a session with Location', async () => {
      const address = email();
      const res = await signUp({ email: address, password: 'correct horse', name: '  Ada Lovelace ' });
      expect(res.statusCode).toBe(201);
      expect(res.headers.location).toBe('/api/auth/me');
      const body = res.json<Session>();
      expect(body).toEqual({
        user: {
          id: expect.any(String),
          email: address.toLowerCase(),
          name: 'Ada Lovelace',
          created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        },
        token: expect.any(String),
        refresh_token: expect.any(String),
        token_type: 'bearer',
        expires_in: 900,
      });
      const [row] = (
        await t.sql.query<{ email: string; password_hash: string }>(
          'SELECT email, password_hash FROM users WHERE id = $1',
          [body.user.id],
        )
      ).rows;
      expect(row.email).toBe(address.toLowerCase());
      expect(row.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    });

    it('issues an HS256 access token with sub, email, iat, exp, jti and the access marker', async () => {
      const res = await signUp({ email: email(), password: 'correct horse' });
      const { token, user } = res.json<Session>();
      const [header, payload] = token
        .split('.')
        .slice(0, 2)
        .map((p) => JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>);
      expect(header.alg).toBe('HS256');
      expect(payload).toMatchObject({ sub: user.id, email: user.email, typ: 'access', jti: expect.any(String) });
      expect(Number(payload.exp) - Number(payload.iat)).toBe(900);
    });

    it('accepts a form body', async () => {
      const address = email();
      const res = await signUp(`email=${encodeURIComponent(address)}&password=correct+horse&name=Form+User`, {
        'content-type': 'application/x-www-form-urlencoded',
      });
      expect(res.statusCode).toBe(201);
      expect(res.json<Session>().user).toMatchObject({ email: address.toLowerCase(), name: 'Form User' });
    });

    it('defaults the name to the part of the email before @', async () => {
      const res = await signUp({ email: 'Grace.Hopper@navy.example', password: 'correct horse' });
      expect(res.json<Session>().user.name).toBe('grace.hopper');
    });

    it('refuses an email that is taken, whatever its case, with 409', async () => {
      const address = email();
      expect((await signUp({ email: address, password: 'correct horse' })).statusCode).toBe(201);
      const res = await signUp({ email: address.toUpperCase(), password: 'another password' });
      expect(res.statusCode).toBe(409);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json()).toMatchObject({
        status: 409,
        title: 'Conflict',
        detail: 'An account with this email already exists',
      });
      const { rows } = await t.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM users WHERE email = $1', [
        address.toLowerCase(),
      ]);
      expect(rows[0].n).toBe(1);
    });

    it.each([
      ['a missing email', { password: 'correct horse' }, 'email'],
      ['an invalid email', { email: 'not-an-email', password: 'correct horse' }, 'email'],
      [
        'an email over 254 characters',
        {
          email: `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(62)}.com`,
          password: 'correct horse',
        },
        'email',
      ],
      ['a password under 8 characters', { email: 'short@example.com', password: '1234567' }, 'password'],
      ['a password over 128 characters', { email: 'long@example.com', password: 'x'.repeat(129) }, 'password'],
      ['a numeric password', { email: 'num@example.com', password: 12345678 }, 'password'],
      [
        'a name over 100 characters',
        { email: 'name@example.com', password: 'correct horse', name: 'n'.repeat(101) },
        'name',
      ],
      ['an unknown field', { email: 'extra@example.com', password: 'correct horse', role: 'admin' }, 'role'],
    ])('rejects %s with 422 naming the field', async (_, body, field) => {
      const res = await signUp(body);
      expect(res.statusCode).toBe(422);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      const problem = res.json<Problem>();
      expect(problem).toMatchObject({
        type: 'about:blank',
        title: 'Unprocessable Entity',
        status: 422,
        detail: expect.any(String),
      });
      expect(problem.errors).toEqual(expect.arrayContaining([{ field, message: expect.any(String) }]));
    });

    it('stores nothing for a rejected sign-up', async () => {
      expect((await signUp({ email: 'rejected@example.com', password: 'short' })).statusCode).toBe(422);
      const { rows } = await t.sql.query(`SELECT 1 FROM users WHERE email = 'rejected@example.com'`);
      expect(rows).toHaveLength(0);
    });
  });

  describe('sign-in', () => {
    const password = 'correct horse battery';
    let address: string;
    beforeAll(async () => {
      address = email();
      await t.signUp({ email: address, password });
    });

    it('returns a session for the right password, whatever the email case', async () => {
      const res = await signIn({ email: address.toUpperCase(), password });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({
        user: { email: address.toLowerCase() },
        token_type: 'bearer',
        expires_in: 900,
      });
    });

    it('accepts a form body', async () => {
      const res = await signIn(`email=${encodeURIComponent(address)}&password=${encodeURIComponent(password)}`, {
        'content-type': 'application/x-www-form-urlencoded',
      });
      expect(res.statusCode).toBe(200);
    });

    it('answers an unknown email and a wrong password with the same 401', async () => {
      const wrong = await signIn({ email: address, password: 'wrong password' });
      const unknown = await signIn({ email: `nobody-${randomUUID()}@example.com`, password: 'wrong password' });
      for (const res of [wrong, unknown]) {
        expect(res.statusCode).toBe(401);
        expect(res.headers['www-authenticate']).toBe('Bearer');
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      }
      expect(wrong.json()).toEqual(unknown.json());
      expect(wrong.json()).toMatchObject({ detail: 'Invalid credentials', status: 401 });
    });
  });

  describe('tokens on protected routes', () => {
    const [session] = useUsers(t, 1);

    it('GET /api/auth/me returns the user', async () => {
      const res = await t.request({ method: 'GET', url: '/api/auth/me', token: session.token });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({
        id: session.user.id,
        email: session.user.email,
        name: expect.any(String),
        created_at: expect.any(String),
      });
    });

    it('accepts the bearer scheme in any case', async () => {
      for (const scheme of ['bearer', 'BEARER', 'BeArEr']) {
        const res = await t.request({
          method: 'GET',
          url: '/api/auth/me',
          headers: { authorization: `${scheme} ${session.token}` },
        });
        expect(res.statusCode).toBe(200);
      }
    });

    it.each([
      ['no Authorization header', {}],
      ['another scheme', { authorization: 'Basic dXNlcjpwYXNz' }],
      ['a token that is not a JWT', { authorization: 'Bearer not-a-jwt' }],
    ])('answers %s with 401 and WWW-Authenticate', async (_, headers) => {
      const res = await t.request({ method: 'GET', url: '/api/auth/me', headers });
      expect(res.statusCode).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    });

    it('rejects a token signed with another secret, an expired token and one without exp or sub', async () => {
      const cases = [
        mintHs256(
          { sub: session.user.id, iat: now(), exp: now() + 60 },
          'another-secret-another-secret-another-secret',
        ),
        mintHs256({ sub: session.user.id, iat: now() - 120, exp: now() - 60 }),
        mintHs256({ sub: session.user.id, iat: now() }),
        mintHs256({ iat: now(), exp: now() + 60 }),
        mintHs256({ sub: session.user.id, iat: now(), exp: now() + 60, typ: 'refresh' }),
      ];
      const details: string[] = [];
      for (const token of cases) {
        const res = await t.request({ method: 'GET', url: '/api/auth/me', token });
        expect(res.statusCode).toBe(401);
        expect(res.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
        details.push(res.json<Problem>().detail);
      }
      expect(details).toEqual([
        'The access token is invalid',
        'The access token has expired',
        'The access token has no expiry (exp)',
        'The access token has no valid subject (sub)',
        'The token is not an access token',
      ]);
    });

    it('accepts a hand-minted { sub, iat, exp } token and creates its user on first sight', async () => {
      const sub = `backend-${randomUUID()}`;
      const token = mintHs256({ sub, iat: now(), exp: now() + 60 });
      const me = await t.request({ method: 'GET', url: '/api/auth/me', token });
      expect(me.statusCode).toBe(200);
      expect(me.json()).toMatchObject({ id: sub, email: null });
      const created = await t.request({ method: 'POST', url: '/api/tasks', token, body: { title: 'From a backend' } });
      expect(created.statusCode).toBe(201);
      expect(created.json<Task>().user_id).toBe(sub);
    });

    it('provisions email and name from the claims', async () => {
      const sub = `claims-${randomUUID()}`;
      const token = mintHs256({ sub, email: 'Claims@Example.com', name: 'Claimed Name', iat: now(), exp: now() + 60 });
      const me = await t.request({ method: 'GET', url: '/api/auth/me', token });
      expect(me.json()).toMatchObject({ id: sub, email: 'claims@example.com', name: 'Claimed Name' });
    });
  });

  describe('refresh and sign-out', () => {
    const refresh = (refresh_token: unknown) =>
      t.request({ method: 'POST', url: '/api/auth/refresh', body: { refresh_token } });

    it('exchanges a refresh token for a new session and spends the old one', async () => {
      const session = await t.signUp();
      const res = await refresh(session.refresh_token);
      expect(res.statusCode).toBe(200);
      const next = res.json<Session>();
      expect(next.user.id).toBe(session.user.id);
      expect(next.refresh_token).not.toBe(session.refresh_token);
      expect((await t.request({ method: 'GET', url: '/api/auth/me', token: next.token })).statusCode).toBe(200);
      const stored = await t.sql.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM refresh_tokens WHERE token_hash = sha256($1::bytea)',
        [session.refresh_token],
      );
      expect(stored.rows[0].n).toBe(1);
      const plain = await t.sql.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM refresh_tokens WHERE token_hash = $1::bytea',
        [session.refresh_token],
      );
      expect(plain.rows[0].n).toBe(0);
    });

    it('treats a spent refresh token as theft: 401 and the whole family revoked', async () => {
      const session = await t.signUp();
      const next = (await refresh(session.refresh_token)).json<Session>();
      const replay = await refresh(session.refresh_token);
      expect(replay.statusCode).toBe(401);
      expect(replay.json<Problem>().detail).toMatch(/already used/);
      expect((await refresh(next.refresh_token)).statusCode).toBe(401);
      expect((await t.request({ method: 'GET', url: '/api/auth/me', token: next.token })).statusCode).toBe(401);
    });

    it('rejects an unknown refresh token and an access token used as one', async () => {
      const session = await t.signUp();
      expect((await refresh('made-up')).statusCode).toBe(401);
      expect((await refresh(session.token)).statusCode).toBe(401);
      expect((await refresh(12345)).statusCode).toBe(422);
    });

    it('rejects a refresh token used as an access token', async () => {
      const session = await t.signUp();
      const res = await t.request({ method: 'GET', url: '/api/auth/me', token: session.refresh_token });
      expect(res.statusCode).toBe(401);
    });

    it("signs out with 204: that session's access and refresh tokens stop working, others keep working", async () => {
      const session = await t.signUp();
      const other = (await signIn({ email: session.user.email, password: TEST_PASSWORD })).json<Session>();
      const res = await t.request({
        method: 'POST',
        url: '/api/auth/sign-out',
        token: session.token,
        headers: { 'content-type': 'application/json' },
      });
      expect(res.statusCode).toBe(204);
      expect(res.body).toBe('');
      expect((await t.request({ method: 'GET', url: '/api/auth/me', token: session.token })).statusCode).toBe(401);
      expect((await refresh(session.refresh_token)).statusCode).toBe(401);
      expect((await t.request({ method: 'GET', url: '/api/auth/me', token: other.token })).statusCode).toBe(200);
    });

    it('sign-out with a refresh token in the body revokes that session too', async () => {
      const session = await t.signUp();
      const second = (await signIn({ email: session.user.email, password: TEST_PASSWORD })).json<Session>();
      const res = await t.request({
        method: 'POST',
        url: '/api/auth/sign-out',
        token: session.token,
        body: { refresh_token: second.refresh_token },
      });
      expect(res.statusCode).toBe(204);
      expect((await refresh(second.refresh_token)).statusCode).toBe(401);
    });

    it('sign-out needs a token', async () => {
      const res = await t.request({ method: 'POST', url: '/api/auth/sign-out' });
      expect(res.statusCode).toBe(401);
    });
  });
});
