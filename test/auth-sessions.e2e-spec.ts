import { JwtService } from '@nestjs/jwt';
import type { Problem } from './support/api-types.js';
import { type Session, signUpUsers, TEST_PASSWORD, TEST_SECRET, useTestApp } from './support/test-app.js';

/** The service's own tokens: refresh rotation, reuse detection, sign-out, token separation. */

const t = useTestApp();

const me = (token: string) => t.request({ method: 'GET', url: '/api/auth/me', token });
const refresh = (refreshToken: string) =>
  t.request({ method: 'POST', url: '/api/auth/refresh', body: { refresh_token: refreshToken } });
/** Another session of a user that signUp() made. */
const signIn = async (email: string) => {
  const response = await t.request({
    method: 'POST',
    url: '/api/auth/sign-in/email',
    body: { email, password: TEST_PASSWORD },
  });
  expect(response.statusCode).toBe(200);
  return response.json<Session>();
};

describe('refresh tokens', () => {
  it('rotate: the new session works and the old refresh token is spent', async () => {
    const first = await t.signUp();
    const response = await refresh(first.refresh_token);
    expect(response.statusCode).toBe(200);
    const second = response.json<Session>();
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(second.user.id).toBe(first.user.id);
    expect((await me(second.token)).statusCode).toBe(200);
  });

  it('a spent refresh token presented again revokes the whole family (RFC 9700 reuse detection)', async () => {
    const first = await t.signUp();
    const second = (await refresh(first.refresh_token)).json<Session>();

    const reuse = await refresh(first.refresh_token);
    expect(reuse.statusCode).toBe(401);
    expect(reuse.json<Problem>().detail).toBe('This refresh token was already used; the session has been revoked');

    // The legitimate holder's newer tokens die with the family: the thief may hold them.
    expect((await refresh(second.refresh_token)).statusCode).toBe(401);
    expect((await me(second.token)).statusCode).toBe(401);
    expect((await me(first.token)).statusCode).toBe(401);
    // Other sessions of the same user are untouched.
    const other = await signIn(first.user.email);
    expect((await me(other.token)).statusCode).toBe(200);
  });

  it('of concurrent refreshes of one token exactly one wins, and the family is revoked', async () => {
    for (let round = 0; round < 5; round++) {
      const session = await t.signUp();
      const responses = await Promise.all(Array.from({ length: 4 }, () => refresh(session.refresh_token)));
      const statuses = responses.map((r) => r.statusCode).sort();
      expect(statuses).toEqual([200, 401, 401, 401]);
      const winner = responses.find((r) => r.statusCode === 200)!.json<Session>();
      expect((await refresh(winner.refresh_token)).statusCode).toBe(401);
      expect((await me(winner.token)).statusCode).toBe(401);
      const { rows } = await t.sql.query<{ revoked_at: Date | null }>(
        `SELECT revoked_at FROM auth_sessions s JOIN users u ON u.id = s.user_id WHERE u.id = $1`,
        [session.user.id],
      );
      expect(rows).toHaveLength(1);
      expect(rows[0].revoked_at).not.toBeNull();
    }
  });

  it('an expired refresh token is refused', async () => {
    const session = await t.signUp();
    await t.sql.query(
      `UPDATE refresh_tokens SET expires_at = now() - interval '1 second' WHERE session_id IN (SELECT id FROM auth_sessions WHERE user_id = $1)`,
      [session.user.id],
    );
    const response = await refresh(session.refresh_token);
    expect(response.statusCode).toBe(401);
    expect(response.json<Problem>().detail).toBe('The refresh token is invalid or expired');
  });
});

describe('sign-out', () => {
  it("revokes the session's access and refresh tokens", async () => {
    const session = await t.signUp();
    const signOut = await t.request({ method: 'POST', url: '/api/auth/sign-out', token: session.token });
    expect(signOut.statusCode).toBe(204);
    const after = await me(session.token);
    expect(after.statusCode).toBe(401);
    expect(after.json<Problem>().detail).toBe('The session has been signed out');
    expect((await refresh(session.refresh_token)).statusCode).toBe(401);
  });

  it('also revokes the session of a refresh token it is given', async () => {
    const a = await t.signUp();
    const b = await signIn(a.user.email);
    const signOut = await t.request({
      method: 'POST',
      url: '/api/auth/sign-out',
      token: a.token,
      body: { refresh_token: b.refresh_token },
    });
    expect(signOut.statusCode).toBe(204);
    expect((await me(a.token)).statusCode).toBe(401);
    expect((await me(b.token)).statusCode).toBe(401);
    expect((await refresh(b.refresh_token)).statusCode).toBe(401);
  });

  it("leaves another user's session alone when given that user's refresh token", async () => {
    const [attacker, victim] = await signUpUsers(t, 2);
    // The attacker's token is still valid, so the request gets past the guard to the ownership check.
    const signOut = await t.request({
      method: 'POST',
      url: '/api/auth/sign-out',
      token: attacker.token,
      body: { refresh_token: victim.refresh_token },
    });
    expect(signOut.statusCode).toBe(204);
    expect((await me(attacker.token)).statusCode).toBe(401);
    // The victim's access token still works, and so does the refresh token the attacker presented.
    expect((await me(victim.token)).statusCode).toBe(200);
    const { rows } = await t.sql.query<{ revoked_at: Date | null }>(
      `SELECT revoked_at FROM auth_sessions WHERE user_id = $1`,
      [victim.user.id],
    );
    expect(rows).toEqual([{ revoked_at: null }]);
    expect((await refresh(victim.refresh_token)).statusCode).toBe(200);
  });
});

