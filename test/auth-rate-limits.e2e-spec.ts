import type { LightMyRequestResponse } from 'fastify';
import type { Problem } from './support/api-types.js';
import { createTestApp, signUpUsers, TEST_PASSWORD, type TestApp, useTestApp } from './support/test-app.js';

/** AUTH_RATE_LIMIT per client address, and the per-email lockout after 10 failed sign-ins. */

function expectTooManyRequests(response: LightMyRequestResponse, maxRetryAfter: number): number {
  expect(response.statusCode).toBe(429);
  expect(response.headers['content-type']).toContain('application/problem+json');
  expect(response.json()).toMatchObject({ status: 429, title: 'Too Many Requests' });
  const retryAfter = Number(response.headers['retry-after']);
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(maxRetryAfter);
  return retryAfter;
}

describe('AUTH_RATE_LIMIT per client address', () => {
  const t = useTestApp({ AUTH_RATE_LIMIT: '5' });

  // An empty body is refused by validation, after the limit has counted the request: cheap to send.
  const attempt = (url: string, remoteAddress: string) => t.request({ method: 'POST', url, body: {}, remoteAddress });

  it('counts sign-up, sign-in and refresh together per address, then answers 429 with Retry-After', async () => {
    const address = '203.0.113.1';
    const routes = [
      '/api/auth/sign-up/email',
      '/api/auth/sign-in/email',
      '/api/auth/refresh',
      '/api/auth/sign-in/email',
      '/api/auth/sign-up/email',
    ];
    for (const url of routes) expect((await attempt(url, address)).statusCode).toBe(422);
    const refused = await attempt('/api/auth/refresh', address);
    expectTooManyRequests(refused, 60);
    expect(refused.json<Problem>().detail).toBe(
      'Too many sign-in requests from your address (limit 5 a minute); try again later',
    );
    // Another address has its own budget.
    expect((await attempt('/api/auth/sign-in/email', '203.0.113.2')).statusCode).toBe(422);
  });

  it('lets the address in again once its minute has passed', async () => {
    const address = '203.0.113.3';
    for (let i = 0; i < 5; i++) await attempt('/api/auth/sign-in/email', address);
    expectTooManyRequests(await attempt('/api/auth/sign-in/email', address), 60);
    await t.sql.query(`UPDATE auth_rate_limits SET window_started_at = now() - interval '61 seconds' WHERE key = $1`, [
      `address:${address}`,
    ]);
    expect((await attempt('/api/auth/sign-in/email', address)).statusCode).toBe(422);
  });

  it('does not limit routes that need a token', async () => {
    const address = '203.0.113.4';
    const session = await t.signUp();
    for (let i = 0; i < 8; i++) {
      expect(
        (await t.request({ method: 'GET', url: '/api/auth/me', token: session.token, remoteAddress: address }))
          .statusCode,
      ).toBe(200);
    }
  });
});

describe('the client address behind a proxy', () => {
  const attempt = (t: TestApp, forwardedFor: string) =>
    t.request({
      method: 'POST',
      url: '/api/auth/sign-in/email',
      body: {},
      remoteAddress: '10.0.0.1',
      headers: { 'x-forwarded-for': forwardedFor },
    });

  it('by default is the connecting address: a forged X-Forwarded-For does not buy a new budget', async () => {
    const t = await createTestApp({ AUTH_RATE_LIMIT: '2' });
    try {
      expect((await attempt(t, '198.51.100.1')).statusCode).toBe(422);
      expect((await attempt(t, '198.51.100.2')).statusCode).toBe(422);
      expect((await attempt(t, '198.51.100.3')).statusCode).toBe(429);
    } finally {
      await t.close();
    }
  });

  it('with TRUST_PROXY=1 is the address the proxy forwarded', async () => {
    const t = await createTestApp({ AUTH_RATE_LIMIT: '2', TRUST_PROXY: '1' });
    try {
      expect((await attempt(t, '198.51.100.1')).statusCode).toBe(422);
      expect((await attempt(t, '198.51.100.1')).statusCode).toBe(422);
      expect((await attempt(t, '198.51.100.1')).statusCode).toBe(429);
      expect((await attempt(t, '198.51.100.2')).statusCode).toBe(422);
    } finally {
      await t.close();
    }
  });
});

it('AUTH_RATE_LIMIT=0 turns the per-address limit off', async () => {
  const t = await createTestApp({ AUTH_RATE_LIMIT: '0' });
  try {
    for (let i = 0; i < 40; i++) {
      expect((await t.request({ method: 'POST', url: '/api/auth/sign-in/email', body: {} })).statusCode).toBe(422);
    }
  } finally {
    await t.close();
  }
});

describe('per-email lockout after 10 failed sign-ins in 15 minutes', () => {
  const t = useTestApp({ AUTH_RATE_LIMIT: '0' });
  const password = TEST_PASSWORD;
  const signIn = (email: string, pw: string) =>
    t.request({ method: 'POST', url: '/api/auth/sign-in/email', body: { email, password: pw } });

  it('refuses even the right password until the window has passed, and only for that email', async () => {
    const [{ user }, other] = await signUpUsers(t, 2);
    for (let i = 0; i < 10; i++) expect((await signIn(user.email, 'wrong password')).statusCode).toBe(401);

    const locked = await signIn(user.email, password);
    const retryAfter = expectTooManyRequests(locked, 900);
    expect(retryAfter).toBeGreaterThan(800);
    expect(locked.json<Problem>().detail).toBe('Too many failed sign-ins for this email; try again later');
    expect((await signIn(user.email.toUpperCase(), password)).statusCode).toBe(429);
    expect((await signIn(other.user.email, password)).statusCode).toBe(200);

    // Fifteen minutes later (the attempts aged in the database, which is all the rule reads):
    await t.sql.query(
      `UPDATE sign_in_attempts SET attempted_at = attempted_at - interval '15 minutes' WHERE email = $1`,
      [user.email],
    );
    expect((await signIn(user.email, password)).statusCode).toBe(200);
  });

  it('locks unknown emails the same way, so the lockout reveals no accounts', async () => {
    const email = 'nobody-here@example.com';
    for (let i = 0; i < 10; i++) expect((await signIn(email, 'guess')).statusCode).toBe(401);
    const locked = await signIn(email, 'guess');
    expect(expectTooManyRequests(locked, 900)).toBeGreaterThan(800);
    expect(locked.json<Problem>().detail).toBe('Too many failed sign-ins for this email; try again later');
  });

  it('forgets failures after a successful sign-in', async () => {
    const { user } = await t.signUp();
    for (let i = 0; i < 9; i++) await signIn(user.email, 'wrong password');
    expect((await signIn(user.email, password)).statusCode).toBe(200);
    for (let i = 0; i < 9; i++) expect((await signIn(user.email, 'wrong password')).statusCode).toBe(401);
    expect((await signIn(user.email, password)).statusCode).toBe(200);
  });

  it('lets exactly 10 of 16 concurrent wrong guesses through to the password check', async () => {
    const { user } = await t.signUp();
    const responses = await Promise.all(Array.from({ length: 16 }, () => signIn(user.email, 'wrong password')));
    const statuses = responses.map((r) => r.statusCode);
    expect(statuses.filter((s) => s === 401)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(6);
  });
});
