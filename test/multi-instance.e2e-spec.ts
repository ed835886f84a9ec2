import { setTimeout as sleep } from 'node:timers/promises';
import { createTestApp, type Session, type TestApp } from './support/test-app.js';

/**
 * Two instances of the service (two createApp() apps, as two processes behind a load balancer would
 * be) on one database: sign-out and the auth rate limits must hold across them.
 */

let a: TestApp;
let b: TestApp;

beforeAll(async () => {
  a = await createTestApp({ AUTH_RATE_LIMIT: '20' });
  b = await createTestApp({ AUTH_RATE_LIMIT: '20' }, { db: a.db });
});
afterAll(async () => {
  await b?.close();
  await a?.close();
});

const me = (app: TestApp, token: string) => app.request({ method: 'GET', url: '/api/auth/me', token });

it('a sign-out on one instance stops the access token on the other within 5 seconds', async () => {
  const session = await a.signUp();
  // Instance B has seen the token and holds the session as live in its revocation cache.
  expect((await me(b, session.token)).statusCode).toBe(200);

  expect((await a.request({ method: 'POST', url: '/api/auth/sign-out', token: session.token })).statusCode).toBe(204);
  const started = Date.now();
  let status = 200;
  while (status === 200 && Date.now() - started < 5_000) {
    await sleep(100);
    status = (await me(b, session.token)).statusCode;
  }
  console.log(`sign-out on instance A reached instance B after ${Date.now() - started} ms`);
  expect(status).toBe(401);
  expect(
    (await b.request({ method: 'POST', url: '/api/auth/refresh', body: { refresh_token: session.refresh_token } }))
      .statusCode,
  ).toBe(401);
});

it('a refresh token spent on one instance and replayed on the other revokes the family on both', async () => {
  const first = await a.signUp();
  const rotated = await a.request({
    method: 'POST',
    url: '/api/auth/refresh',
    body: { refresh_token: first.refresh_token },
  });
  expect(rotated.statusCode).toBe(200);
  const second = rotated.json<Session>();
  expect(
    (await b.request({ method: 'POST', url: '/api/auth/refresh', body: { refresh_token: first.refresh_token } }))
      .statusCode,
  ).toBe(401);
  expect(
    (await a.request({ method: 'POST', url: '/api/auth/refresh', body: { refresh_token: second.refresh_token } }))
      .statusCode,
  ).toBe(401);
  // The family's newest access token too, on either instance.
  expect((await me(a, second.token)).statusCode).toBe(401);
  expect((await me(b, second.token)).statusCode).toBe(401);
});

it('AUTH_RATE_LIMIT counts one address across both instances', async () => {
  const address = '198.51.100.7';
  const attempt = (app: TestApp) =>
    app.request({ method: 'POST', url: '/api/auth/sign-in/email', body: {}, remoteAddress: address });
  for (let i = 0; i < 20; i++) expect((await attempt(i % 2 ? b : a)).statusCode).toBe(422);
  expect((await attempt(a)).statusCode).toBe(429);
  const refused = await attempt(b);
  expect(refused.statusCode).toBe(429);
  expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
});

it('the per-email lockout counts failures made on either instance', async () => {
  const session = await a.signUp({ password: 'correct horse battery' });
  const signIn = (app: TestApp, password: string, remoteAddress: string) =>
    app.request({
      method: 'POST',
      url: '/api/auth/sign-in/email',
      body: { email: session.user.email, password },
      remoteAddress,
    });
  // Spread over addresses, as a distributed guesser would, so only the per-email rule can stop it.
  for (let i = 0; i < 10; i++) {
    expect((await signIn(i % 2 ? b : a, 'wrong password', `192.0.2.${i + 1}`)).statusCode).toBe(401);
  }
  expect((await signIn(b, 'correct horse battery', '192.0.2.100')).statusCode).toBe(429);
  expect((await signIn(a, 'correct horse battery', '192.0.2.101')).statusCode).toBe(429);
});