describe('access and refresh tokens are not interchangeable', () => {
  it('a refresh token is not a bearer token', async () => {
    const session = await t.signUp();
    const response = await me(session.refresh_token);
    expect(response.statusCode).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
  });

  it('an access token is not a refresh token', async () => {
    const session = await t.signUp();
    expect((await refresh(session.token)).statusCode).toBe(401);
    // Nothing was spent or revoked by the attempt.
    expect((await me(session.token)).statusCode).toBe(200);
    expect((await refresh(session.refresh_token)).statusCode).toBe(200);
  });

  it('an HS256 JWT typed as anything but an access token is refused', async () => {
    const session = await t.signUp();
    const jwt = new JwtService({ secret: TEST_SECRET });
    const typed = (typ: string) => jwt.signAsync({ sub: session.user.id, typ }, { expiresIn: 60 });
    const refused = await me(await typed('refresh'));
    expect(refused.statusCode).toBe(401);
    expect(refused.json<Problem>().detail).toBe('The token is not an access token');
    expect((await me(await typed('access'))).statusCode).toBe(200);
  });
});

describe('sign-in', () => {
  it('answers an unknown email and a wrong password alike (timing printed, not asserted)', async () => {
    // Several accounts, so that the per-email lockout (10 failures) stays out of the measurement.
    const users = (await signUpUsers(t, 4)).map((session) => session.user);
    const attempt = async (email: string) => {
      const started = process.hrtime.bigint();
      const response = await t.request({
        method: 'POST',
        url: '/api/auth/sign-in/email',
        body: { email, password: 'not the password' },
      });
      return { response, ms: Number(process.hrtime.bigint() - started) / 1e6 };
    };
    const unknown: number[] = [];
    const wrong: number[] = [];
    const bodies = new Set<string>();
    for (let i = 0; i < 12; i++) {
      // Alternate which goes first, so warm-up and load drift fall on both sides alike.
      const emails = [`nobody-${i}@example.com`, users[i % users.length].email];
      const first = await attempt(emails[i % 2]);
      const second = await attempt(emails[1 - (i % 2)]);
      const [a, b] = i % 2 ? [second, first] : [first, second];
      expect([a.response.statusCode, b.response.statusCode]).toEqual([401, 401]);
      bodies.add(a.response.body).add(b.response.body);
      unknown.push(a.ms);
      wrong.push(b.ms);
    }
    expect([...bodies].map((body) => JSON.parse(body) as unknown)).toEqual([
      {
        type: 'about:blank',
        title: 'Unauthorized',
        status: 401,
        detail: 'Invalid credentials',
        instance: '/api/auth/sign-in/email',
      },
    ]);
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
    console.log(
      `sign-in median over 12: unknown email ${median(unknown).toFixed(1)} ms, wrong password ${median(wrong).toFixed(1)} ms`,
    );
  });

  it('stores passwords with argon2id at or above OWASP parameters', async () => {
    const { user } = await t.signUp();
    const { rows } = await t.sql.query<{ password_hash: string }>(`SELECT password_hash FROM users WHERE id = $1`, [
      user.id,
    ]);
    expect(rows[0].password_hash).toMatch(/^\$argon2id\$v=19\$m=\d+,t=\d+,p=\d+\$/);
    const [memory, passes, lanes] = /m=(\d+),t=(\d+),p=(\d+)/.exec(rows[0].password_hash)!.slice(1).map(Number);
    // OWASP's Password Storage Cheat Sheet: argon2id with m=47104 (KiB) and t=1, or m=19456 and t=2,
    // m=12288 and t=3, m=9216 and t=4, m=7168 and t=5; p=1 in each.
    const leastMemory: Record<number, number> = { 1: 47_104, 2: 19_456, 3: 12_288, 4: 9_216, 5: 7_168 };
    expect(passes).toBeGreaterThanOrEqual(1);
    expect(memory).toBeGreaterThanOrEqual(leastMemory[Math.min(passes, 5)]);
    expect(lanes).toBeGreaterThanOrEqual(1);
  });
});
